/**
 * syslog facility names and their codes as Linux's <syslog.h> numbers them (the code is the
 * facility number, before the `<< 3` that builds PRI).
 */
export const SYSLOG_FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export type SyslogFacilityName = keyof typeof SYSLOG_FACILITIES;

/** Names Perl's Sys::Syslog also accepts on Linux, for the facility they stand for. */
const ALIASES: Readonly<Record<string, SyslogFacilityName>> = { security: 'auth' };

/**
 * The facility a `logfile=` value names, or undefined when it names none. Matching follows
 * Sys::Syslog, which ldirectord hands the value to: case-insensitive, an optional `LOG_` prefix,
 * and the empty string meaning `user` (openlog's default).
 */
export function syslogFacility(value: string): SyslogFacilityName | undefined {
  const name = value.toLowerCase().replace(/^log_/, '');
  if (name === '') return 'user';
  if (Object.hasOwn(SYSLOG_FACILITIES, name)) return name as SyslogFacilityName;
  return ALIASES[name];
}
