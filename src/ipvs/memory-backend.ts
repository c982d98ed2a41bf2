/**
 * An in-process IPVS table with the kernel's semantics (reference stack.md §1.8), for tests, the
 * demo and `--dry-run`: same errnos, same idempotent cases, same `local` rewrite, plus an op log
 * and fault injection. `formatIpvsTable` prints any table the way `ipvsadm -Ln` does.
 */
import { constants } from 'node:os';
import { IpvsError } from './ipvs-error.js';
import {
  SVC_F_HASHED,
  SVC_F_ONEPACKET,
  SVC_F_PERSISTENT,
  SVC_F_SCHED1,
  SVC_F_SCHED2,
  SVC_F_SCHED3,
  destKey,
  serviceKey,
  type DestKey,
  type DestStats,
  type ForwardMethod,
  type IpvsBackend,
  type IpvsDest,
  type IpvsOp,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsTable,
  type ServiceId,
  type ServiceKey,
} from './types.js';
import { ipToBytes } from '../util/ip.js';

/** Schedulers a stock Debian kernel ships (`ip_vs_*` modules). */
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);
const PERSISTENCE_ENGINES = new Set(['sip']);
const ZERO_STATS: DestStats = { activeConns: 0, inactiveConns: 0, persistConns: 0 };

/** Which ops a fault applies to: an op name, or a predicate. */
export type OpMatcher = IpvsOp['op'] | ((op: IpvsOp) => boolean);

export interface MemoryIpvsBackendOptions {
  /** Addresses local to the simulated director: a dest on one reads back with forward `local`. */
  readonly local?: Iterable<string>;
  /** Starting table (copied). Dests on local addresses are taken as given. */
  readonly table?: IpvsTable;
  /** What `version()` reports; default `1.2.1`. */
  readonly version?: string;
}

interface StoredService {
  service: IpvsService;
  /** Insertion order = kernel add order; dumps list newest first, as the kernel does. */
  readonly dests: Map<DestKey, IpvsDest>;
  readonly stats: Map<DestKey, DestStats>;
}

export class MemoryIpvsBackend implements IpvsBackend {
  /** Every op that `apply()` resolved, in order; idempotent no-ops (EEXIST add, ESRCH/ENOENT delete) included. */
  readonly ops: IpvsOp[] = [];
  /** Addresses local to the simulated director. Applies to dests added or edited afterwards. */
  readonly local: Set<string>;
  private readonly services = new Map<ServiceKey, StoredService>();
  private readonly opFaults: { readonly matcher: OpMatcher; readonly errno: number }[] = [];
  private readonly dumpFaults: number[] = [];
  private readonly versionText: string;
  private closed = false;

  constructor(options: MemoryIpvsBackendOptions = {}) {
    this.local = new Set(options.local ?? []);
    this.versionText = options.version ?? '1.2.1';
    for (const [key, entry] of options.table ?? []) {
      this.services.set(key, {
        service: { ...entry.service, flags: entry.service.flags & ~SVC_F_HASHED },
        dests: new Map([...entry.dests].map(([k, d]) => [k, { ...d }] as const)),
        stats: new Map(entry.stats ?? []),
      });
    }
  }

  async dump(): Promise<IpvsTable> {
    this.assertOpen(undefined);
    const fault = this.dumpFaults.shift();
    if (fault !== undefined) throw ipvsError(undefined, fault, 'dump failed');
    const table = new Map<ServiceKey, IpvsServiceEntry>();
    for (const [key, stored] of this.services) {
      const newestFirst = [...stored.dests].reverse();
      table.set(key, {
        service: { ...stored.service, id: { ...stored.service.id } },
        dests: new Map(newestFirst.map(([k, d]) => [k, { ...d }] as const)),
        stats: new Map(newestFirst.map(([k]) => [k, { ...(stored.stats.get(k) ?? ZERO_STATS) }] as const)),
      });
    }
    return table;
  }

  async apply(op: IpvsOp): Promise<void> {
    this.assertOpen(op);
    const index = this.opFaults.findIndex((f) => matches(f.matcher, op));
    if (index >= 0) {
      const [fault] = this.opFaults.splice(index, 1);
      throw ipvsError(op, fault?.errno ?? 0, 'injected fault');
    }
    this.applyToTable(op);
    this.ops.push(op);
  }

