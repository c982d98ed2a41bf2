/** Global directives: values, ldirectord's error texts, and the warnings it gives or should give. */
import { describe, expect, it } from 'vitest';
import { ok, problems, warnings } from './helpers.js';

describe('timeouts and counts', () => {
  it.each([
    ['checktimeout=7', 'checkTimeoutSec', 7],
    ['negotiatetimeout=40', 'negotiateTimeoutSec', 40],
    ['checkinterval=3', 'checkIntervalSec', 3],
    ['checkcount=4', 'checkCount', 4],
    ['failurecount=2', 'failureCount', 2],
  ] as const)('%s', async (line, field, value) => {
    expect((await ok(`${line}\n`)).globals[field]).toBe(value);
  });

  it.each([
    ['checktimeout=0', 'invalid check timeout value (got "0")'],
    ['checktimeout=00', 'invalid check timeout value (got "00")'],
    ['checktimeout=', 'invalid check timeout value (no value given)'],
    ['negotiatetimeout=none', 'invalid negotiate timeout value (got "none")'],
    ['checkinterval=0', 'invalid check interval value (got "0")'],
    ['checkcount=0', 'invalid check count value (got "0")'],
    ['failurecount=zero', 'invalid failure count value (got "zero")'],
    ['connecttimeout=5', 'connecttimeout directive deprecated in favour of negotiatetimeout'],
    ['timeout=5', 'timeout directive deprecated in favour of checktimeout and negotiatetimeout'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(`${line}\n`)).toEqual([`1: ${message}`]);
  });

  it('reads the first run of digits, and says so', async () => {
    const text = 'checkinterval=1.5\nfailurecount=x3\n';
    const c = await ok(text);
    expect([c.globals.checkIntervalSec, c.globals.failureCount]).toEqual([1, 3]);
    expect(await warnings(text)).toEqual([
      '1: checkinterval "1.5" is read as 1 (ldirectord takes the first run of digits)',
      '2: failurecount "x3" is read as 3 (ldirectord takes the first run of digits)',
    ]);
  });

  it('accepts "00" where ldirectord only tests for "0", but ignores it', async () => {
    const text = 'checkinterval=00\n';
    expect((await ok(text)).globals.checkIntervalSec).toBe(10);
    expect(await warnings(text)).toEqual([
      '1: checkinterval "00" is zero; ldirectord 4.12 accepts "00" here and then uses 0, ldirectord-ng ignores the directive',
    ]);
  });

  it('caps seconds at what a timer can wait', async () => {
    const text = 'checkinterval=99999999999999999999\n';
    expect((await ok(text)).globals.checkIntervalSec).toBe(2_147_483);
    expect(await warnings(text)).toEqual(['1: checkinterval "99999999999999999999" is too large; 2147483 is used']);
  });

  it('warns that checkcount is deprecated, with ldirectord\'s text', async () => {
    expect(await warnings('checkcount=2\n')).toEqual([
      "1: checkcount option is deprecated and slated for removal.  please see 'failurecount'",
    ]);
  });
});

describe('yes/no directives', () => {
  it.each([
    ['quiescent', 'quiescent'], ['readdquiescent', 'readdquiescent'], ['cleanstop', 'cleanstop'],
    ['autoreload', 'autoreload'], ['fork', 'fork'], ['supervised', 'supervised'],
  ] as const)('%s=yes and =no', async (name, field) => {
    expect((await ok(`${name}=yes\n`)).globals[field]).toBe(true);
    expect((await ok(`${name}=no\n`)).globals[field]).toBe(false);
  });

  it.each(['quiescent', 'readdquiescent', 'cleanstop', 'autoreload', 'fork', 'supervised'])(
    '%s=Yes is an error with ldirectord\'s text', async (name) => {
      expect(await problems(`${name}=Yes\n`)).toEqual([`1: ${name} must be 'yes' or 'no' (got "Yes")`]);
    });

  it('accepts a bare supervised as yes, with ldirectord\'s warning', async () => {
    expect((await ok('supervised\n')).globals.supervised).toBe(true);
    expect(await warnings('supervised\n')).toEqual(['1: please update your config not to use a bare supervised directive']);
  });

  it('reads any line starting with "supervised" as that directive, as ldirectord does', async () => {
    expect(await problems('supervisedx=yes\n')).toEqual([`1: supervised must be 'yes' or 'no' (got "x=yes")`]);
  });
});

