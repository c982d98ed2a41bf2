import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../src/desired/compute.js';
import { fallbackActive, type DesiredService, type DesiredTable } from '../../src/desired/types.js';
import type { HealthState } from '../../src/health/health-state.js';
import { SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, type IpvsDest } from '../../src/ipvs/types.js';
import type { Virtual } from '../../src/config/model.js';
import { config, fallback, health, real, virtual } from './build.js';

function only(table: DesiredTable): DesiredService {
  expect(table.services.size).toBe(1);
  const [svc] = table.services.values();
  if (!svc) throw new Error('no service');
  return svc;
}

function one(v: Virtual, states: Record<string, HealthState> = {}, dflt: HealthState = 'up', readdquiescent = false): DesiredService {
  return only(computeDesired(config([v], { readdquiescent }), health(states, dflt)));
}

/** Dests as `key weight presence` text, sorted: compact rows to compare. */
function destRows(svc: DesiredService): string[] {
  return [...svc.dests]
    .map(([k, d]) => `${k} ${d.dest.forward} w${d.dest.weight} x${d.dest.upperThreshold} y${d.dest.lowerThreshold} ${d.presence}`)
    .sort();
}

describe('computeDesired: service', () => {
  it('translates an address virtual with defaults', () => {
    const svc = one(virtual('tcp 10.0.0.1:80'));
    expect(svc.service).toEqual({
      id: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
      scheduler: 'wrr',
      flags: 0,
      timeoutSec: 0,
      netmask: '255.255.255.255',
    });
    expect(svc.virtualKey).toBe('tcp:10.0.0.1:80');
    expect(svc.virtualLabel).toBe('10.0.0.1:80');
  });

  it.each([
    ['persistent with netmask', { persistentSec: 300, netmask: '255.255.255.0' }, SVC_F_PERSISTENT, 300, '255.255.255.0'],
    ['persistent without netmask', { persistentSec: 600 }, SVC_F_PERSISTENT, 600, '255.255.255.255'],
    ['netmask without persistent is ignored (ldirectord emits -M only with -p)', { netmask: '255.255.0.0' }, 0, 0, '255.255.255.255'],
    ['ops on tcp does nothing', { ops: true }, 0, 0, '255.255.255.255'],
    ['sh flags', { scheduler: 'sh', schedflags: 'sh-fallback,sh-port' }, SVC_F_SCHED1 | SVC_F_SCHED2, 0, '255.255.255.255'],
    ['generic flags with spaces and case', { schedflags: 'flag-3, MH-port' }, SVC_F_SCHED2 | SVC_F_SCHED3, 0, '255.255.255.255'],
    ['mh-fallback', { scheduler: 'mh', schedflags: 'mh-fallback' }, SVC_F_SCHED1, 0, '255.255.255.255'],
    ['unknown flag names add nothing', { schedflags: 'bogus,flag-1' }, SVC_F_SCHED1, 0, '255.255.255.255'],
  ] as const)('%s', (_name, overrides, flags, timeoutSec, netmask) => {
    const svc = one(virtual('tcp 10.0.0.1:80', overrides));
    expect(svc.service.flags).toBe(flags);
    expect(svc.service.timeoutSec).toBe(timeoutSec);
    expect(svc.service.netmask).toBe(netmask);
  });

  it('ops=yes on udp sets one-packet scheduling', () => {
    const svc = one(virtual('udp 10.0.0.1:53', { ops: true }));
    expect(svc.service.id).toMatchObject({ protocol: 'udp' });
    expect(svc.service.flags).toBe(SVC_F_ONEPACKET);
  });

  it('IPv6: netmask is a prefix length, 128 unless persistent with one', () => {
    expect(one(virtual('tcp [2001:db8::1]:80')).service.netmask).toBe(128);
    expect(one(virtual('tcp [2001:db8::1]:80', { netmask: '64' })).service.netmask).toBe(128);
    const svc = one(virtual('tcp [2001:db8::1]:80', { persistentSec: 60, netmask: '64' }));
    expect(svc.service).toMatchObject({ netmask: 64, flags: SVC_F_PERSISTENT, timeoutSec: 60 });
    expect(svc.service.id).toEqual({ kind: 'addr', family: 6, protocol: 'tcp', address: '2001:db8::1', port: 80 });
    expect(svc.virtualLabel).toBe('[2001:db8::1]:80');
  });

  it('fwmark keeps its family', () => {
    expect(one(virtual('fwm 5')).service.id).toEqual({ kind: 'fwmark', family: 4, mark: 5 });
    const v6 = computeDesired(config([virtual('fwm6 5')]), health({}));
    expect([...v6.services.keys()]).toEqual(['fwm6 5']);
    expect(only(v6).service).toMatchObject({ id: { kind: 'fwmark', family: 6, mark: 5 }, netmask: 128 });
  });

  it('maps every virtual by key', () => {
    const table = computeDesired(
      config([virtual('tcp 10.0.0.1:80'), virtual('udp 10.0.0.1:53'), virtual('fwm 7')]),
      health({}),
    );
    expect([...table.services.keys()]).toEqual(['tcp 10.0.0.1:80', 'udp 10.0.0.1:53', 'fwm 7']);
    expect([...table.byVirtual]).toEqual([
      ['tcp:10.0.0.1:80', 'tcp 10.0.0.1:80'],
      ['udp:10.0.0.1:53', 'udp 10.0.0.1:53'],
      ['fwm:7', 'fwm 7'],
    ]);
  });
});

