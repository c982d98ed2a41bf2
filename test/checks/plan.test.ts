import { describe, expect, it } from 'vitest';
import { buildCheckPlans, checkKeyOf, type CheckPlans } from '../../src/checks/plan.js';
import type { CheckMode, CheckPlan, CheckSpec } from '../../src/checks/types.js';
import { realKey } from '../../src/config/keys.js';
import type { RealServer, Virtual } from '../../src/config/model.js';
import { configOf, realOf, virtualOf } from './config-fixtures.js';

const HOST = 'director1';

function plansOf(...virtuals: Virtual[]): CheckPlans {
  return buildCheckPlans(configOf(virtuals), HOST);
}

/** The plan of one real of one virtual. */
function planOf(v: Virtual, r: RealServer, plans = plansOf(v)): CheckPlan {
  const key = plans.checkOf.get(realKey(v.key, r));
  const plan = key === undefined ? undefined : plans.plans.get(key);
  if (plan === undefined) throw new Error(`no plan for ${r.address}:${r.port} in ${v.key}`);
  return plan;
}

function single(plan: CheckPlan): { spec: CheckSpec; timeoutMs: number } {
  if (plan.mode.kind !== 'single') throw new Error(`expected a single check, got ${plan.mode.kind}`);
  return plan.mode;
}

const v6 = (port = 80) => ({ kind: 'addr', protocol: 'tcp', address: '2001:db8::1', port }) as const;