describe('strings and paths', () => {
  it('callback and logfile take the quoted value', async () => {
    const c = await ok('callback="/usr/local/bin/cb"\nlogfile="local0"\n');
    expect([c.globals.callback, c.globals.logfile]).toEqual(['/usr/local/bin/cb', 'local0']);
  });

  it('execute collects distinct configuration names in order', async () => {
    expect((await ok('execute=b.cf\nexecute=a.cf\nexecute=b.cf\n')).globals.execute).toEqual(['b.cf', 'a.cf']);
  });

  it('execute with no name is ignored with a warning', async () => {
    expect((await ok('execute=\n')).globals.execute).toEqual([]);
    expect(await warnings('execute=\n')).toEqual(['1: execute= names no configuration; ignored']);
  });

  it('fallbackcommand keeps quotes on a global line (ldirectord hands them to the shell)', async () => {
    expect((await ok('fallbackcommand="/bin/sorry"\n')).globals.fallbackcommand).toBe('"/bin/sorry"');
  });

  it.each([
    ['fallbackcommand=', 'invalid fallback command (no value given)'],
    ['maintenancedir=', 'maintenance directory not specified'],
    ['emailalertfrom=', 'no email from address specified'],
    ['emailalert=', 'no email address specified'],
    ['emailalert=""', 'no email address specified'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(`${line}\n`)).toEqual([`1: ${message}`]);
  });

  it('maintenancedir keeps the path', async () => {
    expect((await ok('maintenancedir=/etc/ldirectord.d/maint\n')).globals.maintenancedir).toBe('/etc/ldirectord.d/maint');
  });
});

describe('e-mail alerts', () => {
  it('are read and validated', async () => {
    const c = await ok('emailalert="a@example.com,b@example.com"\nemailalertfreq=60\nemailalertstatus=starting, stopping\nemailalertfrom=ld@example.com\nsmtp=mx.example.com\n');
    expect(c.globals).toMatchObject({
      emailalert: ['a@example.com', 'b@example.com'], emailalertfreq: 60, emailalertstatus: ['starting', 'stopping'],
      emailalertfrom: 'ld@example.com', smtp: 'mx.example.com',
    });
  });

  it('give one warning that mail is not sent yet, however many directives', async () => {
    const text = 'emailalert=a@example.com\nemailalertfreq=60\nvirtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n\temailalert=b@example.com\n';
    expect(await warnings(text)).toEqual([
      '1: e-mail alerts are accepted and validated, but ldirectord-ng does not send them yet (they arrive in a later release)',
    ]);
  });

  it.each([
    ['emailalertstatus=all,none', 'invalid email alert status: "all" specified with "none"'],
    ['emailalertstatus=sometimes', 'invalid email alert status at: "sometimes"'],
    ['emailalertstatus=,all', 'invalid email alert status at: ""'],
    ['emailalertfreq=hourly', 'invalid email alert frequency (got "hourly")'],
    ['smtp=@mx', 'invalid SMTP server address (got "@mx")'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(`${line}\n`)).toEqual([`1: ${message}`]);
  });

  it.each([
    ['all', ['all']], ['none', ['none']], ['', ['none']], ['running,all', ['all']],
    ['reloading,starting,reloading', ['starting', 'reloading']],
  ] as const)('emailalertstatus=%s is normalised', async (value, expected) => {
    expect((await ok(`emailalertstatus=${value}\n`)).globals.emailalertstatus).toEqual(expected);
  });

  it('smtp keeps only the host, as ldirectord does', async () => {
    expect((await ok('smtp=mx.example.com:25\n')).globals.smtp).toBe('mx.example.com');
    expect(await warnings('smtp=mx.example.com:25\n')).toContain(
      '1: only "mx.example.com" is used as the SMTP server; the rest is ignored, as ldirectord does');
  });
});