  async version(): Promise<string> {
    return this.versionText;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Makes the next op that `matcher` accepts reject with `errno` (a number or a name like `ENOMEM`); one-shot. */
  failNext(matcher: OpMatcher, errno: number | string): void {
    this.opFaults.push({ matcher, errno: errnoNumber(errno) });
  }

  /** Makes the next `dump()` reject with `errno`; one-shot. */
  failNextDump(errno: number | string): void {
    this.dumpFaults.push(errnoNumber(errno));
  }

  /** Sets the connection counters a dump reports for one dest (ignored if the dest is absent). */
  setStats(service: ServiceKey, dest: DestKey, stats: DestStats): void {
    const stored = this.services.get(service);
    if (stored?.dests.has(dest)) stored.stats.set(dest, { ...stats });
  }

  /** `ipvsadm -C`: empties the table behind the daemon's back. */
  clear(): void {
    this.services.clear();
  }

  /** The table as `ipvsadm -Ln` prints it. */
  formatTable(): string {
    const table = new Map<ServiceKey, IpvsServiceEntry>();
    for (const [key, stored] of this.services) table.set(key, stored);
    return formatIpvsTable(table, { version: this.versionText });
  }

  private applyToTable(op: IpvsOp): void {
    switch (op.op) {
      case 'add-service': {
        const key = serviceKey(op.service.id);
        checkService(op, op.service);
        if (this.services.has(key)) return; // EEXIST is success by contract, and changes nothing
        this.services.set(key, { service: cleanService(op.service), dests: new Map(), stats: new Map() });
        return;
      }
      case 'edit-service': {
        const stored = this.mustFind(op, op.service.id);
        checkService(op, op.service);
        stored.service = cleanService(op.service);
        return;
      }
      case 'del-service':
        this.services.delete(serviceKey(op.id)); // ESRCH is success by contract
        return;
      case 'add-dest': {
        const stored = this.mustFind(op, op.id);
        checkDest(op, stored.service, op.dest);
        const key = destKey(op.dest);
        if (stored.dests.has(key)) return;
        stored.dests.set(key, this.asStored(op.dest));
        return;
      }
      case 'edit-dest': {
        const stored = this.mustFind(op, op.id);
        checkDest(op, stored.service, op.dest);
        const key = destKey(op.dest);
        if (!stored.dests.has(key)) throw ipvsError(op, constants.errno.ENOENT, 'No such destination');
        stored.dests.set(key, this.asStored(op.dest));
        return;
      }
      case 'del-dest': {
        const stored = this.services.get(serviceKey(op.id));
        const key = destKey(op.dest);
        stored?.dests.delete(key);
        stored?.stats.delete(key);
        return;
      }
    }
  }

  private mustFind(op: IpvsOp, id: ServiceId): StoredService {
    const stored = this.services.get(serviceKey(id));
    if (!stored) throw ipvsError(op, constants.errno.ESRCH, 'No such service');
    return stored;
  }

  /** The kernel files a dest on a local address as LOCALNODE whatever method was asked for. */
  private asStored(dest: IpvsDest): IpvsDest {
    const forward: ForwardMethod = this.local.has(dest.address) ? 'local' : dest.forward;
    return { ...dest, forward };
  }

  private assertOpen(op: IpvsOp | undefined): void {
    if (this.closed) throw ipvsError(op, constants.errno.EBADF, 'backend closed');
  }
}

function checkService(op: IpvsOp, service: IpvsService): void {
  if (!SCHEDULERS.has(service.scheduler)) throw ipvsError(op, constants.errno.ENOENT, 'Scheduler not found');
  if (service.pe !== undefined && service.pe !== '' && !PERSISTENCE_ENGINES.has(service.pe)) {
    throw ipvsError(op, constants.errno.ENOENT, 'Persistence engine not found');
  }
  if (service.id.family === 6) {
    const prefix = Number(service.netmask);
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) throw ipvsError(op, constants.errno.EINVAL, 'Invalid IPv6 netmask');
  }
}

function checkDest(op: IpvsOp, service: IpvsService, dest: IpvsDest): void {
  if (dest.family !== service.id.family && dest.forward !== 'tunnel') {
    throw ipvsError(op, constants.errno.EINVAL, 'Mixed address families need tunnel forwarding');
  }
  if (dest.weight < 0) throw ipvsError(op, constants.errno.ERANGE, 'Weight out of range');
  if (dest.lowerThreshold > dest.upperThreshold) {
    throw ipvsError(op, constants.errno.ERANGE, 'Lower threshold above upper threshold');
  }
}

function cleanService(service: IpvsService): IpvsService {
  return { ...service, id: { ...service.id }, flags: service.flags & ~SVC_F_HASHED };
}

function matches(matcher: OpMatcher, op: IpvsOp): boolean {
  return typeof matcher === 'function' ? matcher(op) : matcher === op.op;
}

function errnoNumber(errno: number | string): number {
  if (typeof errno === 'number') return errno;
  const value = (constants.errno as Record<string, number>)[errno];
  if (value === undefined) throw new TypeError(`unknown errno name: ${errno}`);
  return value;
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return name;
  return errno === 0 ? '' : `E${errno}`;
}