describe('buildCheckPlans: http and https URLs (reference §2.3)', () => {
  const r = realOf('10.0.0.2', 8080);
  const r6 = realOf('2001:db8::2', 443);
  const rows: { name: string; virtual: Partial<Virtual>; real: RealServer; url: string; receive?: string }[] = [
    { name: 'virtual request, real port', virtual: { request: '/index.html' }, real: r, url: 'http://10.0.0.2:8080/index.html' },
    { name: 'default request /', virtual: {}, real: r, url: 'http://10.0.0.2:8080/' },
    { name: 'checkport overrides the real port', virtual: { checkport: 8081, request: '/a' }, real: r, url: 'http://10.0.0.2:8081/a' },
    { name: 'https on an IPv6 real is bracketed', virtual: { service: 'https', endpoint: v6(443), family: 6 }, real: r6, url: 'https://[2001:db8::2]:443/' },
    {
      name: 'per-real request and receive pair',
      virtual: { request: '/index.html', receive: 'Test Page' },
      real: realOf('10.0.0.2', 8080, { request: '/other.html', receive: 'Other2' }),
      url: 'http://10.0.0.2:8080/other.html',
      receive: 'Other2',
    },
    {
      name: 'per-real absolute http:// URL is used as is',
      virtual: {},
      real: realOf('10.0.0.2', 8080, { request: '/http://www.example.com/status', receive: 'up' }),
      url: 'http://www.example.com/status',
      receive: 'up',
    },
    {
      name: 'an https:// URL on service http is not taken as absolute (ldirectord matches the scheme)',
      virtual: {},
      real: realOf('10.0.0.2', 8080, { request: '/https://www.example.com/', receive: 'up' }),
      url: 'http://10.0.0.2:8080/https://www.example.com/',
      receive: 'up',
    },
    {
      name: 'a per-real request without receive falls back to the virtual\'s URL and receive',
      virtual: { request: '/index.html', receive: 'Test Page' },
      real: realOf('10.0.0.2', 8080, { request: '/other.html' }),
      url: 'http://10.0.0.2:8080/index.html',
      receive: 'Test Page',
    },
  ];
  it.each(rows)('$name', ({ virtual, real, url, receive }) => {
    const v = virtualOf({ ...virtual, reals: [real] });
    const { spec, timeoutMs } = single(planOf(v, real));
    expect(spec).toMatchObject({ kind: 'http', url, receive: receive ?? v.receive, method: 'GET' });
    expect(timeoutMs).toBe(30_000);
  });

  it('takes receive from the config layer\'s translation of the Perl regex, flags included', () => {
    const v = virtualOf({ receive: '(?i)test page$', receiveRegExp: { source: 'test page(?=\\n?$)', flags: 'i' }, reals: [r] });
    expect(single(planOf(v, r)).spec).toMatchObject({ receive: 'test page(?=\\n?$)', receiveFlags: 'i' });
    const real = realOf('10.0.0.2', 8080, { request: '/x', receive: '\\Aok', receiveRegExp: { source: '(?<![\\s\\S])ok', flags: '' } });
    const withPair = virtualOf({ receive: 'virtual', reals: [real] });
    const spec = single(planOf(withPair, real)).spec;
    expect(spec).toMatchObject({ receive: '(?<![\\s\\S])ok' });
    expect(spec).not.toHaveProperty('receiveFlags');
  });

  it('sends Host = virtualhost, else the real IP (bracketed for IPv6), as LWP does', () => {
    const withVhost = virtualOf({ virtualhost: 'www.example.com', reals: [r] });
    expect(single(planOf(withVhost, r)).spec).toMatchObject({ host: 'www.example.com' });
    const plain = virtualOf({ reals: [r] });
    expect(single(planOf(plain, r)).spec).toMatchObject({ host: '10.0.0.2' });
    const six = virtualOf({ endpoint: v6(), family: 6, reals: [r6] });
    expect(single(planOf(six, r6)).spec).toMatchObject({ host: '[2001:db8::2]' });
  });

  it('uses HEAD when httpmethod says so and warns that receive cannot match', () => {
    const v = virtualOf({ httpmethod: 'HEAD', receive: 'Test', reals: [r] });
    const plans = plansOf(v);
    expect(single(planOf(v, r, plans)).spec).toMatchObject({ method: 'HEAD' });
    expect(plans.warnings).toContain('virtual service tcp:10.0.0.1:80: httpmethod HEAD gets no body, so receive "Test" can only match an empty one');
  });

  it('sets TLS options for https only: SNI is tlsservername, else virtualhost, never an IP', () => {
    const rows: [Partial<Virtual>, Record<string, unknown> | undefined][] = [
      [{ service: 'http' }, undefined],
      [{ service: 'https' }, { verify: false }],
      [{ service: 'https', virtualhost: 'www.example.com' }, { verify: false, serverName: 'www.example.com' }],
      [{ service: 'https', virtualhost: '10.0.0.1' }, { verify: false }],
      [
        { service: 'https', virtualhost: 'www.example.com', tls: { verify: true, caFile: '/etc/ca.pem', serverName: 'sni.example.com' } },
        { verify: true, caFile: '/etc/ca.pem', serverName: 'sni.example.com' },
      ],
    ];
    for (const [virtual, tls] of rows) {
      const v = virtualOf({ ...virtual, reals: [r] });
      const spec = single(planOf(v, r)).spec;
      if (spec.kind !== 'http') throw new Error('expected http');
      expect(spec.tls).toEqual(tls);
    }
  });

  it('forms the http_proxy URL from the request and sends it to the real as proxy', () => {
    const proxy = realOf('10.0.0.2', 3128);
    const v = virtualOf({ service: 'http_proxy', request: '/http://origin.example.com/status', receive: 'OK', reals: [proxy] });
    const plans = plansOf(v);
    expect(single(planOf(v, proxy, plans)).spec).toEqual({
      kind: 'http-proxy', target: { family: 4, address: '10.0.0.2', port: 3128 }, url: 'http://origin.example.com/status', method: 'GET', receive: 'OK',
    });
    expect(plans.warnings).toEqual([]);
    const bad = virtualOf({ service: 'http_proxy', request: '/status', reals: [proxy] });
    expect(plansOf(bad).warnings).toEqual(['virtual service tcp:10.0.0.1:80: http_proxy request "status" is not an absolute http:// URL']);
  });
});

