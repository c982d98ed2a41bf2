/**
 * Dest weight edits through our netlink backend versus the way ldirectord makes them (fork
 * `ipvsadm -L -n` to read the whole table, then fork `ipvsadm -e`), on one service with many
 * dests. Needs a kernel with IPVS and root, i.e. the test VM; refuses clearly anywhere else.
 *
 *   npx tsx bench/ipvs.ts [--edits 10000] [--dests 100] [--sample 500] [--dump-sample 1000]
 *                         [--ipvsadm /usr/sbin/ipvsadm] [--faithful]
 *
 * `--faithful` copies ldirectord 4.12 exactly: a second read (`ipvsadm -L -n --thresholds`) and
 * every command through `/bin/sh -c`, as its system() does. Without it, one read and one edit,
 * both execFile'd, which flatters ldirectord.
 *
 * It creates the service tcp 10.255.0.1:80 with dests 10.255.x.y:80 and deletes it at the end.
 * Addresses go into the kernel table only; no packet is sent.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { IpvsUnavailableError } from '../src/ipvs/ipvs-error.js';
import { NetlinkIpvsBackend } from '../src/ipvs/netlink/netlink-backend.js';
import type { IpvsDest, ServiceId } from '../src/ipvs/types.js';
import { destKey, serviceKey } from '../src/ipvs/types.js';

const run = promisify(execFile);

export interface IpvsBenchOptions {
  /** Weight edits to time through our backend (default 10 000). */
  readonly edits?: number;
  /** Dests in the service (default 100). */
  readonly dests?: number;
  /** ldirectord-style edits actually timed, then extrapolated to `edits` (default 500). */
  readonly ldirectordSample?: number;
  /** Edits timed with a full dump before each, as our reconciler does (default 1000). */
  readonly dumpSample?: number;
  /** ipvsadm binary (default: /sbin/ipvsadm, then /usr/sbin/ipvsadm, as ldirectord looks). */
  readonly ipvsadm?: string;
  /** Copy ldirectord exactly: add the `--thresholds` read and run commands through /bin/sh -c. */
  readonly faithful?: boolean;
}

/** One way of making edits: how many were timed, and the rate. Times in ms. */
export interface EditTiming {
  readonly timed: number;
  readonly totalMs: number;
  readonly msPerEdit: number;
  readonly editsPerSec: number;
  /** `msPerEdit` × the requested edits; equals `totalMs` when every edit was timed. */
  readonly extrapolatedMs: number;
}

export interface IpvsBenchResult {
  readonly machine: { readonly cpu: string; readonly cores: number; readonly kernel: string; readonly node: string; readonly ipvs: string };
  readonly edits: number;
  readonly dests: number;
  /** Our backend, one SET_DEST per edit. */
  readonly ours: EditTiming;
  /** Our backend with a whole-table dump before every edit (the reconciler's pattern). */
  readonly oursWithDump: EditTiming;
  /** ldirectord's pattern through ipvsadm. */
  readonly ldirectord: EditTiming & { readonly commandsPerEdit: readonly string[] };
  /** ldirectord's (extrapolated) time over ours: how many times faster we are. */
  readonly ratio: number;
}

const SERVICE: ServiceId = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.255.0.1', port: 80 };

/** Runs the benchmark. Rejects with IpvsUnavailableError when the kernel has no usable IPVS. */
export async function runIpvsBench(options: IpvsBenchOptions = {}): Promise<IpvsBenchResult> {
  const edits = options.edits ?? 10_000;
  const destCount = options.dests ?? 100;
  const sample = Math.min(options.ldirectordSample ?? 500, edits);
  const dumpSample = Math.min(options.dumpSample ?? 1000, edits);
  if (!(destCount >= 1 && destCount <= 62_500)) throw new RangeError(`the number of dests must be 1..62500, not ${destCount}`);
  if (!(edits >= 1)) throw new RangeError(`the number of edits must be at least 1, not ${edits}`);

  const backend = await NetlinkIpvsBackend.open();
  try {
    const ipvsadm = options.ipvsadm ?? ['/sbin/ipvsadm', '/usr/sbin/ipvsadm'].find((p) => existsSync(p));
    if (ipvsadm === undefined || !existsSync(ipvsadm)) throw new Error('ipvsadm was not found in /sbin or /usr/sbin; pass --ipvsadm PATH.');
    const ipvs = await backend.version();
    const dests = Array.from({ length: destCount }, (_, i): IpvsDest => ({
      family: 4, address: `10.255.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`, port: 80,
      forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0,
    }));
    await backend.apply({ op: 'del-service', id: SERVICE });
    await backend.apply({ op: 'add-service', service: { id: SERVICE, scheduler: 'wrr', flags: 0, timeoutSec: 0, netmask: '255.255.255.255' } });
    for (const dest of dests) await backend.apply({ op: 'add-dest', id: SERVICE, dest });

    // Edit i touches dest i mod n; the weight alternates 2, 1, 2, … per pass, so every edit changes something.
    let next = 0;
    const edit = (): IpvsDest => {
      const i = next++;
      const dest = dests[i % destCount] as IpvsDest;
      return { ...dest, weight: Math.floor(i / destCount) % 2 === 0 ? 2 : 1 };
    };
    const apply = (dest: IpvsDest) => backend.apply({ op: 'edit-dest', id: SERVICE, dest });
    const reads = options.faithful ? [['-L', '-n'], ['-L', '-n', '--thresholds']] : [['-L', '-n']];
    const ipvsadmEdit = (d: IpvsDest): string[] =>
      ['-e', '-t', '10.255.0.1:80', '-x', String(d.upperThreshold), '-y', String(d.lowerThreshold), '-r', destKey(d), '-g', '-w', String(d.weight)];
    const exec = async (args: string[]): Promise<void> => {
      if (options.faithful) await run('/bin/sh', ['-c', [ipvsadm, ...args].join(' ')]);
      else await run(ipvsadm, args);
    };
    const ldirectordEdit = async (d: IpvsDest): Promise<void> => {
      for (const r of reads) await exec(r);
      await exec(ipvsadmEdit(d));
    };

    // Warm up each path so the timings are of the steady state.
    for (let i = 0; i < 200; i++) await apply(edit());
    for (let i = 0; i < 5; i++) await ldirectordEdit(edit());

    const ours = await time(edits, edits, async () => apply(edit()));
    await verify(backend, dests, next);
    const oursWithDump = await time(dumpSample, edits, async () => {
      await backend.dump();
      await apply(edit());
    });
    const ldirectord = await time(sample, edits, async () => ldirectordEdit(edit()));
    await verify(backend, dests, next);

    const [cpu] = cpus();
    return {
      machine: { cpu: cpu?.model ?? 'unknown', cores: cpus().length, kernel: release(), node: process.version, ipvs },
      edits,
      dests: destCount,
      ours,
      oursWithDump,
      ldirectord: { ...ldirectord, commandsPerEdit: [...reads, ipvsadmEdit(dests[0] as IpvsDest)].map((a) => `ipvsadm ${a.join(' ')}`) },
      ratio: ldirectord.extrapolatedMs / ours.extrapolatedMs,
    };
  } finally {
    await backend.apply({ op: 'del-service', id: SERVICE }).catch(() => undefined);
    await backend.close();
  }
}

