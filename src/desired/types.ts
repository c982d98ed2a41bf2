/**
 * The desired IPVS table: what the kernel should hold for one Config and one health snapshot, in
 * the kernel's words (service, dest), plus enough of ldirectord's words (real, fallback, `<vip>`,
 * `<rip>:<rport>`) to log each change the way ldirectord does. Produced by `computeDesired`,
 * consumed by `plan()` and `describeOp()`; never mutated.
 */
import type { VirtualKey } from '../config/model.js';
import type { RealKey } from '../config/keys.js';
import type { HealthState } from '../health/health-state.js';
import type { DestKey, IpvsDest, IpvsService, ServiceKey } from '../ipvs/types.js';

/**
 * `required`: add the dest when the table lacks it. `if-present`: only correct it when it is
 * there; a quiesced real that an operator removed by hand stays removed (ldirectord §3.6).
 */
export type Presence = 'required' | 'if-present';

export interface DesiredDest {
  readonly dest: IpvsDest;
  readonly presence: Presence;
}

export type DestRole = 'real' | 'fallback';

/** Where a dest comes from in the config; kept for absent dests too, so deletes log right. */
export interface DestOrigin {
  readonly role: DestRole;
  /** ldirectord's `<rip>:<rport>`: address and port as configured (`10.0.0.2:8080`, `[::2]:0`). */
  readonly configured: string;
  /** The configured port (before gate/ipip/0 mapping), to tell when a log line says `mapped from`. */
  readonly configuredPort: number;
  /** ldirectord's `<vip>`: `10.0.0.1:80`, `[2001:db8::1]:80`, or the mark. */
  readonly virtualLabel: string;
  readonly virtualKey: VirtualKey;
  /** The real's identity, for health and status lookups; absent for the fallback. */
  readonly realKey?: RealKey;
  /**
   * The real's health the table was computed from; absent for the fallback. Log lines need it:
   * a weight-0 dest is a quiesced real unless the real is up with a configured weight of 0.
   */
  readonly health?: HealthState;
}

/** One virtual, translated. */
export interface DesiredService {
  readonly service: IpvsService;
  readonly virtualKey: VirtualKey;
  /** ldirectord's `<vip>`. */
  readonly virtualLabel: string;
  /** Dests the table should hold (or keep, for `if-present`), by key. Anything else is deleted. */
  readonly dests: ReadonlyMap<DestKey, DesiredDest>;
  /** Every configured real and the fallback by dest key, present or not. */
  readonly origins: ReadonlyMap<DestKey, DestOrigin>;
  /**
   * True when no real of the virtual is up or unknown: the fallback server (if any) is in, and
   * the daemon runs `fallbackcommand start` when this turns true, `stop` when it turns false.
   * Holds whether or not a fallback server is configured, as ldirectord's fallbackcommand does.
   */
  readonly fallbackActive: boolean;
}

export interface DesiredTable {
  readonly services: ReadonlyMap<ServiceKey, DesiredService>;
  /** Which service each configured virtual became. */
  readonly byVirtual: ReadonlyMap<VirtualKey, ServiceKey>;
}

/** An empty desired table: what `stop` with cleanstop converges to. */
export const EMPTY_DESIRED: DesiredTable = { services: new Map(), byVirtual: new Map() };

/** Whether a configured virtual is in fallback (see DesiredService.fallbackActive); false if unknown. */
export function fallbackActive(table: DesiredTable, virtual: VirtualKey): boolean {
  const key = table.byVirtual.get(virtual);
  return key === undefined ? false : (table.services.get(key)?.fallbackActive ?? false);
}
