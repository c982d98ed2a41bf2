import { describe, expect, it } from 'vitest';
import { SYSLOG_SEVERITY, formatSyslogDatagram } from '../../src/observe/syslog-datagram.js';
import { SYSLOG_FACILITIES } from '../../src/observe/syslog-facility.js';

describe('formatSyslogDatagram', () => {
  const date = new Date(2026, 10, 1, 4, 16, 4);
  const base = { date, tag: 'ldirectord', pid: 1234, message: 'Added virtual server: 192.168.1.10:80' };

  it('writes glibc syslog(3) layout with no HOSTNAME field', () => {
    expect(formatSyslogDatagram({ ...base, facility: SYSLOG_FACILITIES.local0, severity: SYSLOG_SEVERITY.info })).toBe(
      '<134>Nov  1 04:16:04 ldirectord[1234]: Added virtual server: 192.168.1.10:80',
    );
  });

  it.each([
    ['local0', 'error', 131],
    ['local0', 'warning', 132],
    ['local0', 'info', 134],
    ['local0', 'debug', 135],
    ['daemon', 'info', 30],
    ['local7', 'info', 190],
    ['kern', 'error', 3],
  ] as const)('PRI for %s.%s is %i', (facility, level, pri) => {
    const line = formatSyslogDatagram({ ...base, facility: SYSLOG_FACILITIES[facility], severity: SYSLOG_SEVERITY[level] });
    expect(line.startsWith(`<${pri}>`)).toBe(true);
  });
});