async function time(count: number, requested: number, one: () => Promise<void>): Promise<EditTiming> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await one();
  const totalMs = performance.now() - start;
  const msPerEdit = totalMs / count;
  return { timed: count, totalMs, msPerEdit, editsPerSec: 1000 / msPerEdit, extrapolatedMs: msPerEdit * requested };
}

/** The table must hold what the last edit of each dest wrote, or the timings measured nothing. */
async function verify(backend: NetlinkIpvsBackend, dests: readonly IpvsDest[], made: number): Promise<void> {
  const entry = (await backend.dump()).get(serviceKey(SERVICE));
  dests.forEach((d, k) => {
    const lastEdit = k >= made ? -1 : made - 1 - ((made - 1 - k) % dests.length);
    const want = lastEdit < 0 ? 1 : Math.floor(lastEdit / dests.length) % 2 === 0 ? 2 : 1;
    const have = entry?.dests.get(destKey(d))?.weight;
    if (have !== want) throw new Error(`bench check failed: ${destKey(d)} has weight ${have}, expected ${want}`);
  });
}

/** The figures as the script prints them. */
export function formatIpvsBench(r: IpvsBenchResult): string {
  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  const rate = (t: EditTiming): string => `${t.editsPerSec.toFixed(0)} edits/s, ${(t.msPerEdit * 1000).toFixed(0)} µs/edit`;
  const part = (t: EditTiming): string =>
    t.timed === r.edits ? `${r.edits} edits in ${ms(t.totalMs)}` : `${t.timed} of ${r.edits} edits timed (${ms(t.totalMs)}), extrapolated to ${ms(t.extrapolatedMs)}`;
  return [
    `machine: ${r.machine.cpu} × ${r.machine.cores}, kernel ${r.machine.kernel}, IPVS ${r.machine.ipvs}, Node ${r.machine.node}`,
    `table:   1 service (tcp 10.255.0.1:80), ${r.dests} dests; every edit changes one dest's weight`,
    `ours (netlink SET_DEST):                 ${part(r.ours)}; ${rate(r.ours)}`,
    `ours with a full dump before each edit:  ${part(r.oursWithDump)}; ${rate(r.oursWithDump)}`,
    `ldirectord-style (${r.ldirectord.commandsPerEdit.length} ipvsadm forks/edit): ${part(r.ldirectord)}; ${rate(r.ldirectord)}`,
    `  per edit: ${r.ldirectord.commandsPerEdit.join(' ; ')}`,
    `ratio:   ours is ${r.ratio.toFixed(1)}x faster than ldirectord-style (target: at least 20x, ${r.ratio >= 20 ? 'met' : 'NOT met'})`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      edits: { type: 'string' }, dests: { type: 'string' }, sample: { type: 'string' },
      'dump-sample': { type: 'string' }, ipvsadm: { type: 'string' }, faithful: { type: 'boolean' },
    },
  });
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  try {
    const result = await runIpvsBench({
      ...(values.edits === undefined ? {} : { edits: num(values.edits) }),
      ...(values.dests === undefined ? {} : { dests: num(values.dests) }),
      ...(values.sample === undefined ? {} : { ldirectordSample: num(values.sample) }),
      ...(values['dump-sample'] === undefined ? {} : { dumpSample: num(values['dump-sample']) }),
      ...(values.ipvsadm === undefined ? {} : { ipvsadm: values.ipvsadm }),
      faithful: values.faithful === true,
    });
    process.stdout.write(`${formatIpvsBench(result)}\n`);
  } catch (err) {
    const why = err instanceof IpvsUnavailableError
      ? `${err.message.replace(/\.$/, '')}; run this benchmark where IPVS is, e.g. in the test VM.`
      : String(err instanceof Error ? err.message : err);
    process.stderr.write(`bench/ipvs: ${why}\n`);
    process.exitCode = 1;
  }
}

// Run only as the script itself: a bundle that imports runIpvsBench shares import.meta.url with
// its entry point, hence the file-name test.
const entry = process.argv[1];
if (entry !== undefined && /[\\/]ipvs\.[cm]?[jt]s$/.test(entry) && import.meta.url === pathToFileURL(entry).href) void main();
