/**
 * Builders for Config values in desired/plan tests: a Virtual with every field at ldirectord's
 * default, overridden per test, so each table row says only what it is about.
 */
import type {
  Config,
  FallbackServer,
  Forward,
  Globals,
  RealServer,
  Virtual,
  VirtualEndpoint,
} from '../../src/config/model.js';
import type { RealKey } from '../../src/config/keys.js';
import { configWith, defaultVirtual } from '../helpers/config-builders.js';
import type { HealthState } from '../../src/health/health-state.js';
import { ipFamily } from '../../src/util/ip.js';

export function real(
  address: string,
  port: number,
  forward: Forward = 'masq',
  weight = 1,
  thresholds: { lower?: number; upper?: number } = {},
): RealServer {
  return {
    line: 0,
    family: ipFamily(address) ?? 4,
    address,
    port,
    forward,
    weight,
    lowerThreshold: thresholds.lower ?? 0,
    upperThreshold: thresholds.upper ?? 0,
  };
}

export function fallback(address: string, port: number, forward: Forward = 'gate'): FallbackServer {
  return { line: 0, family: ipFamily(address) ?? 4, address, port, forward };
}

/** `tcp 10.0.0.1:80`, `udp [::1]:53`, `fwm 5`, `fwm6 5`. */
export function endpointOf(text: string): { endpoint: VirtualEndpoint; family: 4 | 6 } {
  const [kind, rest = ''] = text.split(' ');
  if (kind === 'fwm' || kind === 'fwm6') return { endpoint: { kind: 'fwmark', mark: Number(rest) }, family: kind === 'fwm6' ? 6 : 4 };
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(rest);
  if (!m || (kind !== 'tcp' && kind !== 'udp')) throw new Error(`bad endpoint ${text}`);
  const address = m[1] ?? '';
  return { endpoint: { kind: 'addr', protocol: kind, address, port: Number(m[2]) }, family: ipFamily(address) ?? 4 };
}

export function virtual(endpoint: string, overrides: Partial<Virtual> = {}): Virtual {
  const ep = endpointOf(endpoint);
  return defaultVirtual(ep.endpoint, ep.family, { checktype: { kind: 'connect' }, ...overrides });
}

export function config(virtuals: readonly Virtual[], globals: Partial<Globals> = {}): Config {
  return configWith(virtuals, globals);
}

/**
 * Health by real: keys are a full RealKey (`tcp:10.0.0.1:80/10.0.0.2:80`) or just the real's
 * configured `<rip>:<rport>`; anything unnamed is `fallbackState`.
 */
export function health(states: Record<string, HealthState>, fallbackState: HealthState = 'up'): (key: RealKey) => HealthState {
  return (key) => states[key] ?? states[key.slice(key.indexOf('/') + 1)] ?? fallbackState;
}