describe('computeDesired: dest ports and forwarding', () => {
  it.each([
    ['gate takes the virtual port', 'tcp 10.0.0.1:80', real('10.0.0.2', 8080, 'gate'), '10.0.0.2:80 route'],
    ['ipip takes the virtual port', 'tcp 10.0.0.1:80', real('10.0.0.2', 8080, 'ipip'), '10.0.0.2:80 tunnel'],
    ['masq keeps its port', 'tcp 10.0.0.1:80', real('10.0.0.2', 8080, 'masq'), '10.0.0.2:8080 masq'],
    ['masq with port 0 takes the virtual port', 'tcp 10.0.0.1:80', real('10.0.0.2', 0, 'masq'), '10.0.0.2:80 masq'],
    ['fwmark keeps the real port', 'fwm 5', real('10.0.0.2', 8080, 'gate'), '10.0.0.2:8080 route'],
    ['fwmark with no port keeps 0', 'fwm 5', real('10.0.0.2', 0, 'gate'), '10.0.0.2:0 route'],
    ['IPv6 gate', 'tcp [2001:db8::1]:443', real('2001:db8::2', 8443, 'gate'), '[2001:db8::2]:443 route'],
  ] as const)('%s', (_name, endpoint, r, expected) => {
    const svc = one(virtual(endpoint, { reals: [r] }));
    const [key, entry] = [...svc.dests][0] ?? [];
    expect(`${key} ${entry?.dest.forward}`).toBe(expected);
    expect(entry?.dest.family).toBe(r.family);
  });

  it('keeps the configured address:port in the origin of a mapped dest', () => {
    const svc = one(virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate')] }));
    expect(svc.origins.get('10.0.0.2:80' as never)).toEqual({
      role: 'real',
      configured: '10.0.0.2:8080',
      configuredPort: 8080,
      virtualLabel: '10.0.0.1:80',
      virtualKey: 'tcp:10.0.0.1:80',
      realKey: 'tcp:10.0.0.1:80/10.0.0.2:8080',
      health: 'up',
    });
  });
});

describe('computeDesired: reals by health', () => {
  const reals = [real('10.0.0.2', 80, 'gate', 3, { lower: 5, upper: 50 })];
  it.each([
    // [state, quiescent, readdquiescent, rows]
    ['up', false, false, ['10.0.0.2:80 route w3 x50 y5 required']],
    ['up', true, true, ['10.0.0.2:80 route w3 x50 y5 required']],
    ['down', false, false, []],
    ['unknown', false, true, []],
    ['down', true, false, ['10.0.0.2:80 route w0 x0 y0 if-present']],
    ['down', true, true, ['10.0.0.2:80 route w0 x0 y0 required']],
    ['unknown', true, false, ['10.0.0.2:80 route w0 x0 y0 required']],
    ['unknown', true, true, ['10.0.0.2:80 route w0 x0 y0 required']],
  ] as const)('%s, quiescent=%s, readdquiescent=%s', (state, quiescent, readd, rows) => {
    const svc = one(virtual('tcp 10.0.0.1:80', { reals, quiescent }), { '10.0.0.2:80': state }, 'up', readd);
    expect(destRows(svc)).toEqual(rows);
    // The origin is there whether or not the dest is.
    expect(svc.origins.get('10.0.0.2:80' as never)).toMatchObject({ role: 'real', health: state });
  });

  it('each virtual uses its own quiescent', () => {
    const table = computeDesired(
      config([
        virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 80)], quiescent: true }),
        virtual('tcp 10.0.0.1:443', { reals: [real('10.0.0.2', 443)], quiescent: false }),
      ]),
      health({}, 'down'),
    );
    expect([...table.services.values()].map((s) => destRows(s))).toEqual([['10.0.0.2:80 masq w0 x0 y0 if-present'], []]);
  });

  it('two reals on one dest: the first configured wins', () => {
    const svc = one(
      virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate', 2), real('10.0.0.2', 9090, 'gate', 7)] }),
      { '10.0.0.2:9090': 'down' },
    );
    expect(destRows(svc)).toEqual(['10.0.0.2:80 route w2 x0 y0 required']);
    expect(svc.origins.size).toBe(1);
    expect(svc.origins.get('10.0.0.2:80' as never)?.configured).toBe('10.0.0.2:8080');
  });

  it('the first one wins even when it is down and the second is up', () => {
    const svc = one(
      virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate'), real('10.0.0.2', 9090, 'gate')] }),
      { '10.0.0.2:8080': 'down' },
    );
    expect(destRows(svc)).toEqual([]);
    expect(svc.fallbackActive).toBe(true);
  });
});

