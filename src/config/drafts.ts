/**
 * Mutable working state of one parse. Directives are applied in file order, each overwriting
 * the last (as ldirectord does); the drafts become the frozen model in finalize.ts.
 */
import { DEFAULTS } from './defaults.js';
import type { FallbackSpec } from './fallback-line.js';
import type {
  CheckType, CheckWindow, EmailAlertStatus, Family, Forward, ServiceName,
} from './model.js';
import type { VirtualHeader } from './virtual-header.js';

/** A fallback whose address has been resolved; `port` undefined means "the virtual's port". */
export interface ResolvedFallback {
  readonly line: number;
  readonly family: Family;
  readonly address: string;
  readonly port?: number;
  readonly forward: Forward;
}

/** A filesystem check the loader runs after parsing (ldirectord opens these files while parsing). */
export type PathCheck =
  | { readonly kind: 'monitorfile'; readonly path: string; readonly line: number }
  | { readonly kind: 'logfile'; readonly path: string; readonly line: number }
  | { readonly kind: 'maintenancedir'; readonly path: string; readonly line: number }
  | { readonly kind: 'tlscafile'; readonly path: string; readonly line: number };

/** The global directives read so far; `*Line` fields remember where one was set. */
export interface GlobalsDraft {
  checkTimeoutSec?: number;
  negotiateTimeoutSec?: number;
  checkIntervalSec: number;
  checkCount: number;
  failureCount: number;
  failureCountLine?: number;
  riseCount: number;
  riseCountLine?: number;
  window?: CheckWindow;
  windowLine?: number;
  quiescent: boolean;
  readdquiescent: boolean;
  cleanstop: boolean;
  autoreload: boolean;
  callback?: string;
  logfile: string;
  logfileLine?: number;
  supervised: boolean;
  fork: boolean;
  maintenancedir?: string;
  execute: string[];
  emailalert: string[];
  emailalertfreq: number;
  emailalertstatus: readonly EmailAlertStatus[];
  emailalertfrom?: string;
  smtp?: string;
  fallback?: ResolvedFallback;
  fallback6?: ResolvedFallback;
  fallbackcommand?: string;
  maxPurgePercent: number;
}

/** Globals with ldirectord's defaults, before the first line. */
export function newGlobalsDraft(): GlobalsDraft {
  return {
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
}

/** One `real=` line waiting for the end of its section (ldirectord resolves reals last). */
export interface RealTodo {
  readonly line: number;
  readonly directive: 'real' | 'real6';
  readonly value: string;
}

/** One section read so far; optional fields are unset (inherit or default at the end). */
export interface VirtualDraft {
  readonly line: number;
  readonly directive: 'virtual' | 'virtual6';
  readonly family: Family;
  /** Undefined when the header was invalid: the section is still read, for its own errors. */
  readonly header?: VirtualHeader;
  protocol: 'tcp' | 'udp' | 'fwm';
  service?: ServiceName;
  serviceExplicit: boolean;
  checktype: CheckType;
  checktypeExplicit: boolean;
  checkport?: number;
  request: string;
  receive: string;
  receiveLine?: number;
  httpmethod: 'GET' | 'HEAD';
  virtualhost?: string;
  login: string;
  passwd: string;
  database: string;
  secret: string;
  checkcommand: string;
  checkTimeoutSec?: number;
  negotiateTimeoutSec?: number;
  checkIntervalSec?: number;
  checkCount?: number;
  failureCount?: number;
  riseCount?: number;
  window?: CheckWindow;
  windowLine?: number;
  tlsVerify?: boolean;
  tlsVerifyLine?: number;
  tlsCaFile?: string;
  tlsCaFileLine?: number;
  tlsServerName?: string;
  tlsServerNameLine?: number;
  quiescent?: boolean;
  cleanstop?: boolean;
  scheduler: string;
  persistentSec?: number;
  netmask?: string;
  schedflags?: string;
  ops: boolean;
  fallback?: { readonly line: number; readonly spec: FallbackSpec };
  fallbackcommand?: string;
  monitorfile?: string;
  emailalert?: string[];
  emailalertfreq?: number;
  emailalertstatus?: readonly EmailAlertStatus[];
  smtp?: string;
  servicename?: string;
  comment?: string;
  reals: RealTodo[];
}

/** A section with ldirectord's per-virtual defaults (L1369-1399), before its first line. */
export function newVirtualDraft(line: number, family: Family, header: VirtualHeader | undefined): VirtualDraft {
  const fwm = header?.kind === 'fwmark';
  const draft: VirtualDraft = {
    line,
    directive: family === 6 ? 'virtual6' : 'virtual',
    family,
    protocol: fwm ? 'fwm' : 'tcp',
    serviceExplicit: false,
    checktype: DEFAULTS.checktype,
    checktypeExplicit: false,
    request: DEFAULTS.request,
    receive: '',
    httpmethod: DEFAULTS.httpmethod,
    login: '',
    passwd: '',
    database: '',
    secret: '',
    checkcommand: DEFAULTS.checkcommand,
    scheduler: DEFAULTS.scheduler,
    ops: false,
    reals: [],
  };
  if (header) (draft as { header?: VirtualHeader }).header = header;
  if (fwm) draft.service = 'none';
  // ldirectord tests the port as written: `:53` or `:domain` default to udp.
  if (header?.kind === 'addr' && (header.portToken === '53' || header.portToken === 'domain')) draft.protocol = 'udp';
  return draft;
}
