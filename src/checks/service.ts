/**
 * The negotiate services that have no protocol check yet (smtp, pop, imap, ldap, dns, mysql, ...):
 * until each gets its own checker, the real is checked by a plain connect to the check port (a
 * datagram connect for UDP services) and every detail says so. The plan builder reports the same
 * fact as a start-up warning.
 */
import { connectCheck } from './connect.js';
import { serviceStandIn } from './service-stand-in.js';
import type { CheckSpecOf, Checker } from './types.js';

/** Connect check standing in for the service's negotiate check. */
export const serviceCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const result = await connectCheck({ kind: 'connect', target: spec.target, protocol: spec.protocol }, signal);
  const note = serviceStandIn(spec.service, spec.protocol);
  return result.ok ? { ...result, detail: note } : { ...result, detail: `${result.detail} (${note})` };
};