describe('buildCheckPlans: check ports (ld_checkport)', () => {
  const fwm = { kind: 'fwmark', mark: 5 } as const;
  it.each([
    { name: 'checkport wins', virtual: { checkport: 9000, checktype: { kind: 'connect' } }, real: realOf('10.0.0.2', 80), port: 9000 },
    { name: 'else the real port', virtual: { checktype: { kind: 'connect' } }, real: realOf('10.0.0.2', 8080), port: 8080 },
    { name: 'else the service default port', virtual: { endpoint: fwm, service: 'https' }, real: realOf('10.0.0.2', 0), port: 443 },
    { name: 'smtp default port', virtual: { endpoint: fwm, service: 'smtp' }, real: realOf('10.0.0.2', 0), port: 25 },
  ] as { name: string; virtual: Partial<Virtual>; real: RealServer; port: number }[])('$name', ({ virtual, real, port }) => {
    const v = virtualOf({ ...virtual, reals: [real] });
    const spec = single(planOf(v, real)).spec;
    expect('target' in spec ? spec.target.port : undefined).toBe(port);
  });

  it('warns when a real has no port, no checkport and the service has no default', () => {
    const real = realOf('10.0.0.2', 0);
    const v = virtualOf({ endpoint: fwm, service: 'none', checktype: { kind: 'connect' }, reals: [real] });
    expect(plansOf(v).warnings).toEqual([
      'real server 10.0.0.2:0 of virtual service fwm:5 has no check port (port 0 and no default port for service none); its checks will fail until checkport is set',
    ]);
  });
});

describe('buildCheckPlans: check types and timeouts', () => {
  const r = realOf('10.0.0.2', 80);
  const timing = { checkTimeoutSec: 3, negotiateTimeoutSec: 7, checkCount: 2, checkIntervalSec: 4 };

  it.each([
    { checktype: { kind: 'negotiate' }, spec: { kind: 'http' }, timeoutMs: 7000 },
    { checktype: { kind: 'connect' }, spec: { kind: 'connect', protocol: 'tcp' }, timeoutMs: 3000 },
    { checktype: { kind: 'ping' }, spec: { kind: 'ping', count: 2, attemptTimeoutMs: 3000 }, timeoutMs: 2 * 3000 + 1000 },
    { checktype: { kind: 'external' }, spec: { kind: 'external', command: '/bin/true' }, timeoutMs: 3000 },
    { checktype: { kind: 'external-perl' }, spec: { kind: 'external-perl', script: '/bin/true' }, timeoutMs: 3000 },
  ] as { checktype: Virtual['checktype']; spec: Partial<CheckSpec>; timeoutMs: number }[])('$checktype.kind', ({ checktype, spec, timeoutMs }) => {
    const v = virtualOf({ ...timing, checktype, reals: [r] });
    const plan = planOf(v, r);
    expect(plan.intervalMs).toBe(4000);
    expect(single(plan)).toMatchObject({ spec, timeoutMs });
  });

  it('turns checktype=connect on a UDP virtual into ping (ldirectord)', () => {
    const v = virtualOf({ ...timing, endpoint: { kind: 'addr', protocol: 'udp', address: '10.0.0.1', port: 53 }, checktype: { kind: 'connect' }, reals: [realOf('10.0.0.2', 53)] });
    expect(planOf(v, v.reals[0]!).mode).toEqual({
      kind: 'single',
      spec: { kind: 'ping', target: { family: 4, address: '10.0.0.2', port: 53 }, count: 2, attemptTimeoutMs: 3000 },
      timeoutMs: 7000,
    });
  });

  it('maps on and off to their modes', () => {
    for (const kind of ['on', 'off'] as const) {
      const v = virtualOf({ checktype: { kind }, reals: [r] });
      expect(planOf(v, r).mode).toEqual({ kind });
    }
  });

  it('builds combined mode: negotiate every N+1th pass, connect in between, each with its own timeout', () => {
    const v = virtualOf({ ...timing, checktype: { kind: 'combined', negotiateEvery: 3 }, receive: 'OK', reals: [r] });
    const mode: CheckMode = planOf(v, r).mode;
    expect(mode).toEqual({
      kind: 'combined',
      negotiate: expect.objectContaining({ kind: 'http', url: 'http://10.0.0.2:80/', receive: 'OK' }),
      negotiateTimeoutMs: 7000,
      connect: { kind: 'connect', target: { family: 4, address: '10.0.0.2', port: 80 }, protocol: 'tcp' },
      connectTimeoutMs: 3000,
      every: 3,
    });
  });

  it('keeps the combined connect a real UDP connect on a UDP virtual (it always passes, as in ldirectord)', () => {
    const udp = virtualOf({ endpoint: { kind: 'addr', protocol: 'udp', address: '10.0.0.1', port: 53 }, service: 'dns', checktype: { kind: 'combined', negotiateEvery: 2 }, reals: [realOf('10.0.0.2', 53)] });
    const mode = planOf(udp, udp.reals[0]!).mode;
    expect(mode).toMatchObject({ kind: 'combined', connect: { kind: 'connect', protocol: 'udp' }, negotiate: { kind: 'service', service: 'dns', protocol: 'udp' } });
  });

  it('passes external commands <vip|fwmark> <vport> <rip> <rport>, IPv6 bracketed, fwmark vport 0', () => {
    const rows: [Partial<Virtual>, RealServer, string[]][] = [
      [{}, realOf('10.0.0.2', 8080), ['10.0.0.1', '80', '10.0.0.2', '8080']],
      [{ endpoint: { kind: 'fwmark', mark: 5 } }, realOf('10.0.0.2', 0), ['5', '0', '10.0.0.2', '0']],
      [{ endpoint: v6(), family: 6 }, realOf('2001:db8::2', 80), ['[2001:db8::1]', '80', '[2001:db8::2]', '80']],
    ];
    for (const [virtual, real, args] of rows) {
      for (const kind of ['external', 'external-perl'] as const) {
        const v = virtualOf({ ...virtual, checktype: { kind }, checkcommand: '/usr/local/bin/check', reals: [real] });
        expect(single(planOf(v, real)).spec).toMatchObject({ kind, args });
      }
    }
  });
});

