/**
 * real=/real6= lines: ldirectord's grammar, its silent skips (which we warn about), and the
 * decided fixes (HOST::PORT, per-real request starting with "/", numeric ranges, duplicates).
 */
import { describe, expect, it } from 'vitest';
import type { RealServer } from '../../src/config/model.js';
import { problems, section, virtualOf, warnings } from './helpers.js';

async function reals(lines: string[], header?: string): Promise<readonly RealServer[]> {
  return (await virtualOf(section([...lines, 'checktype=on'], [], header))).reals;
}

const real = (address: string, port: number, extra: Partial<RealServer> = {}): Partial<RealServer> =>
  ({ address, port, forward: 'gate', weight: 1, lowerThreshold: 0, upperThreshold: 0, ...extra });

describe('the address part', () => {
  it.each([
    ['real=198.51.100.1:80 gate', real('198.51.100.1', 80)],
    ['real=198.51.100.1 gate', real('198.51.100.1', 0)],
    ['real=localhost:http masq', real('127.0.0.1', 80, { forward: 'masq' })],
    ['real=198.51.100.1:webcache ipip', real('198.51.100.1', 8080, { forward: 'ipip' })],
    ['real=198.51.100.1:0 gate', real('198.51.100.1', 0)],
  ])('%s', async (line, expected) => {
    expect((await reals([line]))[0]).toMatchObject(expected);
  });

  it('reads [v6]:port in a virtual6 section, in canonical form', async () => {
    const r = await reals(['real6=[2001:DB8:0::5]:8080 masq'], 'virtual6=[2001:db8::1]:80');
    expect(r[0]).toMatchObject({ family: 6, address: '2001:db8::5', port: 8080 });
  });

  it.each([
    ['real=[2001:db8::5]:80 gate', 'invalid address ([2001:db8::5]) for real server (could not resolve host); IPv6 reals need a virtual6 section and real6='],
    ['real=nowhere.example:80 gate', 'invalid address (nowhere.example) for real server (could not resolve host)'],
    ['real=198.51.100.1:99999 gate', 'invalid port (99999) for real server (could not resolve port)'],
    ['real=198.51.100.1:gopher gate', 'invalid port (gopher) for real server (could not resolve port)'],
    ['real=198.51.100.1->nowhere.example:80 gate', 'invalid address (nowhere.example) for real server (could not resolve end host)'],
    ['real=@@@ gate', 'invalid address for real server (wrong format) (got "@@@ gate")'],
    ['real=198.51.100.1:80', 'invalid address for real server (wrong format) (got "198.51.100.1:80")'],
    ['real6=[2001:db8::5]:80 gate', 'cannot specify "real6" here.  please use "real" instead'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(section([line]))).toEqual([`2: ${message}`]);
  });

  it('rejects real= in a virtual6 section', async () => {
    expect(await problems(section(['real=198.51.100.1:80 gate'], [], 'virtual6=[2001:db8::1]:80'))).toEqual([
      '2: cannot specify "real" here.  please use "real6" instead',
    ]);
  });

  it('reads the upstream sample\'s HOST::PORT as HOST:PORT, with a warning', async () => {
    const lines = ['real=192.168.6.2::5060 gate'];
    expect((await reals(lines))[0]).toMatchObject(real('192.168.6.2', 5060));
    expect(await warnings(section(lines))).toEqual([
      '2: "192.168.6.2::5060" is read as 192.168.6.2:5060; ldirectord 4.12 reads this line as the bogus real server 0.0.19.196:0',
    ]);
  });

  it('skips unreadable text before the address as ldirectord does, with a warning', async () => {
    const lines = ['real=http://198.51.100.1:80 gate'];
    expect((await reals(lines))[0]).toMatchObject(real('198.51.100.1', 80));
    expect(await warnings(section(lines))).toEqual([
      '2: ldirectord reads this real server from "198.51.100.1:80 gate", skipping "http://"; ldirectord-ng does the same, check that it is what you meant',
    ]);
  });
});

