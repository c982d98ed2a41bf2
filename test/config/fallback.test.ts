/** fallback=/fallback6=, global and per virtual (reference §1.4). */
import { describe, expect, it } from 'vitest';
import { ok, problems, section, virtualOf, warnings, withReal } from './helpers.js';

describe('per-virtual fallback', () => {
  it.each([
    ['fallback=127.0.0.1:8080 masq', { address: '127.0.0.1', port: 8080, forward: 'masq' }],
    ['fallback=127.0.0.1', { address: '127.0.0.1', port: 80, forward: 'gate' }],
    ['fallback=localhost:https ipip', { address: '127.0.0.1', port: 443, forward: 'ipip' }],
    ['fallback=127.0.0.1:0', { address: '127.0.0.1', port: 0, forward: 'gate' }],
  ])('%s', async (line, expected) => {
    expect((await virtualOf(withReal([line]))).fallback).toMatchObject({ family: 4, ...expected });
  });

  it('takes the last two words, as ldirectord does, and warns about the rest', async () => {
    const text = withReal(['fallback=sorry 127.0.0.1:81 masq']);
    expect((await virtualOf(text)).fallback).toMatchObject({ address: '127.0.0.1', port: 81, forward: 'masq' });
    expect(await warnings(text)).toEqual(['3: ignored text before the fallback server, as ldirectord does: "sorry"']);
  });

  it('is 0 on a firewall-mark virtual without a port', async () => {
    const v = await virtualOf(section(['real=198.51.100.1 gate', 'fallback=127.0.0.1', 'checktype=on'], [], 'virtual=4'));
    expect(v.fallback).toMatchObject({ address: '127.0.0.1', port: 0 });
  });

  it('resolves a port name for the virtual\'s protocol', async () => {
    expect(await problems(section(['real=198.51.100.1:53 gate', 'fallback=127.0.0.1:http'], [], 'virtual=192.0.2.1:53'))).toEqual([
      '3: invalid port for fallback server ("http" for udp)',
    ]);
  });

  it('uses fallback6 with brackets in a virtual6 section', async () => {
    const v = await virtualOf(section(['real6=[2001:db8::2]:80 gate', 'fallback6=[::1]:8080'], [], 'virtual6=[2001:db8::1]:80'));
    expect(v.fallback).toEqual({ line: 3, family: 6, address: '::1', port: 8080, forward: 'gate' });
  });

  it.each([
    ['fallback=127.0.0.1:80 nat', 'forward method must be gate, masq or ipip (got "nat")'],
    ['fallback=nowhere.example:80', 'invalid IPv4 address or could not resolve for fallback server: nowhere.example'],
    ['fallback=::1', 'invalid IPv4 address or could not resolve for fallback server: : (write IPv6 fallbacks as fallback6=[address]:port)'],
    ['fallback=127.0.0.1:99999', 'invalid port for fallback server ("99999" for tcp)'],
    ['fallback6=[::1]:80', 'cannot specify "fallback6" here.  please use "fallback" instead'],
  ])('%s is an error', async (line, message) => {
    expect(await problems(withReal([line]))).toEqual([`3: ${message}`]);
  });

  it('rejects fallback= in a virtual6 section', async () => {
    expect(await problems(section(['fallback=127.0.0.1'], [], 'virtual6=[2001:db8::1]:80'))).toEqual([
      '2: cannot specify "fallback" here.  please use "fallback6" instead',
    ]);
  });
});

describe('global fallback', () => {
  it('applies to virtuals of its family; without a port each virtual uses its own', async () => {
    const text = [
      'fallback=127.0.0.1', 'fallback6=[::1]:8080 masq',
      section(['real=198.51.100.1:443 gate'], [], 'virtual=192.0.2.1:443'),
      section(['real6=[2001:db8::2]:80 gate'], [], 'virtual6=[2001:db8::1]:80'),
      section(['real=198.51.100.1 gate', 'checktype=on'], [], 'virtual=8'),
    ].join('\n');
    const c = await ok(text);
    expect(c.globals.fallback).toEqual({ line: 1, family: 4, address: '127.0.0.1', port: 0, forward: 'gate' });
    expect(c.virtuals.map((v) => v.fallback)).toEqual([
      { line: 1, family: 4, address: '127.0.0.1', port: 443, forward: 'gate' },
      { line: 2, family: 6, address: '::1', port: 8080, forward: 'masq' },
      { line: 1, family: 4, address: '127.0.0.1', port: 0, forward: 'gate' },
    ]);
  });

  it('is overridden by a per-virtual fallback', async () => {
    expect((await virtualOf(withReal(['fallback=127.0.0.2:81'], ['fallback=127.0.0.1:80']))).fallback).toMatchObject({ address: '127.0.0.2', port: 81 });
  });

  it('must resolve its port for both tcp and udp, as ldirectord does', async () => {
    expect(await problems('fallback=127.0.0.1:http\n')).toEqual(['1: invalid port for fallback server ("http" for udp)']);
    expect((await ok('fallback=127.0.0.1:https\n')).globals.fallback?.port).toBe(443);
  });
});
