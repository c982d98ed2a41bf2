import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckKey, CheckResult } from '../../src/checks/types.js';
import { realKey, virtualKey, type RealKey } from '../../src/config/keys.js';
import type { CheckType, RealServer, Virtual } from '../../src/config/model.js';
import type { HealthState } from '../../src/health/health-state.js';
import { HealthStore, type HealthTransition, type RealRef } from '../../src/health/store.js';
import { MemoryLog } from '../../src/observe/log.js';
import { systemClock } from '../../src/util/clock.js';

function real(address: string, port: number): RealServer {
  return { line: 3, family: address.includes(':') ? 6 : 4, address, port, forward: 'masq', weight: 1, lowerThreshold: 0, upperThreshold: 0 };
}

function virtual(address: string, port: number, reals: RealServer[], over: Partial<Virtual> = {}): Virtual {
  const family = address.includes(':') ? 6 : 4;
  const endpoint = { kind: 'addr', protocol: 'tcp', address, port } as const;
  return {
    key: virtualKey(endpoint, family), line: 1, family, endpoint, label: '', protocol: 'tcp', service: 'http',
    checktype: { kind: 'negotiate' } as CheckType, request: '/', receive: '', httpmethod: 'GET', login: '', passwd: '',
    database: '', secret: '', checkcommand: '/bin/true', checkTimeoutSec: 5, negotiateTimeoutSec: 30, checkIntervalSec: 10,
    checkCount: 1, failureCount: 1, riseCount: 1, tls: { verify: false }, quiescent: false, cleanstop: true, scheduler: 'wrr',
    ops: false, emailalert: [], emailalertfreq: 0, emailalertstatus: [], reals, ...over,
  };
}

/** Wiring as checks/plan.ts produces it: one check key per real address, shared across virtuals. */
function wiring(virtuals: readonly Virtual[], keyOf: (v: Virtual, r: RealServer) => string = (_v, r) => `chk:${r.address}:${r.port}`) {
  const subscribers = new Map<CheckKey, RealRef[]>();
  const checkOf = new Map<RealKey, CheckKey>();
  for (const v of virtuals) {
    for (const r of v.reals) {
      const key = keyOf(v, r) as CheckKey;
      const ref = { virtual: v.key, real: realKey(v.key, r) };
      checkOf.set(ref.real, key);
      subscribers.set(key, [...(subscribers.get(key) ?? []), ref]);
    }
  }
  return { subscribers, checkOf };
}

const pass: CheckResult = { ok: true, detail: 'HTTP 200', durationMs: 3 };
const fail: CheckResult = { ok: false, reason: 'refused', detail: 'connection refused', durationMs: 1 };
const maint: CheckResult = { ok: false, reason: 'maintenance', detail: 'Server in maintenance', durationMs: 0 };
const K = (s: string) => s as CheckKey;

function setup(virtuals: Virtual[], seed: (ref: RealRef) => HealthState | undefined = () => undefined) {
  const log = new MemoryLog();
  const changes = vi.fn();
  const seen: HealthTransition[] = [];
  const store = new HealthStore({ log, clock: systemClock, onChange: changes, onTransition: (t) => seen.push(t) });
  const w = wiring(virtuals);
  store.configure(virtuals, w.subscribers, w.checkOf, seed);
  return { store, log, changes, seen, w };
}

