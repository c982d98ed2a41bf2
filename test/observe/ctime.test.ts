import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCtime, syslogTimestamp } from '../../src/observe/ctime.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('formatCtime', () => {
  it.each([
    [new Date(2026, 10, 21, 4, 16, 4), 'Sat Nov 21 04:16:04 2026'],
    [new Date(2026, 10, 1, 4, 16, 4), 'Sun Nov  1 04:16:04 2026'],
    [new Date(2024, 1, 29, 23, 59, 59), 'Thu Feb 29 23:59:59 2024'],
    [new Date(2027, 0, 9, 0, 0, 0), 'Sat Jan  9 00:00:00 2027'],
    [new Date(2025, 11, 31, 12, 5, 9), 'Wed Dec 31 12:05:09 2025'],
  ])('formats %s as Perl scalar localtime', (date, expected) => {
    expect(formatCtime(date)).toBe(expected);
  });

  it('matches perl scalar localtime() in a zone with a half-hour offset and DST', () => {
    const tz = 'America/St_Johns';
    // Spread over several years, both DST states, single- and double-digit days.
    const epochs = Array.from({ length: 40 }, (_, i) => 1_700_000_000 + i * 3_987_654);
    const perl = execFileSync('perl', ['-e', 'print scalar(localtime($_)), "\\n" for @ARGV', ...epochs.map(String)], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
    })
      .trimEnd()
      .split('\n');
    process.env.TZ = tz;
    expect(epochs.map((s) => formatCtime(new Date(s * 1000)))).toEqual(perl);
  });
});

describe('syslogTimestamp', () => {
  it('is the RFC 3164 TIMESTAMP with a space-padded day', () => {
    expect(syslogTimestamp(new Date(2026, 10, 1, 4, 16, 4))).toBe('Nov  1 04:16:04');
    expect(syslogTimestamp(new Date(2026, 10, 21, 14, 6, 0))).toBe('Nov 21 14:06:00');
  });
});
