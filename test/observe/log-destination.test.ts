import { describe, expect, it } from 'vitest';
import { LogFacilityError, chooseDestination } from '../../src/observe/log-destination.js';
import { syslogFacility } from '../../src/observe/syslog-facility.js';

describe('chooseDestination', () => {
  const base = { logfile: 'local0', supervised: false, debug: false };

  it('follows ldirectord order: -d, then supervised, then a path, then syslog', () => {
    expect(chooseDestination({ ...base, debug: true, supervised: true, logfile: '/var/log/x' })).toEqual({ kind: 'debug' });
    expect(chooseDestination({ ...base, supervised: true, logfile: '/var/log/x' })).toEqual({ kind: 'supervised' });
    expect(chooseDestination({ ...base, logfile: '/var/log/ldirectord.log' })).toEqual({
      kind: 'file',
      path: '/var/log/ldirectord.log',
    });
    expect(chooseDestination(base)).toEqual({ kind: 'syslog', facility: 'local0', code: 16 });
  });

  it('treats a relative path as a facility name, as ldirectord does, and rejects an unknown one', () => {
    expect(() => chooseDestination({ ...base, logfile: 'var/log/ldirectord.log' })).toThrow(LogFacilityError);
    try {
      chooseDestination({ ...base, logfile: 'local8' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LogFacilityError);
      expect((err as LogFacilityError).code).toBe('LD_ERR_LOG_FACILITY');
      expect((err as LogFacilityError).message).toBe('invalid syslog facility: local8');
    }
  });

  it('does not validate the facility when -d or supervised wins', () => {
    expect(chooseDestination({ ...base, logfile: 'bogus', debug: true })).toEqual({ kind: 'debug' });
  });
});

describe('syslogFacility', () => {
  it.each([
    ['local0', 'local0'],
    ['LOCAL7', 'local7'],
    ['log_local3', 'local3'],
    ['daemon', 'daemon'],
    ['authpriv', 'authpriv'],
    ['security', 'auth'],
    ['', 'user'],
    ['local8', undefined],
    ['local0 ', undefined],
    ['syslog.info', undefined],
    ['toString', undefined],
  ])('%j → %s', (value, expected) => {
    expect(syslogFacility(value)).toBe(expected);
  });
});
