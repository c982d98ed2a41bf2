import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { CheckKey, CheckPlan, CheckResult } from '../../src/checks/types.js';
import { realKey, virtualKey } from '../../src/config/keys.js';
import type { RealServer, Virtual } from '../../src/config/model.js';
import { phaseOf } from '../../src/health/phase.js';
import { CheckScheduler } from '../../src/health/scheduler.js';
import { HealthStore, type HealthTransition } from '../../src/health/store.js';
import { MemoryLog } from '../../src/observe/log.js';
import { systemClock } from '../../src/util/clock.js';

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

const r: RealServer = { line: 3, family: 4, address: '127.0.0.2', port: 8080, forward: 'masq', weight: 1, lowerThreshold: 0, upperThreshold: 0 };

function virtual(address: string): Virtual {
  const endpoint = { kind: 'addr', protocol: 'tcp', address, port: 80 } as const;
  return {
    key: virtualKey(endpoint, 4), line: 1, family: 4, endpoint, label: `${address}:80`, protocol: 'tcp', service: 'http',
    checktype: { kind: 'connect' }, request: '/', receive: '', httpmethod: 'GET', login: '', passwd: '', database: '',
    secret: '', checkcommand: '/bin/true', checkTimeoutSec: 5, negotiateTimeoutSec: 30, checkIntervalSec: 10, checkCount: 1,
    failureCount: 3, riseCount: 1, tls: { verify: false }, quiescent: false, cleanstop: true, scheduler: 'wrr', ops: false,
    emailalert: [], emailalertfreq: 0, emailalertstatus: [], reals: [r],
  };
}

it('scheduler → store: a real shared by two virtuals falls after failurecount checks, at exact times (scripted fake checker)', async () => {
  const va = virtual('127.0.0.100');
  const vb = virtual('127.0.0.101');
  const key = 'connect:127.0.0.2:8080' as CheckKey;
  const refs = [va, vb].map((v) => ({ virtual: v.key, real: realKey(v.key, r) }));
  const log = new MemoryLog();
  const transitions: (HealthTransition & { t: number })[] = [];
  const store = new HealthStore({ log, clock: systemClock, onTransition: (t) => transitions.push({ ...t, t: performance.now() }) });
  store.configure([va, vb], new Map([[key, refs]]), new Map(refs.map((ref) => [ref.real, key])), () => 'up');

  let healthy = true;
  const scheduler = new CheckScheduler({
    clock: systemClock,
    run: async (): Promise<CheckResult> => (healthy
      ? { ok: true, detail: 'connected', durationMs: 0 }
      : { ok: false, reason: 'refused', detail: 'connect ECONNREFUSED 127.0.0.2:8080', durationMs: 0 }),
    onResult: (k, result) => store.apply(k, result),
    maxInFlight: 8,
  });
  const plan: CheckPlan = { key, intervalMs: 10_000, mode: { kind: 'single', spec: { kind: 'connect', target: { family: 4, address: '127.0.0.2', port: 8080 }, protocol: 'tcp' }, timeoutMs: 5_000 } };
  scheduler.sync(new Map([[key, plan]]));
  const p = phaseOf(key, 10_000);

  await vi.advanceTimersByTimeAsync(p + 1);
  healthy = false;
  await vi.advanceTimersByTimeAsync(30_000);
  expect(log.messages()).toEqual([
    'Soft failure real server: 127.0.0.2:8080 (tcp:127.0.0.100:80) failure 1/3',
    'Soft failure real server: 127.0.0.2:8080 (tcp:127.0.0.101:80) failure 1/3',
    'Soft failure real server: 127.0.0.2:8080 (tcp:127.0.0.100:80) failure 2/3',
    'Soft failure real server: 127.0.0.2:8080 (tcp:127.0.0.101:80) failure 2/3',
  ]);
  expect(transitions.map((t) => [t.virtual, t.to, t.t])).toEqual([
    [va.key, 'down', p + 30_000],
    [vb.key, 'down', p + 30_000],
  ]);
  healthy = true;
  await vi.advanceTimersByTimeAsync(10_000);
  expect(transitions.slice(2).map((t) => [t.to, t.t])).toEqual([['up', p + 40_000], ['up', p + 40_000]]);
  expect(log.messages().slice(4)).toEqual([
    'Resetting soft failure count: 127.0.0.2:8080 (tcp:127.0.0.100:80)',
    'Resetting soft failure count: 127.0.0.2:8080 (tcp:127.0.0.101:80)',
  ]);
  await scheduler.stop();
});
