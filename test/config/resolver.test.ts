/** Name resolution: the services table, the system resolver, and how the loader drives a resolver. */
import { describe, expect, it } from 'vitest';
import { NameCache } from '../../src/config/names.js';
import { fixedResolver, systemResolver, type NameResolver } from '../../src/config/resolver.js';
import { parseServicesFile } from '../../src/config/services-file.js';
import { SERVICES_TEXT } from './fixture-resolver.js';
import { load, ok, problems, section } from './helpers.js';

describe('parseServicesFile', () => {
  it('maps names and aliases per protocol, first entry winning, comments ignored', () => {
    const t = parseServicesFile('http 80/tcp www # web\nhttp 8000/tcp\n# x 1/tcp\ndomain 53/udp\nbad line\nbig 70000/tcp\n');
    expect([...t]).toEqual([['http/tcp', 80], ['www/tcp', 80], ['domain/udp', 53]]);
  });
});

describe('systemResolver', () => {
  it('resolves localhost from /etc/hosts', async () => {
    expect(await systemResolver.host('localhost', 4)).toBe('127.0.0.1');
  });

  it('says undefined for a literal of the other family', async () => {
    expect(await systemResolver.host('127.0.0.1', 6)).toBeUndefined();
  });

  it('reads /etc/services', () => {
    expect(systemResolver.service('https', 'tcp')).toBe(443);
    expect(systemResolver.service('no-such-service-name', 'tcp')).toBeUndefined();
  });
});

describe('NameCache', () => {
  it('answers literals itself, in canonical form, and only for their family', () => {
    const c = new NameCache(fixedResolver({}));
    expect(c.host('2001:DB8::0:1', 6)).toEqual({ kind: 'address', address: '2001:db8::1' });
    expect(c.host('2001:db8::1', 4)).toEqual({ kind: 'unknown' });
    expect(c.hasPending).toBe(false);
  });

  it('marks names pending, resolves them all at once, then answers', async () => {
    const c = new NameCache(fixedResolver({ 'web/4': '192.0.2.7' }));
    expect(c.host('web', 4)).toEqual({ kind: 'pending' });
    expect(c.host('gone', 4)).toEqual({ kind: 'pending' });
    expect(c.hasPending).toBe(true);
    await c.resolvePending();
    expect(c.hasPending).toBe(false);
    expect(c.host('web', 4)).toEqual({ kind: 'address', address: '192.0.2.7' });
    expect(c.host('gone', 4)).toEqual({ kind: 'unknown' });
  });
});

/** A resolver that counts lookups and how many ran at the same time. */
function countingResolver(hosts: Record<string, string>): NameResolver & { calls: string[]; maxInFlight: number } {
  const base = fixedResolver(hosts, SERVICES_TEXT);
  let inFlight = 0;
  const r = {
    calls: [] as string[],
    maxInFlight: 0,
    async host(name: string, family: 4 | 6) {
      r.calls.push(`${name}/${family}`);
      inFlight++;
      r.maxInFlight = Math.max(r.maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return base.host(name, family);
    },
    service: base.service,
  };
  return r;
}

describe('loading with names', () => {
  it('resolves every name once, all concurrently', async () => {
    const resolver = countingResolver({ 'vip/4': '192.0.2.1', 'web1/4': '198.51.100.1', 'web2/4': '198.51.100.2', 'sorry/4': '127.0.0.1' });
    const text = section(['real=web1:80 gate', 'real=web2:80 gate', 'real=web1:81 gate', 'fallback=sorry'], [], 'virtual=vip:80');
    const c = await ok(text, { resolver });
    expect(c.virtuals[0]?.reals.map((r) => `${r.address}:${r.port}`)).toEqual(['198.51.100.1:80', '198.51.100.2:80', '198.51.100.1:81']);
    expect(c.virtuals[0]?.fallback?.address).toBe('127.0.0.1');
    expect(resolver.calls.sort()).toEqual(['sorry/4', 'vip/4', 'web1/4', 'web2/4']);
    expect(resolver.maxInFlight).toBe(4);
  });

  it('resolves hostnames in the family of the section', async () => {
    const resolver = countingResolver({ 'web/6': '2001:db8::5', 'web/4': '198.51.100.5' });
    const c = await ok(section(['real6=web:80 gate'], [], 'virtual6=[2001:db8::1]:80'), { resolver });
    expect(c.virtuals[0]?.reals[0]?.address).toBe('2001:db8::5');
    expect(resolver.calls).toEqual(['web/6']);
  });

  it('resolves range ends that are names', async () => {
    const resolver = countingResolver({ 'a/4': '198.51.100.1', 'b/4': '198.51.100.3' });
    const c = await ok(section(['real=a->b:80 gate']), { resolver });
    expect(c.virtuals[0]?.reals.map((r) => r.address)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('reports names that do not resolve with ldirectord\'s texts, at their lines', async () => {
    expect(await problems('fallback=gone\nvirtual=gone:80\n\treal=gone:80 gate\n\treal=198.51.100.1->gone:80 gate\n\tfallback=gone\n')).toEqual([
      '1: invalid IPv4 address or could not resolve for fallback server: gone',
      '2: invalid address for virtual service (could not resolve "gone" to an IPv4 address)',
      '3: invalid address (gone) for real server (could not resolve host)',
      '4: invalid address (gone) for real server (could not resolve end host)',
      '5: invalid IPv4 address or could not resolve for fallback server: gone',
    ]);
  });

  it('uses the system resolver when none is given', async () => {
    const r = await load(section(['real=localhost:https masq']), { resolver: systemResolver });
    expect(r.ok && r.config.virtuals[0]?.reals[0]).toMatchObject({ address: '127.0.0.1', port: 443 });
  });
});
