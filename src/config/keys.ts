/**
 * The identity functions for configured things. Diffs, reload carry-over, dedup and log lines all
 * go through these; nothing builds a key with an ad-hoc template elsewhere.
 */
import { hostPort } from '../util/ip.js';
import type { Family, VirtualEndpoint, VirtualKey } from './model.js';

/** ldirectord's `<vid>`: `tcp:10.0.0.1:80`, `udp:[::1]:53`, `fwm:5`, `fwm6:5`. */
export function virtualKey(endpoint: VirtualEndpoint, family: Family): VirtualKey {
  if (endpoint.kind === 'fwmark') return `${family === 6 ? 'fwm6' : 'fwm'}:${endpoint.mark}` as VirtualKey;
  return `${endpoint.protocol}:${hostPort(endpoint.address, endpoint.port)}` as VirtualKey;
}

/** ldirectord's `<vip>` in IPVS log lines: `10.0.0.1:80`, `[::1]:53`, or the mark. */
export function virtualLabel(endpoint: VirtualEndpoint): string {
  return endpoint.kind === 'fwmark' ? String(endpoint.mark) : hostPort(endpoint.address, endpoint.port);
}

/** Identity of a real inside its virtual: `tcp:10.0.0.1:80/10.0.0.2:80`. */
export type RealKey = string & { readonly __brand: 'RealKey' };

export function realKey(virtual: VirtualKey, real: { readonly address: string; readonly port: number }): RealKey {
  return `${virtual}/${hostPort(real.address, real.port)}` as RealKey;
}