describe('ranges', () => {
  it('expands a range to one real per address', async () => {
    const r = await reals(['real=198.51.100.254->198.51.101.1:80 masq 2']);
    expect(r.map((x) => `${x.address}:${x.port}/${x.weight}`)).toEqual([
      '198.51.100.254:80/2', '198.51.100.255:80/2', '198.51.101.0:80/2', '198.51.101.1:80/2',
    ]);
  });

  it('expands numerically where ldirectord\'s string comparison drops addresses, with a warning', async () => {
    // 59.154.201.255 is 999999999 and 59.154.202.1 is 1000000001: "999999999" sorts after "1000000001".
    const lines = ['real=59.154.201.255->59.154.202.1:80 gate'];
    expect((await reals(lines)).map((x) => x.address)).toEqual(['59.154.201.255', '59.154.202.0', '59.154.202.1']);
    expect(await warnings(section(lines))).toEqual([
      '2: the range 59.154.201.255->59.154.202.1 has 3 addresses, all used; ldirectord 4.12 compares them as strings and uses none of them',
    ]);
  });

  it('accepts a one-address range', async () => {
    expect((await reals(['real=198.51.100.7->198.51.100.7:80 gate'])).map((x) => x.address)).toEqual(['198.51.100.7']);
  });

  it.each([
    ['real=198.51.100.9->198.51.100.1:80 gate', 'Invalid Range: 198.51.100.9-198.51.100.1: First value must be greater than or equal to the second value'],
    ['real=10.0.0.0->10.255.255.255:80 gate', 'the range 10.0.0.0->10.255.255.255 has 16777216 addresses; at most 65536 are allowed in one range'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(section([line]))).toEqual([`2: ${message}`]);
  });

  it('allows 65536 addresses and refuses 65537', async () => {
    expect(await reals(['real=10.0.0.0->10.0.255.255:80 gate'])).toHaveLength(65_536);
    expect(await problems(section(['real=10.0.0.0->10.1.0.0:80 gate']))).toEqual([
      '2: the range 10.0.0.0->10.1.0.0 has 65537 addresses; at most 65536 are allowed in one range',
    ]);
  });

  it('rejects IPv6 ranges', async () => {
    expect(await problems(section(['real6=[2001:db8::1]->[2001:db8::4]:80 gate'], [], 'virtual6=[2001:db8::10]:80'))).toEqual([
      '2: Address range for IPv6 is not supported yet',
    ]);
  });
});

describe('forwarding, weight, thresholds', () => {
  it('needs gate, masq or ipip', async () => {
    expect(await problems(section(['real=198.51.100.1:80 direct']))).toEqual(['2: forward method must be gate, masq or ipip (got "direct")']);
    expect(await problems(section(['real=198.51.100.1:80 gatex']))).toEqual(['2: forward method must be gate, masq or ipip (got "gatex")']);
  });

  it('reads weight and l:/u: thresholds', async () => {
    expect((await reals(['real=198.51.100.1:80 masq 0 l:5 u:50']))[0]).toMatchObject(
      real('198.51.100.1', 80, { forward: 'masq', weight: 0, lowerThreshold: 5, upperThreshold: 50 }));
  });

  it('warns about what ldirectord skips silently', async () => {
    const lines = ['real=198.51.100.1:80 -gate junk 4 u:9 l:2'];
    expect((await reals(lines))[0]).toMatchObject({ weight: 4, lowerThreshold: 2, upperThreshold: 0 });
    expect(await warnings(section(lines))).toEqual([
      '2: ignored text before the forwarding method: "-" (ldirectord 4.12 skips it silently)',
      '2: ignored text before the weight: "junk" (ldirectord 4.12 skips it silently)',
      '2: ignored text before l:: "u:9" (ldirectord 4.12 skips it silently)',
    ]);
  });

  it('rejects text left at the end, with ldirectord\'s text', async () => {
    expect(await problems(section(['real=198.51.100.1:80 gate 1 l:3 extra']))).toEqual(['2: Invalid real server line, around " extra"']);
  });

  it('caps the weight at the kernel\'s limit and warns above ipvsadm\'s', async () => {
    const lines = ['real=198.51.100.1:80 gate 70000', 'real=198.51.100.2:80 gate 99999999999'];
    expect((await reals(lines)).map((x) => x.weight)).toEqual([70_000, 2_147_483_647]);
    expect(await warnings(section(lines))).toEqual([
      '2: weight 70000 is above 65535, which ipvsadm (and so ldirectord 4.12) rejects',
      '3: weight 99999999999 is too large; 2147483647 is used',
      '3: weight 2147483647 is above 65535, which ipvsadm (and so ldirectord 4.12) rejects',
    ]);
  });
});

