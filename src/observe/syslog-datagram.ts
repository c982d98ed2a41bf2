import { syslogTimestamp } from './ctime.js';
import type { LogLevel } from './log.js';

/**
 * syslog severities for our levels. ldirectord sends all its lines at `info`; lines of our own
 * at error or warning carry their real weight so that `*.warning` filters catch them.
 */
export const SYSLOG_SEVERITY: Readonly<Record<LogLevel, number>> = { error: 3, warning: 4, info: 6, debug: 7 };

/**
 * One RFC 3164 datagram as glibc's syslog(3) writes it to /dev/log:
 * `<PRI>Mmm dd hh:mm:ss tag[pid]: message`. There is deliberately no HOSTNAME field: rsyslog's
 * local-socket parser would take a hostname for the tag (reference stack.md §5).
 *
 * @param facility facility code (0..23), not yet shifted
 * @param severity severity code (0..7)
 */
export function formatSyslogDatagram(o: {
  facility: number;
  severity: number;
  date: Date;
  tag: string;
  pid: number;
  message: string;
}): string {
  return `<${o.facility * 8 + o.severity}>${syslogTimestamp(o.date)} ${o.tag}[${o.pid}]: ${o.message}`;
}