describe('buildCheckPlans: other services', () => {
  const r = realOf('10.0.0.2', 0);
  const fwm = { kind: 'fwmark', mark: 7 } as const;

  it('sends simpletcp the request without its "/" and with only \\n translated', () => {
    const real = realOf('10.0.0.2', 7000);
    const v = virtualOf({ service: 'simpletcp', request: '/GET status\\r\\n\\n', receive: 'ready', reals: [real] });
    expect(planOf(v, real).mode).toEqual({
      kind: 'single',
      spec: { kind: 'simpletcp', target: { family: 4, address: '10.0.0.2', port: 7000 }, send: 'GET status\\r\n\n', receive: 'ready' },
      timeoutMs: 30_000,
    });
  });

  it('makes service=none a probe-free check', () => {
    const v = virtualOf({ endpoint: fwm, service: 'none', reals: [r] });
    expect(single(planOf(v, r)).spec).toEqual({ kind: 'none' });
  });

  it('routes the other services to their protocol checks with ldirectord\'s timeouts, and no warning', () => {
    const rows: [Virtual['service'], number][] = [['smtp', 30_000], ['ldap', 5000], ['radius', 5000], ['mysql', 30_000]];
    for (const [service, timeoutMs] of rows) {
      const v = virtualOf({ endpoint: fwm, service, login: 'u', reals: [r] });
      const plans = plansOf(v);
      expect(single(planOf(v, r, plans))).toMatchObject({ spec: { kind: 'service', service, protocol: 'tcp', login: 'u' }, timeoutMs });
      expect(plans.warnings).toEqual([]);
    }
  });

  it('checks DNS over TCP only on a tcp virtual, as ldirectord sets usevc (fwm goes over UDP)', () => {
    const protocolOf = (endpoint: Virtual['endpoint']): unknown => {
      const v = virtualOf({ endpoint, service: 'dns', receive: '10.0.0.9', reals: [realOf('10.0.0.2', 53)] });
      return single(planOf(v, v.reals[0]!)).spec;
    };
    expect(protocolOf({ kind: 'addr', protocol: 'tcp', address: '10.0.0.1', port: 53 })).toMatchObject({ protocol: 'tcp' });
    expect(protocolOf({ kind: 'addr', protocol: 'udp', address: '10.0.0.1', port: 53 })).toMatchObject({ protocol: 'udp' });
    expect(protocolOf(fwm)).toMatchObject({ protocol: 'udp' });
  });

  it('fills ftp and sip logins from the hostname when the config leaves them empty', () => {
    const ftp = virtualOf({ endpoint: fwm, service: 'ftp', reals: [r] });
    expect(single(planOf(ftp, r)).spec).toMatchObject({ login: 'anonymous', passwd: 'ldirectord@director1' });
    const sip = virtualOf({ endpoint: fwm, service: 'sip', reals: [r] });
    expect(single(planOf(sip, r)).spec).toMatchObject({ login: 'ldirectord@director1', passwd: '' });
    const given = virtualOf({ endpoint: fwm, service: 'ftp', login: 'joe', passwd: 'secret', reals: [r] });
    expect(single(planOf(given, r)).spec).toMatchObject({ login: 'joe', passwd: 'secret' });
  });
});

