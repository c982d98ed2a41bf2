/**
 * Config × health → the IPVS table we want. The one place that turns ldirectord's words into the
 * kernel's: virtual → service, real/fallback → dest, gate → route, ipip → tunnel, masq → masq.
 * Pure: no sockets, timers, files or logger.
 */
import type { Config, Forward, RealServer, FallbackServer, Virtual, VirtualKey } from '../config/model.js';
import { realKey, type RealKey } from '../config/keys.js';
import type { HealthState } from '../health/health-state.js';
import {
  SVC_F_ONEPACKET,
  SVC_F_PERSISTENT,
  destKey,
  serviceKey,
  type DestKey,
  type ForwardMethod,
  type IpvsDest,
  type IpvsService,
  type ServiceId,
  type ServiceKey,
} from '../ipvs/types.js';
import { hostPort } from '../util/ip.js';
import { parseSchedFlags } from './sched-flags.js';
import type { DesiredDest, DesiredService, DesiredTable, DestOrigin } from './types.js';

/**
 * The table the kernel should hold for `config` when each real's health is `stateOf(realKey)`.
 *
 * Per real: `up` → present at its configured weight and thresholds; `down`/`unknown` → absent
 * with quiescent=no, else weight 0 with no thresholds (`required` when unknown or with
 * readdquiescent=yes, `if-present` otherwise). The fallback (weight 1, thresholds 0) is in exactly
 * when no real is up or unknown, and takes over a real's dest key while it is in. Two reals that
 * land on one dest: the first configured wins.
 */
export function computeDesired(config: Config, stateOf: (real: RealKey) => HealthState): DesiredTable {
  const services = new Map<ServiceKey, DesiredService>();
  const byVirtual = new Map<VirtualKey, ServiceKey>();
  for (const virtual of config.virtuals) {
    const desired = desiredService(virtual, config.globals.readdquiescent, stateOf);
    const key = serviceKey(desired.service.id);
    // Validation rejects duplicate virtuals; keep the first rather than throw in a pure function.
    if (services.has(key)) continue;
    services.set(key, desired);
    byVirtual.set(virtual.key, key);
  }
  return { services, byVirtual };
}

function desiredService(
  virtual: Virtual,
  readdQuiescent: boolean,
  stateOf: (real: RealKey) => HealthState,
): DesiredService {
  const dests = new Map<DestKey, DesiredDest>();
  const origins = new Map<DestKey, DestOrigin>();
  let anyLive = false;

  for (const real of virtual.reals) {
    const base = baseDest(virtual, real);
    const key = destKey(base);
    // A real shadowed by an earlier one on the same dest has no say, in the table or over the
    // fallback: that dest is the earlier real's.
    if (origins.has(key)) continue;
    const rkey = realKey(virtual.key, real);
    const state = stateOf(rkey);
    origins.set(key, { ...origin(virtual, real, 'real'), realKey: rkey, health: state });
    if (state !== 'down') anyLive = true;
    const entry = realEntry(base, real, state, virtual.quiescent, readdQuiescent);
    if (entry) dests.set(key, entry);
  }

  // Unknown counts as live so that start-up does not flash the fallback in and out before the
  // first checks report (ldirectord does exactly that, §3.2).
  const fallbackActive = !anyLive;
  if (virtual.fallback) {
    const dest: IpvsDest = { ...baseDest(virtual, virtual.fallback), weight: 1 };
    const key = destKey(dest);
    if (fallbackActive) {
      origins.set(key, origin(virtual, virtual.fallback, 'fallback'));
      dests.set(key, { dest, presence: 'required' });
    } else if (!origins.has(key)) {
      origins.set(key, origin(virtual, virtual.fallback, 'fallback'));
    }
  }

  return {
    service: serviceOf(virtual),
    virtualKey: virtual.key,
    virtualLabel: virtual.label,
    dests,
    origins,
    fallbackActive,
  };
}

function realEntry(
  base: IpvsDest,
  real: RealServer,
  state: HealthState,
  quiescent: boolean,
  readdQuiescent: boolean,
): DesiredDest | undefined {
  switch (state) {
    case 'up':
      return {
        dest: { ...base, weight: real.weight, upperThreshold: real.upperThreshold, lowerThreshold: real.lowerThreshold },
        presence: 'required',
      };
    case 'unknown':
    case 'down':
      if (!quiescent) return undefined;
      // ldirectord's quiesce command carries no -x/-y, and its start-up dance leaves an unchecked
      // real present at weight 0 whatever readdquiescent says.
      return { dest: base, presence: state === 'unknown' || readdQuiescent ? 'required' : 'if-present' };
  }
}

/** The dest at weight 0 with no thresholds; callers raise the weight. */
function baseDest(virtual: Virtual, server: RealServer | FallbackServer): IpvsDest {
  return {
    family: server.family,
    address: server.address,
    port: destPort(virtual, server.port, server.forward),
    forward: kernelForward(server.forward),
    weight: 0,
    upperThreshold: 0,
    lowerThreshold: 0,
  };
}

/**
 * ipvsadm gives a gate or ipip dest of an address virtual the virtual's port (and a port of 0
 * too), so that is the key the kernel files it under; only masq keeps its own. A fwmark service
 * has no port of its own, so the configured one stays.
 */
function destPort(virtual: Virtual, port: number, forward: Forward): number {
  if (virtual.endpoint.kind === 'fwmark') return port;
  if (forward !== 'masq' || port === 0) return virtual.endpoint.port;
  return port;
}

function kernelForward(forward: Forward): ForwardMethod {
  switch (forward) {
    case 'gate':
      return 'route';
    case 'ipip':
      return 'tunnel';
    case 'masq':
      return 'masq';
  }
}

function origin(virtual: Virtual, server: RealServer | FallbackServer, role: DestOrigin['role']): DestOrigin {
  return {
    role,
    configured: hostPort(server.address, server.port),
    configuredPort: server.port,
    virtualLabel: virtual.label,
    virtualKey: virtual.key,
  };
}

function serviceOf(virtual: Virtual): IpvsService {
  const ep = virtual.endpoint;
  const id: ServiceId =
    ep.kind === 'fwmark'
      ? { kind: 'fwmark', family: virtual.family, mark: ep.mark }
      : { kind: 'addr', family: virtual.family, protocol: ep.protocol, address: ep.address, port: ep.port };
  const persistent = virtual.persistentSec !== undefined;
  let flags = parseSchedFlags(virtual.schedflags);
  if (persistent) flags |= SVC_F_PERSISTENT;
  if (virtual.ops && virtual.protocol === 'udp') flags |= SVC_F_ONEPACKET;
  return {
    id,
    scheduler: virtual.scheduler,
    flags,
    timeoutSec: virtual.persistentSec ?? 0,
    // ldirectord passes -M only together with -p; without it ipvsadm sends the host mask.
    netmask: netmaskOf(virtual.family, persistent ? virtual.netmask : undefined),
  };
}

function netmaskOf(family: 4 | 6, configured: string | undefined): string | number {
  if (family === 4) return configured ?? '255.255.255.255';
  if (configured === undefined) return 128;
  const prefix = Number.parseInt(configured.replace(/^\//, ''), 10);
  return Number.isInteger(prefix) ? prefix : 128;
}
