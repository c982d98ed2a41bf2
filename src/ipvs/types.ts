/**
 * The IPVS table in the kernel's own words (service, dest), independent of ldirectord's
 * vocabulary. `desired/` is the one place that translates a Config into these types. Equality is
 * on configuration fields only, never on statistics.
 */
import type { Family } from '../util/ip.js';
import { hostPort } from '../util/ip.js';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** What names a service in the kernel: protocol + address + port, or a firewall mark. */
export type ServiceId =
  | { readonly kind: 'addr'; readonly family: Family; readonly protocol: IpvsProtocol; readonly address: string; readonly port: number }
  | { readonly kind: 'fwmark'; readonly family: Family; readonly mark: number };

/** Service flags (`IP_VS_SVC_F_*`); HASHED (0x2) is the kernel's own and never part of a service's config. */
export const SVC_F_PERSISTENT = 0x1;
export const SVC_F_HASHED = 0x2;
export const SVC_F_ONEPACKET = 0x4;
export const SVC_F_SCHED1 = 0x8;
export const SVC_F_SCHED2 = 0x10;
export const SVC_F_SCHED3 = 0x20;

export interface IpvsService {
  readonly id: ServiceId;
  /** Scheduler name, e.g. `wrr` (at most 15 characters). */
  readonly scheduler: string;
  /** `SVC_F_*` bits, HASHED excluded. */
  readonly flags: number;
  /** Persistence timeout in seconds (0 when not persistent). */
  readonly timeoutSec: number;
  /** IPv4: dotted-quad mask; IPv6: prefix length 1..128. */
  readonly netmask: string | number;
  /** Persistence engine name (e.g. `sip`), if any. */
  readonly pe?: string;
}

/** Forwarding method (`IP_VS_CONN_F_*`): masq=0, local=1, tunnel=2, route=3, bypass=4. */
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';

export interface IpvsDest {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly forward: ForwardMethod;
  readonly weight: number;
  /** Upper connection threshold, 0 = none. */
  readonly upperThreshold: number;
  /** Lower connection threshold, 0 = none. */
  readonly lowerThreshold: number;
}

/** Counters the kernel reports with a dest; read-only, never compared. */
export interface DestStats {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistConns: number;
}

export type ServiceKey = string & { readonly __brand: 'ServiceKey' };
export type DestKey = string & { readonly __brand: 'DestKey' };

/** `tcp 10.0.0.1:80`, `udp [::1]:53`, `fwm 5`, `fwm6 5`. */
export function serviceKey(id: ServiceId): ServiceKey {
  if (id.kind === 'fwmark') return `${id.family === 6 ? 'fwm6' : 'fwm'} ${id.mark}` as ServiceKey;
  return `${id.protocol} ${hostPort(id.address, id.port)}` as ServiceKey;
}

/** `10.0.0.2:80`, `[2001:db8::2]:80`. */
export function destKey(d: { readonly address: string; readonly port: number }): DestKey {
  return hostPort(d.address, d.port) as DestKey;
}

/** One service as dumped from (or meant for) the kernel, with its dests by key. */
export interface IpvsServiceEntry {
  readonly service: IpvsService;
  readonly dests: ReadonlyMap<DestKey, IpvsDest>;
  /** Present only on dumps from a backend that reports them. */
  readonly stats?: ReadonlyMap<DestKey, DestStats>;
}

/** The whole table by service key. */
export type IpvsTable = ReadonlyMap<ServiceKey, IpvsServiceEntry>;

/** One change to the kernel table. Dest ops name their service by its id. */
export type IpvsOp =
  | { readonly op: 'add-service'; readonly service: IpvsService }
  | { readonly op: 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'del-service'; readonly id: ServiceId }
  | { readonly op: 'add-dest'; readonly id: ServiceId; readonly dest: IpvsDest }
  | { readonly op: 'edit-dest'; readonly id: ServiceId; readonly dest: IpvsDest }
  | { readonly op: 'del-dest'; readonly id: ServiceId; readonly dest: Pick<IpvsDest, 'family' | 'address' | 'port'> };

/** The only door to the kernel table. */
export interface IpvsBackend {
  /** A fresh read of the whole table. */
  dump(): Promise<IpvsTable>;
  /**
   * Applies one op. Idempotent cases succeed: EEXIST on an add, ENOENT/ESRCH on a delete.
   * Anything else rejects with an IpvsError.
   */
  apply(op: IpvsOp): Promise<void>;
  /** The kernel's IPVS version, e.g. `1.2.1`. */
  version(): Promise<string>;
  close(): Promise<void>;
}

/** True when two services have the same configuration (id, scheduler, flags, timeout, netmask, pe). */
export function sameService(a: IpvsService, b: IpvsService): boolean {
  return (
    serviceKey(a.id) === serviceKey(b.id) &&
    a.scheduler === b.scheduler &&
    (a.flags & ~SVC_F_HASHED) === (b.flags & ~SVC_F_HASHED) &&
    a.timeoutSec === b.timeoutSec &&
    String(a.netmask) === String(b.netmask) &&
    (a.pe ?? '') === (b.pe ?? '')
  );
}

/**
 * True when a dest in the table matches what we want. The kernel rewrites the forwarding method
 * of a dest whose address is local to the director to `local`; that is not drift.
 */
export function sameDest(want: IpvsDest, have: IpvsDest): boolean {
  return (
    destKey(want) === destKey(have) &&
    want.weight === have.weight &&
    (want.forward === have.forward || have.forward === 'local') &&
    want.upperThreshold === have.upperThreshold &&
    want.lowerThreshold === have.lowerThreshold
  );
}