function ipvsError(op: IpvsOp | undefined, errno: number, reason: string): IpvsError {
  const name = errnoName(errno);
  return new IpvsError(op, errno, name, `${op ? describeTarget(op) : 'dump'}: ${reason} (${name})`);
}

/** `add-dest 10.0.0.2:80 on tcp 10.0.0.1:80`, for error messages. */
function describeTarget(op: IpvsOp): string {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return `${op.op} ${serviceKey(op.service.id)}`;
    case 'del-service':
      return `${op.op} ${serviceKey(op.id)}`;
    case 'add-dest':
    case 'edit-dest':
    case 'del-dest':
      return `${op.op} ${destKey(op.dest)} on ${serviceKey(op.id)}`;
  }
}

/** Options for `formatIpvsTable`. */
export interface FormatTableOptions {
  /** Kernel IPVS version for the header; default `1.2.1`. */
  readonly version?: string;
  /** Connection hash table size for the header; default 4096, the kernel's. */
  readonly size?: number;
}

/**
 * `ipvsadm -Ln` output for a table: the same header, the same column widths (trailing spaces
 * included), services and dests sorted as ipvsadm sorts them, `Route`/`Masq`/`Tunnel`/`Local`.
 */
export function formatIpvsTable(table: IpvsTable, options: FormatTableOptions = {}): string {
  const lines = [
    `IP Virtual Server version ${options.version ?? '1.2.1'} (size=${options.size ?? 4096})`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  const entries = [...table.values()].sort((a, b) => compareServices(a.service.id, b.service.id));
  for (const entry of entries) {
    lines.push(serviceLine(entry.service));
    const dests = [...entry.dests.entries()].sort(([, a], [, b]) => compareAddr(a, b) || a.port - b.port);
    for (const [key, dest] of dests) {
      const stats = entry.stats?.get(key) ?? ZERO_STATS;
      lines.push(
        `  -> ${key.padEnd(28)} ${FORWARD_NAMES[dest.forward].padEnd(7)} ${String(dest.weight).padEnd(6)} ` +
          `${String(stats.activeConns).padEnd(10)} ${String(stats.inactiveConns).padEnd(10)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

const FORWARD_NAMES: Readonly<Record<ForwardMethod, string>> = {
  masq: 'Masq',
  local: 'Local',
  tunnel: 'Tunnel',
  route: 'Route',
  bypass: 'Bypass',
};

function serviceLine(service: IpvsService): string {
  const id = service.id;
  let line =
    id.kind === 'fwmark'
      ? `FWM  ${id.mark}${id.family === 6 ? ' IPv6' : ''}`
      : `${id.protocol.toUpperCase().padEnd(4)} ${destKey(id)}`;
  line += ` ${service.scheduler}`;
  const schedFlags = schedFlagNames(service.scheduler, service.flags);
  if (schedFlags.length > 0) line += ` (${schedFlags.join(',')})`;
  if (service.flags & SVC_F_PERSISTENT) {
    line += ` persistent ${service.timeoutSec}`;
    const hostMask = id.family === 4 ? '255.255.255.255' : '128';
    if (String(service.netmask) !== hostMask) line += ` mask ${service.netmask}`;
    if (service.pe) line += ` pe ${service.pe}`;
  }
  if (service.flags & SVC_F_ONEPACKET) line += ' ops';
  return line;
}

/** ipvsadm names the scheduler flags after the scheduler that reads them; sh and mh have no third. */
function schedFlagNames(scheduler: string, flags: number): string[] {
  const names: string[] = [];
  if (scheduler === 'sh' || scheduler === 'mh') {
    if (flags & SVC_F_SCHED1) names.push(`${scheduler}-fallback`);
    if (flags & SVC_F_SCHED2) names.push(`${scheduler}-port`);
    return names;
  }
  if (flags & SVC_F_SCHED1) names.push('flag-1');
  if (flags & SVC_F_SCHED2) names.push('flag-2');
  if (flags & SVC_F_SCHED3) names.push('flag-3');
  return names;
}

const PROTOCOL_NUMBER = { tcp: 6, udp: 17, sctp: 132 } as const;

/** ipvsadm's order: address services before marks, then family, protocol, address, port. */
function compareServices(a: ServiceId, b: ServiceId): number {
  const markA = a.kind === 'fwmark' ? a.mark : 0;
  const markB = b.kind === 'fwmark' ? b.mark : 0;
  if (markA !== markB) return markA - markB;
  if (a.family !== b.family) return a.family - b.family;
  if (a.kind !== 'addr' || b.kind !== 'addr') return 0;
  return PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol] || compareAddr(a, b) || a.port - b.port;
}

function compareAddr(a: { readonly family: 4 | 6; readonly address: string }, b: { readonly family: 4 | 6; readonly address: string }): number {
  if (a.family !== b.family) return a.family - b.family;
  return Buffer.compare(ipToBytes(a.address), ipToBytes(b.address));
}
