/**
 * The checker contract. A check spec is everything one probe needs, already resolved from the
 * config (addresses, ports, timeouts, strings); a checker turns it into a CheckResult. Failure is
 * a value: a checker never throws for an unhealthy server, and nothing it starts outlives the
 * AbortSignal (sockets closed, child processes killed). Thresholds, state and IPVS are not a
 * checker's business.
 */
import type { Family } from '../util/ip.js';

/** Where a probe goes: the real's address and the check port. */
export interface CheckTarget {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
}

/** Extension TLS settings for https probes; see config TlsPolicy. */
export interface TlsCheckOptions {
  readonly verify: boolean;
  readonly caFile?: string;
  /** SNI to send; undefined sends none (an IP literal is never sent as SNI). */
  readonly serverName?: string;
}

export type CheckSpec =
  /** TCP connect, closed at once; UDP `connect()` (which always succeeds, as in ldirectord's combined mode). */
  | { readonly kind: 'connect'; readonly target: CheckTarget; readonly protocol: 'tcp' | 'udp' }
  /** ICMP echo, `count` attempts, each bounded by `attemptTimeoutMs`. */
  | { readonly kind: 'ping'; readonly target: CheckTarget; readonly count: number; readonly attemptTimeoutMs: number }
  /** http/https via undici: one fresh connection, no redirects, status 2xx and `receive` on the body. */
  | {
      readonly kind: 'http';
      readonly target: CheckTarget;
      /** Full URL as ldirectord forms it; its host may differ from target for absolute per-real requests. */
      readonly url: string;
      readonly method: 'GET' | 'HEAD';
      /** Host header (virtualhost); undefined sends the URL's host. */
      readonly host?: string;
      /** Regular expression source; empty means any 2xx passes. */
      readonly receive: string;
      /** RegExp flags for `receive` (Perl's leading inline modifiers, translated by the config layer); default none. */
      readonly receiveFlags?: string;
      readonly tls?: TlsCheckOptions;
    }
  /** http_proxy: `url` fetched through the real as an HTTP proxy. */
  | { readonly kind: 'http-proxy'; readonly target: CheckTarget; readonly url: string; readonly method: 'GET' | 'HEAD'; readonly receive: string; readonly receiveFlags?: string }
  /** Send `send`, half-close, read lines until one matches `receive`. */
  | { readonly kind: 'simpletcp'; readonly target: CheckTarget; readonly send: string; readonly receive: string; readonly receiveFlags?: string }
  /** execFile(command, args), exit 0 = up; killed with its process group at the deadline. */
  | { readonly kind: 'external'; readonly command: string; readonly args: readonly string[] }
  /** `perl script args`: exit 0 or falling off the end = up (ldirectord evaluates it in-process). */
  | { readonly kind: 'external-perl'; readonly script: string; readonly args: readonly string[] }
  /** The other negotiate services; credentials and strings as the virtual gives them. */
  | {
      readonly kind: 'service';
      readonly service: 'smtp' | 'submission' | 'pop' | 'pops' | 'imap' | 'imaps' | 'ldap' | 'ldaps' | 'nntp' | 'dns' | 'radius' | 'mysql' | 'pgsql' | 'oracle' | 'sip' | 'ftp';
      readonly target: CheckTarget;
      readonly protocol: 'tcp' | 'udp';
      readonly request: string;
      readonly receive: string;
      readonly receiveFlags?: string;
      readonly login: string;
      readonly passwd: string;
      readonly database: string;
      readonly secret: string;
      /** TLS settings for the services that speak TLS from the first byte (pops, imaps, ldaps); absent means verify off, no SNI. */
      readonly tls?: TlsCheckOptions;
    }
  /** `service=none`: always up, nothing sent (ldirectord's behaviour for unknown ports). */
  | { readonly kind: 'none' };

export type CheckKind = CheckSpec['kind'];

/** Why a check failed, for metrics and status; the detail says exactly what happened. */
export type FailureReason =
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'unreachable'
  | 'bad-status'
  | 'body-mismatch'
  | 'tls'
  | 'protocol'
  | 'auth'
  | 'exit-status'
  | 'maintenance'
  | 'error';

export type CheckResult =
  | { readonly ok: true; readonly detail: string; readonly durationMs: number }
  | { readonly ok: false; readonly reason: FailureReason; readonly detail: string; readonly durationMs: number };

/** One probe: resolves (never rejects) with the outcome; honours `signal` as the hard deadline. */
export type Checker<S extends CheckSpec = CheckSpec> = (spec: S, signal: AbortSignal) => Promise<CheckResult>;

/** Stable identity of a check; identical checks shared by several virtuals run once. */
export type CheckKey = string & { readonly __brand: 'CheckKey' };

/**
 * What the scheduler runs for one unique check. `combined` negotiates on the first tick and every
 * `every`+1-th after a passing negotiate (ldirectord's counter), connects in between.
 */
export type CheckMode =
  | { readonly kind: 'single'; readonly spec: CheckSpec; readonly timeoutMs: number }
  | {
      readonly kind: 'combined';
      readonly negotiate: CheckSpec;
      readonly negotiateTimeoutMs: number;
      readonly connect: CheckSpec;
      readonly connectTimeoutMs: number;
      readonly every: number;
    }
  /** checktype=on: always up, no probe. */
  | { readonly kind: 'on' }
  /** checktype=off: never probed; state stays what start-up found. */
  | { readonly kind: 'off' };

export interface CheckPlan {
  readonly key: CheckKey;
  readonly intervalMs: number;
  readonly mode: CheckMode;
}

/** The spec variant of one kind, e.g. `CheckSpecOf<'http'>`; what each checker file accepts. */
export type CheckSpecOf<K extends CheckKind> = Extract<CheckSpec, { readonly kind: K }>;
