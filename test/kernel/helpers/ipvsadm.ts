/**
 * ipvsadm as the independent reader (and, for setup, writer) of the kernel's IPVS table in kernel
 * tests. `readIpvs()` turns `ipvsadm -Ln` plus `ipvsadm -Ln --thresholds` into plain objects that
 * compare with `toEqual`; `resetIpvs()` empties the table between tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Forwarding method as ipvsadm names it, lower-cased: `Route` → `route`. */
export type KernelForward = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';

export interface KernelDest {
  /** `10.1.1.2:80`, `[2001:db8::2]:80` (ipvsadm's rendering, port always present). */
  readonly address: string;
  readonly forward: KernelForward;
  readonly weight: number;
  /** Upper connection threshold (`-x`), 0 = none. */
  readonly upperThreshold: number;
  /** Lower connection threshold (`-y`), 0 = none. */
  readonly lowerThreshold: number;
}

export interface KernelService {
  /** ipvsadm's identity column: `TCP 10.1.1.1:80`, `UDP [2001:db8::1]:53`, `SCTP ...`, `FWM 5`, `FWM 6 IPv6`. */
  readonly service: string;
  readonly scheduler: string;
  /** Scheduler flags as ipvsadm prints them in parentheses, e.g. `['sh-fallback', 'sh-port']`. */
  readonly schedFlags: readonly string[];
  /** Persistence timeout in seconds, or null when not persistent. */
  readonly persistent: number | null;
  /** Persistence netmask when not the default (/32 or /128): `255.255.255.0`, or `64` for IPv6. */
  readonly netmask: string | null;
  /** Persistence engine, e.g. `sip`. */
  readonly pe: string | null;
  /** One-packet scheduling (`-o`, shown as `ops`). */
  readonly ops: boolean;
  /** In ipvsadm's order: sorted by address, then port. */
  readonly dests: readonly KernelDest[];
}

const FORWARDS: Readonly<Record<string, KernelForward>> = {
  Masq: 'masq', Local: 'local', Tunnel: 'tunnel', Route: 'route', Bypass: 'bypass',
};

// `<proto> <addr:port> <sched> [(flags)] [persistent N [mask M] [pe P]] [ops]`; fwmark services
// read `FWM <mark> [IPv6] ...` instead.
const SERVICE_TAIL = String.raw`(?<sched>\S+)(?: \((?<flags>[^)]*)\))?(?: persistent (?<timeout>\d+)(?: mask (?<mask>\S+))?(?: pe (?<pe>\S+))?)?(?<ops> ops)?\s*$`;
const ADDR_SERVICE_LINE = new RegExp(String.raw`^(?<id>(?:TCP|UDP|SCTP)\s+\S+)\s+` + SERVICE_TAIL);
const FWM_SERVICE_LINE = new RegExp(String.raw`^FWM\s+(?<id>\d+(?: IPv6)?)\s+` + SERVICE_TAIL);
const DEST_LINE = /^\s+-> (\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;

/**
 * Runs ipvsadm with `args`; rejects with its stderr when it exits non-zero.
 * @returns stdout
 */
export async function ipvsadm(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('ipvsadm', args, { encoding: 'utf8' });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; code?: number | string; message: string };
    throw new Error(`ipvsadm ${args.join(' ')} failed (${err.code ?? '?'}): ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/**
 * Parses `ipvsadm -Ln` (forward and weight) and, optionally, `ipvsadm -Ln --thresholds` taken of
 * the same table (thresholds; without it they read as 0). Unknown lines throw, so a format change
 * cannot pass silently.
 */
export function parseIpvsadm(list: string, thresholds?: string): KernelService[] {
  const limits = new Map<string, { upper: number; lower: number }>();
  if (thresholds !== undefined) {
    let current = '';
    for (const line of thresholds.split('\n')) {
      const svc = parseServiceLine(line);
      if (svc) {
        current = svc.service;
        continue;
      }
      const d = DEST_LINE.exec(line);
      if (d) limits.set(`${current} -> ${d[1]}`, { upper: Number(d[2]), lower: Number(d[3]) });
    }
  }

  const out: { svc: Omit<KernelService, 'dests'>; dests: KernelDest[] }[] = [];
  for (const line of list.split('\n')) {
    if (line.trim() === '' || /^(IP Virtual Server version|Prot LocalAddress|\s+-> RemoteAddress)/.test(line)) continue;
    const svc = parseServiceLine(line);
    if (svc) {
      out.push({ svc, dests: [] });
      continue;
    }
    const d = DEST_LINE.exec(line);
    const forward = d?.[2] === undefined ? undefined : FORWARDS[d[2]];
    const current = out.at(-1);
    if (!d?.[1] || forward === undefined || !current) throw new Error(`parseIpvsadm: unexpected line ${JSON.stringify(line)}`);
    const lim = limits.get(`${current.svc.service} -> ${d[1]}`);
    current.dests.push({ address: d[1], forward, weight: Number(d[3]), upperThreshold: lim?.upper ?? 0, lowerThreshold: lim?.lower ?? 0 });
  }
  return out.map(({ svc, dests }) => ({ ...svc, dests }));
}

function parseServiceLine(line: string): Omit<KernelService, 'dests'> | null {
  const addr = ADDR_SERVICE_LINE.exec(line);
  const fwm = addr ? null : FWM_SERVICE_LINE.exec(line);
  const g = (addr ?? fwm)?.groups;
  if (!g?.id || !g.sched) return null;
  return {
    service: addr ? g.id.replace(/\s+/, ' ') : `FWM ${g.id}`,
    scheduler: g.sched,
    schedFlags: g.flags ? g.flags.split(',') : [],
    persistent: g.timeout === undefined ? null : Number(g.timeout),
    netmask: g.mask ?? null,
    pe: g.pe ?? null,
    ops: g.ops !== undefined,
  };
}

/**
 * The kernel's table now, read through ipvsadm. Reads the list, the thresholds and the list again,
 * and retries until both lists agree, so the two views come from one state of the table even while
 * a daemon is changing it.
 */
export async function readIpvs(): Promise<KernelService[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const list = await ipvsadm('-Ln');
    const thresholds = await ipvsadm('-Ln', '--thresholds');
    const again = await ipvsadm('-Ln');
    if (list === again) return parseIpvsadm(list, thresholds);
  }
  throw new Error('readIpvs: the table kept changing between reads');
}

/** Empties the table (`ipvsadm -C`) and checks it is empty. */
export async function resetIpvs(): Promise<void> {
  await ipvsadm('-C');
  const left = parseIpvsadm(await ipvsadm('-Ln'));
  if (left.length > 0) throw new Error(`resetIpvs: table not empty after -C: ${JSON.stringify(left)}`);
}
