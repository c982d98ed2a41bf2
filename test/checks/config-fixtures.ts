/**
 * Builders for Config values in tests: every field defaulted as ldirectord defaults it, so a
 * test states only what it is about.
 */
import { virtualKey, virtualLabel } from '../../src/config/keys.js';
import type { Config, Globals, RealServer, Virtual, VirtualEndpoint } from '../../src/config/model.js';
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
  return {
    key: virtualKey(endpoint, family),
    line: 1,
    family,
    endpoint,
    label: virtualLabel(endpoint),
    protocol: endpoint.kind === 'fwmark' ? 'fwm' : endpoint.protocol,
    service: 'http',
    checktype: { kind: 'negotiate' },
    request: '/',
    receive: '',
    httpmethod: 'GET',
    login: '',
    passwd: '',
    database: '',
    secret: '',
    checkcommand: '/bin/true',
    checkTimeoutSec: 5,
    negotiateTimeoutSec: 30,
    checkIntervalSec: 10,
    checkCount: 1,
    failureCount: 1,
    riseCount: 1,
    tls: { verify: false },
    quiescent: false,
    cleanstop: true,
    scheduler: 'wrr',
    ops: false,
    emailalert: [],
    emailalertfreq: 0,
    emailalertstatus: ['all'],
    reals: [],
    ...more,
  };
}

const globals: Globals = {
  checkIntervalSec: 10,
  checkCount: 1,
  failureCount: 1,
  riseCount: 1,
  quiescent: false,
  readdquiescent: false,
  cleanstop: true,
  autoreload: false,
  logfile: '/var/log/ldirectord.log',
  supervised: false,
  fork: false,
  execute: [],
  emailalert: [],
  emailalertfreq: 0,
  emailalertstatus: ['all'],
  maxPurgePercent: 50,
};

export function configOf(virtuals: readonly Virtual[]): Config {
  return { file: '/etc/ldirectord.cf', hash: '0'.repeat(64), globals, virtuals, warnings: [] };
}
