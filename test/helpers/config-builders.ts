/**
 * The one place tests build Config values by hand: a Virtual and Globals with every field at the
 * config layer's own defaults (src/config/defaults.ts, i.e. ldirectord's), which the test-area
 * builders (test/desired/build.ts, test/checks/config-fixtures.ts) refine.
 */
import { DEFAULTS } from '../../src/config/defaults.js';
import { virtualKey, virtualLabel } from '../../src/config/keys.js';
import type { Config, Family, Globals, Virtual, VirtualEndpoint } from '../../src/config/model.js';

/** A virtual on `endpoint` with nothing configured but what ldirectord defaults. */
export function defaultVirtual(endpoint: VirtualEndpoint, family: Family, more: Partial<Virtual> = {}): Virtual {
  return {
    key: virtualKey(endpoint, family),
    line: 0,
    family,
    endpoint,
    label: virtualLabel(endpoint),
    protocol: endpoint.kind === 'fwmark' ? 'fwm' : endpoint.protocol,
    service: 'none',
    checktype: DEFAULTS.checktype,
    request: DEFAULTS.request,
    receive: '',
    httpmethod: DEFAULTS.httpmethod,
    login: '',
    passwd: '',
    database: '',
    secret: '',
    checkcommand: DEFAULTS.checkcommand,
    checkTimeoutSec: DEFAULTS.checkTimeoutSec,
    negotiateTimeoutSec: DEFAULTS.negotiateTimeoutSec,
    checkIntervalSec: DEFAULTS.checkIntervalSec,
    checkCount: DEFAULTS.checkCount,
    failureCount: DEFAULTS.failureCount,
    riseCount: DEFAULTS.riseCount,
    tls: { verify: DEFAULTS.tlsVerify },
    quiescent: DEFAULTS.quiescent,
    cleanstop: DEFAULTS.cleanstop,
    scheduler: DEFAULTS.scheduler,
    ops: false,
    emailalert: [],
    emailalertfreq: DEFAULTS.emailalertfreq,
    emailalertstatus: DEFAULTS.emailalertstatus,
    reals: [],
    ...more,
  };
}

export const DEFAULT_GLOBALS: Globals = {
  checkIntervalSec: DEFAULTS.checkIntervalSec,
  checkCount: DEFAULTS.checkCount,
  failureCount: DEFAULTS.failureCount,
  riseCount: DEFAULTS.riseCount,
  quiescent: DEFAULTS.quiescent,
  readdquiescent: DEFAULTS.readdquiescent,
  cleanstop: DEFAULTS.cleanstop,
  autoreload: DEFAULTS.autoreload,
  logfile: DEFAULTS.logfile,
  supervised: DEFAULTS.supervised,
  fork: DEFAULTS.fork,
  execute: [],
  emailalert: [],
  emailalertfreq: DEFAULTS.emailalertfreq,
  emailalertstatus: DEFAULTS.emailalertstatus,
  maxPurgePercent: DEFAULTS.maxPurgePercent,
};

export function configWith(virtuals: readonly Virtual[], globals: Partial<Globals> = {}, file = '/etc/ha.d/test.cf'): Config {
  return { file, hash: '0'.repeat(64), globals: { ...DEFAULT_GLOBALS, ...globals }, virtuals, warnings: [] };
}
