/**
 * Every default and every limit of the config layer, in one place. Values follow what
 * ldirectord 4.12's code does (`set_defaults` and the per-virtual defaults in `read_config`),
 * not what its man page says: `quiescent` defaults to no.
 */
import type { CheckType, EmailAlertStatus, Forward } from './model.js';

/** Defaults of every directive that has one (seconds for times). */
export const DEFAULTS = {
  checkIntervalSec: 10,
  /** Used when neither checktimeout nor negotiatetimeout is set anywhere. */
  checkTimeoutSec: 5,
  negotiateTimeoutSec: 30,
  checkCount: 1,
  failureCount: 1,
  riseCount: 1,
  quiescent: false,
  readdquiescent: false,
  cleanstop: true,
  autoreload: false,
  supervised: false,
  fork: false,
  logfile: '/var/log/ldirectord.log',
  emailalertfreq: 0,
  emailalertstatus: ['all'] as readonly EmailAlertStatus[],
  maxPurgePercent: 50,
  scheduler: 'wrr',
  checkcommand: '/bin/true',
  request: '/',
  httpmethod: 'GET' as const,
  checktype: { kind: 'negotiate' } as CheckType,
  weight: 1,
  fallbackForward: 'gate' as Forward,
  tlsVerify: false,
} as const;

/** Bounds that keep hostile or mistaken input from exhausting time or memory. */
export const LIMITS = {
  /** Bigger files are refused before parsing (a real ldirectord.cf is a few KiB). */
  maxFileBytes: 32 * 1024 * 1024,
  /** One `a->b` range expands to at most this many reals. */
  maxRangeAddresses: 65_536,
  /** Problems and warnings returned; the rest are counted in one closing entry. */
  maxReported: 1_000,
  /** `checkwindow=K/N`: the largest N. */
  maxWindow: 1_000,
  /** Seconds: setTimeout cannot wait longer than 2^31-1 ms. */
  maxSeconds: 2_147_483,
  /** IPVS weights and thresholds are signed 32-bit in the kernel. */
  maxInt32: 2_147_483_647,
  maxFwmark: 4_294_967_295,
  /** ipvsadm's own range for weights (`-w`). */
  maxIpvsadmWeight: 65_535,
  /** ipvsadm's range for `-p` (31 days). */
  maxPersistentSec: 2_678_400,
} as const;