describe('computeDesired: fallback', () => {
  const fb = fallback('127.0.0.1', 18089, 'masq');
  const reals = [real('127.0.0.1', 18081), real('127.0.0.1', 18082, 'masq', 5)];

  it.each([
    // [states of 18081/18082, quiescent, rows, active]
    [['up', 'up'], true, ['127.0.0.1:18081 masq w1 x0 y0 required', '127.0.0.1:18082 masq w5 x0 y0 required'], false],
    [['down', 'up'], true, ['127.0.0.1:18081 masq w0 x0 y0 if-present', '127.0.0.1:18082 masq w5 x0 y0 required'], false],
    [['down', 'down'], true, ['127.0.0.1:18081 masq w0 x0 y0 if-present', '127.0.0.1:18082 masq w0 x0 y0 if-present', '127.0.0.1:18089 masq w1 x0 y0 required'], true],
    [['down', 'down'], false, ['127.0.0.1:18089 masq w1 x0 y0 required'], true],
    // Unknown is not down: no fallback flash at start-up.
    [['unknown', 'down'], false, [], false],
    [['unknown', 'unknown'], true, ['127.0.0.1:18081 masq w0 x0 y0 required', '127.0.0.1:18082 masq w0 x0 y0 required'], false],
  ] as const)('%j quiescent=%s', ([a, b], quiescent, rows, active) => {
    const v = virtual('tcp 127.0.0.100:80', { reals, quiescent, fallback: fb });
    const table = computeDesired(config([v]), health({ '127.0.0.1:18081': a, '127.0.0.1:18082': b }));
    expect(destRows(only(table))).toEqual(rows);
    expect(only(table).fallbackActive).toBe(active);
    expect(fallbackActive(table, v.key)).toBe(active);
    expect(only(table).origins.get('127.0.0.1:18089' as never)).toEqual({
      role: 'fallback',
      configured: '127.0.0.1:18089',
      configuredPort: 18089,
      virtualLabel: '127.0.0.100:80',
      virtualKey: 'tcp:127.0.0.100:80',
    });
  });

  it('a virtual with no reals gets its fallback', () => {
    const svc = one(virtual('tcp 127.0.0.101:80', { fallback: fb }));
    expect(destRows(svc)).toEqual(['127.0.0.1:18089 masq w1 x0 y0 required']);
    expect(svc.fallbackActive).toBe(true);
  });

  it('fallbackActive holds without a fallback server (fallbackcommand still runs)', () => {
    const table = computeDesired(config([virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 80)] })]), health({}, 'down'));
    expect(fallbackActive(table, 'tcp:10.0.0.1:80' as never)).toBe(true);
    expect(fallbackActive(table, 'tcp:10.9.9.9:80' as never)).toBe(false);
    expect(destRows(only(table))).toEqual([]);
  });

  it('a gate fallback takes the virtual port and keeps its configured text', () => {
    const svc = one(virtual('tcp 127.0.0.100:80', { fallback: fallback('127.0.0.1', 8080) }));
    expect(destRows(svc)).toEqual(['127.0.0.1:80 route w1 x0 y0 required']);
    expect(svc.origins.get('127.0.0.1:80' as never)).toMatchObject({ role: 'fallback', configured: '127.0.0.1:8080', configuredPort: 8080 });
  });

  it('a fallback on a real dest key wins while in, and gives it back when out', () => {
    const v = virtual('tcp 10.0.0.1:80', {
      reals: [real('10.0.0.9', 80, 'masq', 4), real('10.0.0.2', 80)],
      fallback: fallback('10.0.0.9', 80, 'gate'),
      quiescent: true,
    });
    const inSvc = one(v, {}, 'down');
    expect(destRows(inSvc)).toEqual(['10.0.0.2:80 masq w0 x0 y0 if-present', '10.0.0.9:80 route w1 x0 y0 required']);
    expect(inSvc.origins.get('10.0.0.9:80' as never)?.role).toBe('fallback');

    const outSvc = one(v, { '10.0.0.2:80': 'up' }, 'down');
    expect(destRows(outSvc)).toEqual(['10.0.0.2:80 masq w1 x0 y0 required', '10.0.0.9:80 masq w0 x0 y0 if-present']);
    expect(outSvc.origins.get('10.0.0.9:80' as never)).toMatchObject({ role: 'real', health: 'down' });
  });

  it('an IPv6 fwmark fallback keeps its port', () => {
    const svc = one(virtual('fwm6 9', { fallback: fallback('2001:db8::9', 0) }));
    expect(destRows(svc)).toEqual(['[2001:db8::9]:0 route w1 x0 y0 required']);
    const [entry] = svc.dests.values();
    expect(entry?.dest).toEqual<IpvsDest>({
      family: 6,
      address: '2001:db8::9',
      port: 0,
      forward: 'route',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
    });
  });
});