describe('per-real request and receive', () => {
  it('prefixes "/" to the request and keeps the receive', async () => {
    const r = (await reals(['real=198.51.100.1:80 masq 2 "status.html" "UP" l:1 u:9']))[0];
    expect(r).toMatchObject({ weight: 2, request: '/status.html', receive: 'UP', receiveRegExp: { source: 'UP', flags: '' }, lowerThreshold: 1, upperThreshold: 9 });
  });

  it('accepts a comma between request and receive', async () => {
    expect((await reals(['real=198.51.100.1:80 masq "a","b"']))[0]).toMatchObject({ request: '/a', receive: 'b' });
    expect((await reals(['real=198.51.100.1:80 masq "a",   "b"']))[0]).toMatchObject({ request: '/a', receive: 'b' });
  });

  it('matches greedily like Perl: the request runs to the last quote pair', async () => {
    expect((await reals(['real=198.51.100.1:80 masq "a" "b" "c" "d"']))[0]).toMatchObject({ request: '/a" "b" "c', receive: 'd' });
  });

  it('honours a request that starts with "/" (ldirectord ignores it), with a warning', async () => {
    const lines = ['real=198.51.100.1:80 masq "/other.html" "Other" u:50 junk'];
    expect((await reals(lines))[0]).toMatchObject({ request: '/other.html', receive: 'Other', upperThreshold: 50 });
    expect(await warnings(section(lines))).toEqual([
      '2: the per-real request "/other.html" and receive "Other" are used; ldirectord 4.12 ignores them (and the rest of the line) when the request starts with "/", and checks with the virtual\'s request and receive instead',
      '2: ignored text after the request and receive: "junk" (ldirectord 4.12 accepts it silently)',
    ]);
  });

  it('rejects trailing text after a pair whose request does not start with "/", as ldirectord does', async () => {
    expect(await problems(section(['real=198.51.100.1:80 gate "index.html" "OK" junk']))).toEqual(['2: Invalid real server line, around " junk"']);
  });

  it('rejects a per-real receive that does not compile', async () => {
    expect(await problems(section(['real=198.51.100.1:80 gate "a" "(x"']))).toEqual([
      '2: invalid receive string: "(x" does not compile: Unterminated group',
    ]);
  });

  it('keeps an empty per-real receive (it overrides the virtual\'s with none)', async () => {
    const r = (await reals(['real=198.51.100.1:80 gate "a" ""']))[0];
    expect(r?.receive).toBe('');
    expect(r?.receiveRegExp).toBeUndefined();
  });
});

describe('duplicates', () => {
  it('keeps the first of a repeated ip:port, with a warning', async () => {
    const lines = ['real=198.51.100.1:80 gate', 'real=198.51.100.1->198.51.100.2:80 masq 3'];
    expect((await reals(lines)).map((x) => `${x.address}/${x.forward}`)).toEqual(['198.51.100.1/gate', '198.51.100.2/masq']);
    expect(await warnings(section(lines))).toEqual([
      '3: duplicate real server 198.51.100.1:80 (first at line 2); ldirectord 4.12 accepts it, ldirectord-ng keeps only the first',
    ]);
  });

  it('treats different ports of one address as different reals', async () => {
    expect(await reals(['real=198.51.100.1:80 masq', 'real=198.51.100.1:81 masq'])).toHaveLength(2);
  });
});
