/** The words used, in check details and in the plan builder's start-up warning, for a service check that is a connect for now. */
import type { CheckSpecOf } from './types.js';

/** `negotiate for smtp is not implemented; checked by TCP connect`. */
export function serviceStandIn(service: CheckSpecOf<'service'>['service'], protocol: 'tcp' | 'udp'): string {
  return `negotiate for ${service} is not implemented; checked by ${protocol === 'udp' ? 'UDP' : 'TCP'} connect`;
}
