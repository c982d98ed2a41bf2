/** ldirectord-ng's own directives: risecount, checkwindow, tlsverify/tlscafile/tlsservername, maxpurge. */
import { describe, expect, it } from 'vitest';
import { ok, problems, section, virtualOf, warnings, withReal } from './helpers.js';

describe('risecount', () => {
  it('is global and per virtual, the virtual winning', async () => {
    expect((await ok('risecount=3\n')).globals.riseCount).toBe(3);
    expect((await virtualOf(withReal([], ['risecount=3']))).riseCount).toBe(3);
    expect((await virtualOf(withReal(['risecount=2'], ['risecount=3']))).riseCount).toBe(2);
  });

  it.each(['0', '-1', '2.5', 'x', ''])('risecount=%s is an error', async (value) => {
    expect(await problems(`risecount=${value}\n`)).toEqual([
      `1: risecount must be a whole number of 1 or more (${value === '' ? 'no value given' : `got "${value}"`})`,
    ]);
  });
});

describe('checkwindow', () => {
  it('is global and per virtual', async () => {
    expect((await virtualOf(withReal([], ['checkwindow=3/5']))).window).toEqual({ need: 3, of: 5 });
    expect((await virtualOf(withReal(['checkwindow=1/1'], ['checkwindow=3/5']))).window).toEqual({ need: 1, of: 1 });
  });

  it.each(['0/5', '6/5', '3/1001', '3', '3/5/7', 'a/b'])('checkwindow=%s is an error', async (value) => {
    expect(await problems(withReal([`checkwindow=${value}`]))).toEqual([
      `3: checkwindow must be K/N (K passes in the last N checks) with 1 <= K <= N <= 1000 (got "${value}")`,
    ]);
  });

  it('accepts the largest window', async () => {
    expect((await virtualOf(withReal(['checkwindow=1000/1000']))).window).toEqual({ need: 1000, of: 1000 });
  });

  it('says that failurecount and risecount are then unused', async () => {
    expect(await warnings(withReal(['checkwindow=2/3', 'failurecount=4']))).toEqual([
      '3: checkwindow decides when reals go down and come back; failurecount and risecount are not used',
    ]);
  });
});

describe('tls', () => {
  it('tlsverify, tlscafile and tlsservername set the policy', async () => {
    const v = await virtualOf(section(['real=198.51.100.1:443 gate', 'tlsverify=yes', 'tlscafile="/etc/ssl/ca.pem"', 'tlsservername=api.example.com'], [], 'virtual=192.0.2.1:443'));
    expect(v.tls).toEqual({ verify: true, caFile: '/etc/ssl/ca.pem', serverName: 'api.example.com' });
  });

  it('takes the server name from virtualhost, without its port', async () => {
    const v = await virtualOf(section(['real=198.51.100.1:443 gate', 'virtualhost=www.example.com:8443'], [], 'virtual=192.0.2.1:443'));
    expect(v.tls).toEqual({ verify: false, serverName: 'www.example.com' });
  });

  it.each([
    ['tlsverify=maybe', `tlsverify must be 'yes' or 'no' (got "maybe")`],
    ['tlscafile=', 'invalid tlscafile (no value given)'],
    ['tlsservername=not a name', 'invalid tlsservername, a host name is required (got "not a name")'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(withReal([line]))).toEqual([`3: ${message}`]);
  });

  it('warns when the service does not use TLS, or a CA file is given without verification', async () => {
    expect(await warnings(withReal(['tlsverify=yes', 'tlscafile=/ca.pem']))).toEqual([
      '3: tlsverify has no effect with service=http (only https, imaps, pops and ldaps checks use TLS)',
      '4: tlscafile has no effect with service=http (only https, imaps, pops and ldaps checks use TLS)',
    ]);
    expect(await warnings(section(['real=198.51.100.1:443 gate', 'tlscafile=/ca.pem'], [], 'virtual=192.0.2.1:443'))).toEqual([
      '3: tlscafile has no effect unless tlsverify=yes',
    ]);
  });

  it('are virtual-only', async () => {
    expect(await problems('tlsverify=yes\n')).toEqual([
      '1: Unknown command tlsverify=yes (tlsverify is only valid inside a virtual section, indented by at least 4 spaces or a TAB)',
    ]);
  });
});

describe('maxpurge', () => {
  it.each([['50%', 50], ['0', 0], ['100%', 100], ['7', 7]])('maxpurge=%s', async (value, n) => {
    expect((await ok(`maxpurge=${value}\n`)).globals.maxPurgePercent).toBe(n);
  });

  it.each(['101', '50%%', '-1', 'half'])('maxpurge=%s is an error', async (value) => {
    expect(await problems(`maxpurge=${value}\n`)).toEqual([
      `1: maxpurge must be a percentage from 0 to 100, e.g. maxpurge=50% (got "${value}")`,
    ]);
  });

  it('is global-only', async () => {
    expect(await problems(withReal(['maxpurge=10%']))).toEqual([
      '3: Unknown command "\\tmaxpurge=10%" (maxpurge is a global directive; it must start in column 0, outside virtual sections)',
    ]);
  });
});
