const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Perl's `scalar localtime()` (the C `ctime(3)` layout without the newline), in the process's
 * local time zone: `Sat Nov 21 04:16:04 2026`, with the day of the month padded by a space
 * (`Sat Nov  1 04:16:04 2026`). ldirectord stamps its log file, supervised output and monitor
 * files this way, and operators' scripts parse it.
 */
export function formatCtime(date: Date): string {
  return `${DAYS[date.getDay()]} ${syslogTimestamp(date)} ${date.getFullYear()}`;
}

/**
 * The RFC 3164 TIMESTAMP (`Nov  1 04:16:04`), local time, as glibc's syslog(3) writes it. It is
 * the middle of {@link formatCtime}.
 */
export function syslogTimestamp(date: Date): string {
  const day = String(date.getDate()).padStart(2, ' ');
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${MONTHS[date.getMonth()]} ${day} ${time}`;
}
