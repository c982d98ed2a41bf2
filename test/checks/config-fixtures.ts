/**
 * Builders for Config values in tests: every field defaulted as ldirectord defaults it, so a
 * test states only what it is about.
 */
import type { Config, RealServer, Virtual, VirtualEndpoint } from '../../src/config/model.js';
import { configWith, defaultVirtual } from '../helpers/config-builders.js';
import { ipFamily } from '../../src/util/ip.js';

export function realOf(address: string, port: number, more: Partial<RealServer> = {}): RealServer {
  return {
    line: 3,
    family: ipFamily(address) ?? 4,
    address,
    port,
    forward: 'masq',
    weight: 1,
    lowerThreshold: 0,
    upperThreshold: 0,
    ...more,
  };
}

/** A virtual on tcp 10.0.0.1:80 (service http, checktype negotiate) unless told otherwise. */
export function virtualOf(more: Partial<Virtual> = {}): Virtual {
  const endpoint: VirtualEndpoint = more.endpoint ?? { kind: 'addr', protocol: 'tcp', address: '10.0.0.1', port: 80 };
  const family = more.family ?? (endpoint.kind === 'addr' ? (ipFamily(endpoint.address) ?? 4) : 4);
  return defaultVirtual(endpoint, family, { line: 1, service: 'http', ...more });
}

export function configOf(virtuals: readonly Virtual[]): Config {
  return configWith(virtuals, {}, '/etc/ldirectord.cf');
}
