/**
 * ldirectord's log line for an IPVS op that succeeded (reference §3.1, §4.3), so existing greps
 * and alerts keep working. Pure; the reconciler logs the line after `apply()` resolves.
 */
import { destKey, serviceKey, type IpvsOp, type ServiceId } from '../ipvs/types.js';
import { hostPort } from '../util/ip.js';
import type { DesiredTable, DestOrigin } from './types.js';

/**
 * Which of ldirectord's purge tags a delete carries: `start` for start, reload and resync (its
 * `ld_start` purges), `stop` for shutdown.
 */
export type OpPhase = 'start' | 'stop';

/**
 * The line for `op`, using `desired` (the table the op was planned from) for the configured
 * `<rip>:<rport>` and `<vip>` of each dest.
 *
 * Lines that differ from a literal reading of ldirectord, on purpose:
 * - a weight-0 add of a real that is not up reads `Readd Quiescent real server: …`, ldirectord's
 *   line for `ipvsadm -a … -w 0`, where ldirectord itself logs an add at full weight followed by
 *   a quiesce (its start-up dance, which we do not do);
 * - a weight-0 edit of a real that is up (configured weight 0) reads `Restored …`, as ldirectord's
 *   restore would, not `Quiescent …`.
 */
export function describeOp(op: IpvsOp, desired: DesiredTable, phase: OpPhase = 'start'): string {
  switch (op.op) {
    case 'add-service':
      return `Added virtual server: ${vipOf(op.service.id, desired)}`;
    case 'edit-service':
      return `Changed virtual server: ${vipOf(op.service.id, desired)}`;
    case 'del-service':
      return `Purged virtual server (${phase}): ${vipOf(op.id, desired)}`;
    case 'add-dest': {
      const origin = originOf(op.id, op.dest, desired);
      const vip = origin?.virtualLabel ?? vipOf(op.id, desired);
      const server = origin?.configured ?? destKey(op.dest);
      if (origin?.role === 'fallback') return `Added fallback server: ${server} (${vip}) (Weight set to ${op.dest.weight})`;
      if (isQuiesced(origin, op.dest.weight)) return `Readd Quiescent real server: ${server} (${vip}) (Weight set to 0)`;
      return `Added real server: ${server} (${vip}) (Weight set to ${op.dest.weight})`;
    }
    case 'edit-dest': {
      const origin = originOf(op.id, op.dest, desired);
      const vip = origin?.virtualLabel ?? vipOf(op.id, desired);
      const tag = origin?.role === 'fallback' ? 'fallback' : 'real';
      if (tag === 'real' && isQuiesced(origin, op.dest.weight)) {
        return `Quiescent real server: ${mapped(op.dest, origin)} (${vip}) (Weight set to 0)`;
      }
      return `Restored ${tag} server: ${origin?.configured ?? destKey(op.dest)} (${vip}) (Weight set to ${op.dest.weight})`;
    }
    case 'del-dest': {
      const origin = originOf(op.id, op.dest, desired);
      const vip = origin?.virtualLabel ?? vipOf(op.id, desired);
      if (!origin) return `Purged real server (${phase}): ${destKey(op.dest)} (${vip})`;
      // At stop ldirectord purges the reals it tracks under their configured `<rip>:<rport>`.
      if (phase === 'stop' && origin.role === 'real') return `Purged real server (stop): ${origin.configured} (${vip})`;
      return `Deleted ${origin.role} server: ${mapped(op.dest, origin)} (${vip})`;
    }
  }
}

function isQuiesced(origin: DestOrigin | undefined, weight: number): boolean {
  return weight === 0 && origin?.health !== 'up';
}

/** `<ip>:<port>` as in the table, with ldirectord's ` mapped from <rip>:<rport>` when the ports differ. */
function mapped(dest: { readonly address: string; readonly port: number }, origin: DestOrigin | undefined): string {
  const text = destKey(dest);
  if (!origin || origin.configuredPort === dest.port) return text;
  return `${text} mapped from ${origin.configured}`;
}

function originOf(
  id: ServiceId,
  dest: { readonly address: string; readonly port: number },
  desired: DesiredTable,
): DestOrigin | undefined {
  return desired.services.get(serviceKey(id))?.origins.get(destKey(dest));
}

/** ldirectord's `<vip>`; derived from the id for services the current config no longer names. */
function vipOf(id: ServiceId, desired: DesiredTable): string {
  const known = desired.services.get(serviceKey(id))?.virtualLabel;
  if (known !== undefined) return known;
  return id.kind === 'fwmark' ? String(id.mark) : hostPort(id.address, id.port);
}