describe('buildCheckPlans: one check per distinct probe', () => {
  const shared = realOf('10.0.0.2', 80);
  const a = { kind: 'addr', protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
  const b = { kind: 'addr', protocol: 'tcp', address: '10.0.0.3', port: 80 } as const;

  it('runs a real shared by two virtuals with identical checks once, feeding both', () => {
    const va = virtualOf({ endpoint: a, receive: 'OK', reals: [shared, realOf('10.0.0.4', 80)] });
    const vb = virtualOf({ endpoint: b, receive: 'OK', reals: [{ ...shared, weight: 5, forward: 'gate' }] });
    const plans = plansOf(va, vb);
    expect(plans.plans.size).toBe(2);
    const key = plans.checkOf.get(realKey(va.key, shared));
    expect(key).toBeDefined();
    expect(plans.checkOf.get(realKey(vb.key, shared))).toBe(key);
    expect(plans.subscribers.get(key!)).toEqual([
      { virtual: va.key, real: realKey(va.key, shared) },
      { virtual: vb.key, real: realKey(vb.key, shared) },
    ]);
  });

  it.each([
    ['receive', { receive: 'Other' }],
    ['request', { request: '/other' }],
    ['virtualhost', { virtualhost: 'www.example.com' }],
    ['negotiate timeout', { negotiateTimeoutSec: 10 }],
    ['interval', { checkIntervalSec: 5 }],
    ['checktype', { checktype: { kind: 'connect' } }],
    ['combined count', { checktype: { kind: 'combined', negotiateEvery: 4 } }],
    ['method', { httpmethod: 'HEAD' }],
    ['checkport', { checkport: 81 }],
  ] as [string, Partial<Virtual>][])('gives separate checks when the %s differs', (_name, change) => {
    const va = virtualOf({ endpoint: a, reals: [shared] });
    const vb = virtualOf({ endpoint: b, reals: [shared], ...change });
    const plans = plansOf(va, vb);
    expect(plans.plans.size).toBe(2);
    expect(plans.checkOf.get(realKey(va.key, shared))).not.toBe(plans.checkOf.get(realKey(vb.key, shared)));
  });

  it('keeps external checks apart per virtual, since the arguments name the virtual', () => {
    const ext = { checktype: { kind: 'external' }, checkcommand: '/bin/check' } as const;
    const plans = plansOf(virtualOf({ endpoint: a, ...ext, reals: [shared] }), virtualOf({ endpoint: b, ...ext, reals: [shared] }));
    expect(plans.plans.size).toBe(2);
  });
});

describe('checkKeyOf', () => {
  it('is derived from content only: same content in another key order gives the same key', () => {
    const target = { family: 4, address: '10.0.0.2', port: 80 } as const;
    const one = checkKeyOf({ intervalMs: 10_000, mode: { kind: 'single', spec: { kind: 'connect', target, protocol: 'tcp' }, timeoutMs: 5000 } });
    const two = checkKeyOf({ mode: { timeoutMs: 5000, spec: { protocol: 'tcp', target: { port: 80, address: '10.0.0.2', family: 4 }, kind: 'connect' }, kind: 'single' }, intervalMs: 10_000 });
    expect(two).toBe(one);
    expect(one).toMatch(/^connect tcp 10\.0\.0\.2:80 #[0-9a-f]{16}$/);
  });

  it('differs when only the timeout differs', () => {
    const spec: CheckSpec = { kind: 'ping', target: { family: 6, address: '::1', port: 0 }, count: 1, attemptTimeoutMs: 1000 };
    expect(checkKeyOf({ intervalMs: 1000, mode: { kind: 'single', spec, timeoutMs: 2000 } }))
      .not.toBe(checkKeyOf({ intervalMs: 1000, mode: { kind: 'single', spec, timeoutMs: 3000 } }));
  });

  it('is the key the plan carries', () => {
    const v = virtualOf({ reals: [realOf('10.0.0.2', 80)] });
    const [plan] = [...plansOf(v).plans.values()];
    expect(plan?.key).toBe(checkKeyOf({ intervalMs: plan!.intervalMs, mode: plan!.mode }));
  });
});
