import type { IpvsOp, IpvsService } from '../types.js';
import { destKey, serviceKey, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3 } from '../types.js';

/**
 * The rule an op touches, as an operator reads it in a log line:
 * `tcp 10.0.0.1:80 (wrr, persistent 300)`, `tcp 10.0.0.1:80 -> 10.0.0.2:80 (route, weight 1)`,
 * `fwm 5 -> 10.0.0.2:80`.
 */
export function describeOp(op: IpvsOp): string {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return `${serviceKey(op.service.id)} (${serviceTraits(op.service).join(', ')})`;
    case 'del-service':
      return serviceKey(op.id);
    case 'add-dest':
    case 'edit-dest': {
      const d = op.dest;
      const traits = [d.forward, `weight ${d.weight}`];
      if (d.upperThreshold !== 0) traits.push(`upper threshold ${d.upperThreshold}`);
      if (d.lowerThreshold !== 0) traits.push(`lower threshold ${d.lowerThreshold}`);
      return `${serviceKey(op.id)} -> ${destKey(d)} (${traits.join(', ')})`;
    }
    case 'del-dest':
      return `${serviceKey(op.id)} -> ${destKey(op.dest)}`;
    default: {
      const never: never = op;
      throw new Error(`unhandled IPVS op ${JSON.stringify(never)}`);
    }
  }
}

function serviceTraits(s: IpvsService): string[] {
  const traits = [s.scheduler];
  if (s.flags & SVC_F_PERSISTENT) traits.push(`persistent ${s.timeoutSec}`, `netmask ${s.netmask}`);
  if (s.pe) traits.push(`pe ${s.pe}`);
  if (s.flags & SVC_F_ONEPACKET) traits.push('one-packet');
  if (s.flags & SVC_F_SCHED1) traits.push('sched-flag-1');
  if (s.flags & SVC_F_SCHED2) traits.push('sched-flag-2');
  if (s.flags & SVC_F_SCHED3) traits.push('sched-flag-3');
  return traits;
}
