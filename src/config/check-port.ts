/** ldirectord's `ld_checkport` (L1927): the port a check of a real connects to. */
import { PORT_BY_SERVICE, type RealServer, type Virtual } from './model.js';

/**
 * `checkport` when set, else the real's port, else the service's usual port (§1.6). 0 when
 * none applies (a portless real of a service without a usual port, such as none or simpletcp).
 */
export function checkPort(virtual: Pick<Virtual, 'checkport' | 'service'>, real: Pick<RealServer, 'port'>): number {
  if (virtual.checkport !== undefined) return virtual.checkport;
  if (real.port > 0) return real.port;
  return PORT_BY_SERVICE.get(virtual.service) ?? 0;
}