beforeEach(() => { vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') }); });
afterEach(() => { vi.useRealTimers(); });

describe('HealthStore', () => {
  const r1 = real('10.0.0.2', 80);
  const v1 = virtual('10.0.0.1', 80, [r1], { failureCount: 3 });
  const rk1 = realKey(v1.key, r1);

  it('starts from the seed, or unknown', () => {
    const r2 = real('10.0.0.3', 80);
    const v = virtual('10.0.0.1', 80, [r1, r2]);
    const { store } = setup([v], (ref) => (ref.real === realKey(v.key, r1) ? 'up' : undefined));
    expect(store.stateOf(realKey(v.key, r1))).toBe('up');
    expect(store.stateOf(realKey(v.key, r2))).toBe('unknown');
    expect(store.stateOf('tcp:10.9.9.9:80/10.9.9.9:80' as RealKey)).toBe('unknown');
  });

  it("writes ldirectord's soft failure and reset lines", () => {
    const { store, log, changes } = setup([v1], () => 'up');
    store.apply(K('chk:10.0.0.2:80'), fail);
    store.apply(K('chk:10.0.0.2:80'), fail);
    store.apply(K('chk:10.0.0.2:80'), pass);
    expect(log.messages()).toEqual([
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 1/3',
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 2/3',
      'Resetting soft failure count: 10.0.0.2:80 (tcp:10.0.0.1:80)',
    ]);
    expect(log.lines.every((l) => l.level === 'info')).toBe(true);
    expect(changes).not.toHaveBeenCalled();
  });

  it('brackets IPv6 reals and uses the v6 virtual key', () => {
    const r6 = real('2001:db8::2', 8080);
    const v6 = virtual('2001:db8::1', 80, [r6], { failureCount: 2 });
    const { store, log } = setup([v6], () => 'up');
    store.apply(K('chk:2001:db8::2:8080'), fail);
    store.apply(K('chk:2001:db8::2:8080'), pass);
    expect(log.messages()).toEqual([
      'Soft failure real server: [2001:db8::2]:8080 (tcp:[2001:db8::1]:80) failure 1/2',
      'Resetting soft failure count: [2001:db8::2]:8080 (tcp:[2001:db8::1]:80)',
    ]);
  });

  it('reports transitions, returns them, and calls onChange once per apply that changed something', () => {
    const { store, changes, seen } = setup([v1], () => 'up');
    for (let i = 0; i < 2; i++) expect(store.apply(K('chk:10.0.0.2:80'), fail)).toEqual([]);
    vi.setSystemTime(new Date('2025-01-01T00:01:00Z'));
    const t = store.apply(K('chk:10.0.0.2:80'), fail);
    expect(t).toEqual([{ virtual: v1.key, real: rk1, from: 'up', to: 'down', result: fail, at: Date.parse('2025-01-01T00:01:00Z') }]);
    expect(seen).toEqual(t);
    expect(changes).toHaveBeenCalledTimes(1);
    expect(store.apply(K('chk:10.0.0.2:80'), fail)).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(1);
    expect(store.stateOf(rk1)).toBe('down');
  });

  it('counts a check shared by two virtuals once per virtual (ldirectord counts it k times)', () => {
    const va = virtual('10.0.0.1', 80, [r1], { failureCount: 2 });
    const vb = virtual('10.0.0.5', 80, [r1], { failureCount: 2 });
    const { store, log } = setup([va, vb], () => 'up');
    store.apply(K('chk:10.0.0.2:80'), fail);
    expect(log.messages()).toEqual([
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 1/2',
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.5:80) failure 1/2',
    ]);
    expect(store.stateOf(realKey(va.key, r1))).toBe('up');
    expect(store.stateOf(realKey(vb.key, r1))).toBe('up');
    const t = store.apply(K('chk:10.0.0.2:80'), fail);
    expect(t.map((x) => [x.virtual, x.to])).toEqual([[va.key, 'down'], [vb.key, 'down']]);
  });

  it("applies each virtual's own policy to a shared result", () => {
    const va = virtual('10.0.0.1', 80, [r1], { failureCount: 1 });
    const vb = virtual('10.0.0.5', 80, [r1], { failureCount: 3 });
    const { store } = setup([va, vb], () => 'up');
    store.apply(K('chk:10.0.0.2:80'), fail);
    expect(store.stateOf(realKey(va.key, r1))).toBe('down');
    expect(store.stateOf(realKey(vb.key, r1))).toBe('up');
  });

  it('takes a real in maintenance down at once, whatever failurecount says', () => {
    const { store } = setup([v1], () => 'up');
    expect(store.apply(K('chk:10.0.0.2:80'), maint).map((t) => t.to)).toEqual(['down']);
  });

  it('ignores results for checks it does not know', () => {
    const { store, changes } = setup([v1], () => 'up');
    expect(store.apply(K('chk:10.9.9.9:80'), fail)).toEqual([]);
    expect(changes).not.toHaveBeenCalled();
  });

  it('keeps checktype=on reals up and checktype=off reals at their seed or down', () => {
    const on = virtual('10.0.0.1', 80, [r1], { checktype: { kind: 'on' } });
    const off = virtual('10.0.0.6', 80, [real('10.0.0.7', 80), real('10.0.0.8', 80)], { checktype: { kind: 'off' } });
    const { store } = setup([on, off], (ref) => (ref.real.endsWith('10.0.0.7:80') ? 'up' : undefined));
    expect(store.stateOf(realKey(on.key, r1))).toBe('up');
    expect(store.stateOf(realKey(off.key, real('10.0.0.7', 80)))).toBe('up');
    expect(store.stateOf(realKey(off.key, real('10.0.0.8', 80)))).toBe('down');
    store.apply(K('chk:10.0.0.2:80'), fail);
    store.apply(K('chk:10.0.0.7:80'), fail);
    store.apply(K('chk:10.0.0.8:80'), pass);
    expect([...store.snapshot().values()].map((s) => s.state)).toEqual(['up', 'up', 'down']);
  });

  describe('configure() on reload', () => {
    it('carries over the health of an unchanged real, soft failures included', () => {
      const { store, log, w } = setup([v1], () => 'up');
      store.apply(K('chk:10.0.0.2:80'), fail);
      store.configure([v1], w.subscribers, w.checkOf, () => 'down');
      store.apply(K('chk:10.0.0.2:80'), fail);
      expect(log.messages().at(-1)).toBe('Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 2/3');
      expect(store.stateOf(rk1)).toBe('up');
    });

    it('starts over from the seed when the policy changed', () => {
      const { store, w } = setup([v1], () => 'up');
      store.apply(K('chk:10.0.0.2:80'), fail);
      const changed = virtual('10.0.0.1', 80, [r1], { failureCount: 3, riseCount: 2 });
      store.configure([changed], w.subscribers, w.checkOf, () => 'down');
      expect(store.stateOf(rk1)).toBe('down');
      expect(store.snapshot().get(rk1)?.failCount).toBe(0);
    });

    it('starts over from the seed when the check key changed', () => {
      const { store } = setup([v1], () => 'up');
      store.apply(K('chk:10.0.0.2:80'), fail);
      const w2 = wiring([v1], () => 'chk:other');
      store.configure([v1], w2.subscribers, w2.checkOf, () => undefined);
      expect(store.stateOf(rk1)).toBe('unknown');
      store.apply(K('chk:10.0.0.2:80'), pass);
      expect(store.stateOf(rk1)).toBe('unknown');
      store.apply(K('chk:other'), pass);
      expect(store.stateOf(rk1)).toBe('up');
    });

    it('drops reals that left the configuration', () => {
      const { store } = setup([v1], () => 'up');
      store.configure([], new Map(), new Map(), () => 'up');
      expect(store.snapshot().size).toBe(0);
      expect(store.stateOf(rk1)).toBe('unknown');
    });
  });

  it('snapshot() shows state, counters, policy, last result and since when', () => {
    const { store } = setup([v1], () => 'up');
    const t0 = Date.now();
    vi.setSystemTime(t0 + 5_000);
    store.apply(K('chk:10.0.0.2:80'), fail);
    expect(store.snapshot().get(rk1)).toEqual({
      virtual: v1.key, real: rk1, endpoint: '10.0.0.2:80', check: 'chk:10.0.0.2:80', state: 'up', failCount: 1, passStreak: 0,
      policy: { failureCount: 3, riseCount: 1 }, since: t0, lastResult: fail, lastResultAt: t0 + 5_000,
    });
    vi.setSystemTime(t0 + 9_000);
    store.apply(K('chk:10.0.0.2:80'), fail);
    store.apply(K('chk:10.0.0.2:80'), fail);
    expect(store.snapshot().get(rk1)).toMatchObject({ state: 'down', since: t0 + 9_000 });
  });
});
