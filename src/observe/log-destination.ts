import { DaemonError } from '../util/errors.js';
import { SYSLOG_FACILITIES, syslogFacility, type SyslogFacilityName } from './syslog-facility.js';

/** Where log lines go; chosen once, as ldirectord's `ld_log` does (reference §4.1). */
export type LogDestination =
  /** `-d`: the foreground stream (stdout), one line per message. */
  | { readonly kind: 'debug' }
  /** `supervised=yes`: `[<ctime>] <message>` on stdout. */
  | { readonly kind: 'supervised' }
  /** `logfile="/path"`: `[<ctime>|<configName>|<pid>] <message>` appended per line. */
  | { readonly kind: 'file'; readonly path: string }
  /** `logfile="<facility>"`: RFC 3164 datagrams to the local syslog socket. */
  | { readonly kind: 'syslog'; readonly facility: SyslogFacilityName; readonly code: number };

/** A `logfile=` value that is neither a path nor a syslog facility name. */
export class LogFacilityError extends DaemonError {
  constructor(readonly logfile: string) {
    super('LD_ERR_LOG_FACILITY', `invalid syslog facility: ${logfile}`);
  }
}

/**
 * Picks the destination in ldirectord's order: `-d`, then `supervised=yes`, then a `logfile`
 * starting with `/`, else syslog with `logfile` as the facility. Throws {@link LogFacilityError}
 * when syslog is chosen and the facility is unknown (Sys::Syslog would croak on the first line).
 */
export function chooseDestination(o: { logfile: string; supervised: boolean; debug: boolean }): LogDestination {
  if (o.debug) return { kind: 'debug' };
  if (o.supervised) return { kind: 'supervised' };
  if (o.logfile.startsWith('/')) return { kind: 'file', path: o.logfile };
  const facility = syslogFacility(o.logfile);
  if (facility === undefined) throw new LogFacilityError(o.logfile);
  return { kind: 'syslog', facility, code: SYSLOG_FACILITIES[facility] };
}
