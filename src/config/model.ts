/**
 * The configuration model: what an `ldirectord.cf` means once it has been lexed, parsed,
 * validated, resolved and defaulted. Produced only by `config/load.ts`, deep-frozen, and never
 * holding runtime state. ldirectord's directive names appear here only in comments; fields are
 * camelCase. Times are in seconds, as the file writes them (fields end in `Sec`).
 */
import type { Family } from '../util/ip.js';

export type { Family };

/** The negotiate services ldirectord knows (reference §1.5), in its error message's order. */
export const SERVICE_NAMES = [
  'dns', 'ftp', 'http', 'https', 'http_proxy', 'imap', 'imaps', 'ldap', 'ldaps', 'mysql', 'nntp',
  'none', 'oracle', 'pop', 'pops', 'radius', 'pgsql', 'simpletcp', 'sip', 'smtp', 'submission',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** `checktype=`; `combined` is ldirectord's numeric form (negotiate every Nth check, connect otherwise). */
export type CheckType =
  | { readonly kind: 'connect' }
  | { readonly kind: 'negotiate' }
  | { readonly kind: 'ping' }
  | { readonly kind: 'off' }
  | { readonly kind: 'on' }
  | { readonly kind: 'external' }
  | { readonly kind: 'external-perl' }
  | { readonly kind: 'combined'; readonly negotiateEvery: number };

/**
 * A `receive` string translated from Perl's regular-expression dialect into a JavaScript RegExp
 * (`new RegExp(source, flags)`); see `config/receive-regex.ts`. Added beside the string as written.
 */
export interface ReceivePattern {
  readonly source: string;
  readonly flags: string;
}

/** ldirectord's forwarding words (`-g`, `-m`, `-i`). */
export type Forward = 'gate' | 'masq' | 'ipip';

/** `protocol=`. `fwm` exactly when the virtual is a firewall mark. */
export type VirtualProtocol = 'tcp' | 'udp' | 'fwm';

/** Where a virtual listens: an address and port, or a firewall mark. */
export type VirtualEndpoint =
  | { readonly kind: 'addr'; readonly protocol: 'tcp' | 'udp'; readonly address: string; readonly port: number }
  | { readonly kind: 'fwmark'; readonly mark: number };

/** Stable identity of a virtual: `tcp:10.0.0.1:80`, `udp:[2001:db8::1]:53`, `fwm:5`, `fwm6:5` (ldirectord's `<vid>`). */
export type VirtualKey = string & { readonly __brand: 'VirtualKey' };

/** One `real=`/`real6=` entry (a range expands to one entry per address). */
export interface RealServer {
  /** Line of the `real=` directive. */
  readonly line: number;
  readonly family: Family;
  /** Canonical IP literal (hostnames are resolved at load, as ldirectord does). */
  readonly address: string;
  /** As written; 0 when the line gave none (meant for fwmark virtuals). */
  readonly port: number;
  readonly forward: Forward;
  /** IPVS weight; default 1. */
  readonly weight: number;
  /** Per-real `"request"` override, with the leading `/` ldirectord adds. */
  readonly request?: string;
  /** Per-real `"receive"` override. */
  readonly receive?: string;
  /** The per-real `receive` as a JS RegExp; present exactly when `receive` is non-empty. */
  readonly receiveRegExp?: ReceivePattern;
  /** `l:N`, the lower connection threshold (0 = none). */
  readonly lowerThreshold: number;
  /** `u:N`, the upper connection threshold (0 = none). */
  readonly upperThreshold: number;
}

/** `fallback=`/`fallback6=`: the sorry server, always weight 1 and thresholds 0. */
export interface FallbackServer {
  readonly line: number;
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly forward: Forward;
}

/** Extension: TLS policy for https checks (ldirectord has none). */
export interface TlsPolicy {
  /** `tlsverify=yes`: reject certificates that do not verify. Default no, ldirectord's stated intent. */
  readonly verify: boolean;
  /** `tlscafile=`: PEM bundle to verify against instead of the system store. */
  readonly caFile?: string;
  /** `tlsservername=`: SNI and the name the certificate must carry; default virtualhost. */
  readonly serverName?: string;
}

/** Extension: k-of-n health window (`checkwindow=K/N`). */
export interface CheckWindow {
  /** Passes needed among the last `of` checks to be (or come back) up. */
  readonly need: number;
  readonly of: number;
}

/** One `virtual=`/`virtual6=` section, fully defaulted. */
export interface Virtual {
  readonly key: VirtualKey;
  /** Line of the `virtual=` directive. */
  readonly line: number;
  readonly family: Family;
  readonly endpoint: VirtualEndpoint;
  /** ldirectord's `<vip>` in log lines: `10.0.0.1:80`, `[2001:db8::1]:80`, or the mark. */
  readonly label: string;
  readonly protocol: VirtualProtocol;
  readonly service: ServiceName;
  readonly checktype: CheckType;
  /** `checkport=`, when set. Otherwise each real's port, or the service's port when that is 0. */
  readonly checkport?: number;
  /** `request=`, with a leading `/`. Default `/`. */
  readonly request: string;
  /** `receive=`, a regular expression source; empty means none. */
  readonly receive: string;
  /** `receive` as a JS RegExp; present exactly when `receive` is non-empty. */
  readonly receiveRegExp?: ReceivePattern;
  readonly httpmethod: 'GET' | 'HEAD';
  readonly virtualhost?: string;
  readonly login: string;
  readonly passwd: string;
  readonly database: string;
  readonly secret: string;
  /** `checkcommand=`; default `/bin/true`. */
  readonly checkcommand: string;
  /** Resolved per reference §1.5 (virtual, then global, with negotiatetimeout standing in); default 5. */
  readonly checkTimeoutSec: number;
  /** Resolved likewise; default 30. */
  readonly negotiateTimeoutSec: number;
  /** Global `checkinterval` (per-virtual only honoured with fork=yes, as ldirectord); default 10. */
  readonly checkIntervalSec: number;
  /** Ping attempts (deprecated `checkcount`); default 1. */
  readonly checkCount: number;
  /** Consecutive failures before a real is taken out; default 1. */
  readonly failureCount: number;
  /** Extension `risecount=`: consecutive passes before a down real returns; default 1 (ldirectord). */
  readonly riseCount: number;
  /** Extension `checkwindow=K/N`; when set it decides up/down instead of the consecutive counts. */
  readonly window?: CheckWindow;
  readonly tls: TlsPolicy;
  readonly quiescent: boolean;
  readonly cleanstop: boolean;
  readonly scheduler: string;
  /** `persistent=N` seconds. */
  readonly persistentSec?: number;
  /** `netmask=`: dotted quad for IPv4, prefix length text for IPv6; only used with persistent. */
  readonly netmask?: string;
  /** `schedflags=`, the raw `-b` argument (e.g. `sh-fallback,sh-port`). */
  readonly schedflags?: string;
  /** `ops=yes` (one-packet scheduling; only takes effect on udp). */
  readonly ops: boolean;
  /** Per-virtual fallback, else the global one of the virtual's family, port defaulted. */
  readonly fallback?: FallbackServer;
  /** Per-virtual, else global `fallbackcommand`. */
  readonly fallbackcommand?: string;
  readonly monitorfile?: string;
  readonly emailalert: readonly string[];
  readonly emailalertfreq: number;
  readonly emailalertstatus: readonly EmailAlertStatus[];
  readonly smtp?: string;
  readonly servicename?: string;
  readonly comment?: string;
  readonly reals: readonly RealServer[];
}

export type EmailAlertStatus = 'all' | 'none' | 'starting' | 'running' | 'stopping' | 'reloading';

/** Global directives, defaulted as ldirectord's code does (not as its man page says). */
export interface Globals {
  /** Explicit global `checktimeout`, if any (virtuals hold the resolved value). */
  readonly checkTimeoutSec?: number;
  readonly negotiateTimeoutSec?: number;
  readonly checkIntervalSec: number;
  readonly checkCount: number;
  readonly failureCount: number;
  readonly riseCount: number;
  readonly quiescent: boolean;
  readonly readdquiescent: boolean;
  readonly cleanstop: boolean;
  readonly autoreload: boolean;
  readonly callback?: string;
  /** `logfile=`: a path (starts with `/`) or a syslog facility name. Default `/var/log/ldirectord.log`. */
  readonly logfile: string;
  readonly supervised: boolean;
  readonly fork: boolean;
  readonly maintenancedir?: string;
  readonly execute: readonly string[];
  readonly emailalert: readonly string[];
  readonly emailalertfreq: number;
  readonly emailalertstatus: readonly EmailAlertStatus[];
  readonly emailalertfrom?: string;
  readonly smtp?: string;
  /** Global `fallback=` for IPv4 virtuals. Port 0 when the line gave none: each virtual then uses its own port. */
  readonly fallback?: FallbackServer;
  /** Global `fallback6=` for IPv6 virtuals; port as for `fallback`. */
  readonly fallback6?: FallbackServer;
  readonly fallbackcommand?: string;
  /**
   * Extension `maxpurge=N%`: the largest share of the managed table one reconcile may delete
   * without the operator saying so. Default 50; `maxpurge=100%` turns the guard off.
   */
  readonly maxPurgePercent: number;
}

/** Something worth saying about a file that does not stop it loading. */
export interface ConfigWarning {
  readonly line?: number;
  readonly directive?: string;
  readonly message: string;
}

/** A fully loaded, valid configuration. */
export interface Config {
  /** Path as the file was read. */
  readonly file: string;
  /** sha256 of the file's bytes, hex. */
  readonly hash: string;
  readonly globals: Globals;
  readonly virtuals: readonly Virtual[];
  readonly warnings: readonly ConfigWarning[];
}

/** One problem that makes a file invalid. `message` keeps ldirectord's wording where it is clear. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  /** The directive's name (`real`, `checktype`, …), or `` for a line that has none. */
  readonly directive: string;
  readonly message: string;
}

/** Port → service, the table ldirectord derives `service` from (reference §1.6). */
export const SERVICE_BY_PORT: ReadonlyMap<number, ServiceName> = new Map<number, ServiceName>([
  [21, 'ftp'], [25, 'smtp'], [53, 'dns'], [80, 'http'], [110, 'pop'], [119, 'nntp'], [143, 'imap'],
  [389, 'ldap'], [443, 'https'], [587, 'submission'], [636, 'ldaps'], [993, 'imaps'], [995, 'pops'],
  [1521, 'oracle'], [1812, 'radius'], [3128, 'http_proxy'], [3306, 'mysql'], [5060, 'sip'],
  [5432, 'pgsql'],
]);

/** Service → port, used for the check port when a real's port is 0. */
export const PORT_BY_SERVICE: ReadonlyMap<ServiceName, number> = new Map(
  [...SERVICE_BY_PORT].map(([port, service]) => [service, port] as const),
);
