import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckKey, CheckMode, CheckPlan, CheckResult, CheckSpec } from '../../src/checks/types.js';
import { phaseOf } from '../../src/health/phase.js';
import { CheckScheduler, OVERDUE_GRACE_MS, type CheckSchedulerOptions } from '../../src/health/scheduler.js';
import { systemClock, type Clock } from '../../src/util/clock.js';

/**
 * The checker here is a scripted fake: real probes finish in real time, and these tests pin exact
 * start times under fake timers. Each spec is a `connect` whose port names it.
 */
type Script = (port: number, signal: AbortSignal) => { ms: number; ok: boolean; ignoreAbort?: boolean };

interface Start { readonly port: number; readonly at: number; readonly signal: AbortSignal }

function harness(script: Script, opts: Partial<CheckSchedulerOptions> = {}) {
  const starts: Start[] = [];
  const results: { key: CheckKey; result: CheckResult; at: number }[] = [];
  const run = vi.fn((spec: CheckSpec, signal: AbortSignal) => {
    const port = spec.kind === 'connect' ? spec.target.port : -1;
    const t0 = performance.now();
    starts.push({ port, at: t0, signal });
    const { ms, ok, ignoreAbort } = script(port, signal);
    return new Promise<CheckResult>((resolve) => {
      const timer = setTimeout(() => resolve(ok
        ? { ok: true, detail: `port ${port} ok`, durationMs: ms }
        : { ok: false, reason: 'refused', detail: `port ${port} refused`, durationMs: ms }), ms);
      if (!ignoreAbort) {
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve({ ok: false, reason: 'timeout', detail: `port ${port} aborted`, durationMs: performance.now() - t0 });
        }, { once: true });
      }
    });
  });
  const scheduler = new CheckScheduler({
    clock: systemClock,
    run,
    onResult: (key, result) => results.push({ key, result, at: performance.now() }),
    maxInFlight: 100,
    ...opts,
  });
  return { scheduler, starts, results, run, at: (port: number) => starts.filter((s) => s.port === port).map((s) => s.at) };
}

const spec = (port: number): CheckSpec => ({ kind: 'connect', target: { family: 4, address: '127.0.0.1', port }, protocol: 'tcp' });
const single = (port: number, timeoutMs = 5000): CheckMode => ({ kind: 'single', spec: spec(port), timeoutMs });
const plan = (key: string, intervalMs: number, mode: CheckMode): CheckPlan => ({ key: key as CheckKey, intervalMs, mode });
const plans = (...ps: CheckPlan[]): Map<CheckKey, CheckPlan> => new Map(ps.map((p) => [p.key, p]));
const ok: Script = () => ({ ms: 10, ok: true });
const grid = (phase: number, interval: number, n: number): number[] => Array.from({ length: n }, (_, k) => phase + k * interval);

/** The first `n` keys, in phase order, whose phase for `interval` lies in [lo, hi). */
function keysWithPhaseIn(interval: number, lo: number, hi: number, n: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < n; i++) {
    const key = `k${i}`;
    const p = phaseOf(key, interval);
    if (p >= lo && p < hi) found.push(key);
  }
  return found.sort((a, b) => phaseOf(a, interval) - phaseOf(b, interval));
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('CheckScheduler with a scripted fake checker (real probes cannot run on fake time)', () => {
  it('starts each key at phase + k × interval, the phase a stable hash of the key', async () => {
    const { scheduler, at } = harness(ok);
    scheduler.sync(plans(plan('a', 10_000, single(1)), plan('b', 3_000, single(2))));
    await vi.advanceTimersByTimeAsync(30_000);
    const pa = phaseOf('a', 10_000);
    const pb = phaseOf('b', 3_000);
    expect(at(1)).toEqual(grid(pa, 10_000, 3));
    expect(at(2)).toEqual(grid(pb, 3_000, 10));
    expect(phaseOf('a', 10_000)).toBe(pa);
    await scheduler.stop();
  });

  it('spreads many keys over the interval', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => phaseOf(`tcp:10.0.${i >> 8}.${i & 255}:80`, 10_000));
    const perSecond = new Array<number>(10).fill(0);
    for (const p of phases) perSecond[Math.floor(p / 1000)]! += 1;
    for (const n of perSecond) expect(n).toBeGreaterThan(60);
  });

  it('runs a check shared by two virtuals once per interval', async () => {
    const { scheduler, at } = harness(ok);
    const shared = plan('shared', 5_000, single(1));
    // Two virtuals resolving to the same key: the map holds it once, and a repeated sync with an
    // equal plan object keeps the one timer.
    scheduler.sync(new Map([[shared.key, shared], [shared.key, { ...shared }]]));
    await vi.advanceTimersByTimeAsync(2_000);
    scheduler.sync(plans({ ...shared }));
    await vi.advanceTimersByTimeAsync(18_000);
    expect(at(1)).toEqual(grid(phaseOf('shared', 5_000), 5_000, 4));
    await scheduler.stop();
  });

  it('holds starts beyond maxInFlight in FIFO order and records their lateness', async () => {
    const [a, b, c] = keysWithPhaseIn(10_000, 0, 1_000, 3) as [string, string, string];
    const { scheduler, at } = harness(() => ({ ms: 2_000, ok: true }), { maxInFlight: 1 });
    scheduler.sync(plans(plan(c, 10_000, single(3)), plan(a, 10_000, single(1)), plan(b, 10_000, single(2))));
    await vi.advanceTimersByTimeAsync(9_000);
    const pa = phaseOf(a, 10_000);
    expect(at(1)).toEqual([pa]);
    expect(at(2)).toEqual([pa + 2_000]);
    expect(at(3)).toEqual([pa + 4_000]);
    const stats = scheduler.stats();
    expect(stats.queued).toBe(2);
    expect(stats.lateness.samples).toEqual([0, pa + 2_000 - phaseOf(b, 10_000), pa + 4_000 - phaseOf(c, 10_000)]);
    expect(scheduler.stats().lateness.samples).toEqual([]);
    await scheduler.stop();
  });

  it('keeps only the newest lateness samples between two stats() calls', async () => {
    const [a, b, c] = keysWithPhaseIn(10_000, 0, 1_000, 3) as [string, string, string];
    const { scheduler } = harness(() => ({ ms: 2_000, ok: true }), { maxInFlight: 1, latenessSamples: 2 });
    scheduler.sync(plans(plan(a, 10_000, single(1)), plan(b, 10_000, single(2)), plan(c, 10_000, single(3))));
    await vi.advanceTimersByTimeAsync(9_000);
    const pa = phaseOf(a, 10_000);
    expect(scheduler.stats().lateness).toEqual({
      samples: [pa + 2_000 - phaseOf(b, 10_000), pa + 4_000 - phaseOf(c, 10_000)],
      p50: pa + 2_000 - phaseOf(b, 10_000),
      p99: pa + 4_000 - phaseOf(c, 10_000),
    });
    await scheduler.stop();
  });

  it('starts queued checks as soon as a slot frees, up to the cap', async () => {
    const { scheduler, at } = harness((port) => ({ ms: port * 1_000, ok: true }), { maxInFlight: 2, firstCheck: 'immediate' });
    scheduler.sync(plans(plan('a', 60_000, single(3)), plan('b', 60_000, single(1)), plan('c', 60_000, single(2)), plan('d', 60_000, single(4))));
    await vi.advanceTimersByTimeAsync(10_000);
    // a (3 s) and b (1 s) start; c takes b's slot at 1 s, d takes a's at 3 s.
    expect([at(3), at(1), at(2), at(4)]).toEqual([[0], [0], [1_000], [3_000]]);
    expect(scheduler.stats()).toMatchObject({ started: 4, completed: 4, queued: 2, lateness: { samples: [0, 0, 1_000, 3_000], p50: 0, p99: 3_000 } });
    await scheduler.stop();
  });

  it('defers one tick that finds the previous check running to its end, and drops the others', async () => {
    const { scheduler, at } = harness(() => ({ ms: 2_500, ok: true }));
    scheduler.sync(plans(plan('slow', 1_000, single(1), )));
    const p = phaseOf('slow', 1_000);
    await vi.advanceTimersByTimeAsync(p + 5_999);
    // Ticks at p+1 s, p+3 s and p+5 s wait for the check in flight; p+2 s and p+4 s are dropped.
    expect(at(1)).toEqual([p, p + 2_500, p + 5_000]);
    const stats = scheduler.stats();
    expect(stats).toMatchObject({ started: 3, deferred: 3, skippedBusy: 2 });
    expect(stats.lateness.samples).toEqual([0, 1_500, 2_000]);
    await scheduler.stop();
  });

  it('re-checks a real that hangs until its deadline (timeout = interval) at every tick, late rather than never', async () => {
    const { scheduler, at } = harness(() => ({ ms: 1_000, ok: false }));
    scheduler.sync(plans(plan('hung', 1_000, single(1, 1_000))));
    const p = phaseOf('hung', 1_000);
    await vi.advanceTimersByTimeAsync(p + 3_500);
    expect(at(1)).toEqual([p, p + 1_000, p + 2_000, p + 3_000]);
    await scheduler.stop();
  });

  it('does not drift over ten hours however long checks take', async () => {
    let n = 0;
    const durations = [0, 9_999, 123, 4_567, 10];
    const { scheduler, at } = harness(() => ({ ms: durations[n++ % durations.length]!, ok: n % 3 !== 0 }));
    scheduler.sync(plans(plan('steady', 10_000, single(1, 10_000))));
    await vi.advanceTimersByTimeAsync(10 * 3600_000);
    expect(at(1)).toEqual(grid(phaseOf('steady', 10_000), 10_000, 3600));
    const stats = scheduler.stats();
    expect(stats.skippedBusy).toBe(0);
    expect(Math.max(...stats.lateness.samples)).toBe(0);
    await scheduler.stop();
  });

  it('drops the ticks a stalled event loop missed and stays on the grid (stall faked in the clock)', async () => {
    let stallNext = false;
    const stalling: Clock = {
      ...systemClock,
      setTimeout: (fn, ms) => {
        const extra = stallNext ? 25_000 : 0;
        stallNext = false;
        return systemClock.setTimeout(fn, ms + extra);
      },
    };
    const { scheduler, at } = harness(ok, { clock: stalling });
    scheduler.sync(plans(plan('s', 10_000, single(1))));
    const p = phaseOf('s', 10_000);
    await vi.advanceTimersByTimeAsync(p + 1);
    stallNext = true; // the timer armed after the first tick's check fires 25 s late
    await vi.advanceTimersByTimeAsync(60_000);
    // The tick due at p+20 s fires at p+45 s and still runs (25 s late); p+30 s and p+40 s are gone.
    expect(at(1)).toEqual([p, p + 10_000, p + 45_000, p + 50_000, p + 60_000]);
    const stats = scheduler.stats();
    expect(stats.missed).toBe(2);
    expect(stats.lateness.samples).toEqual([0, 0, 25_000, 0, 0]);
    await scheduler.stop();
  });

  it('bounds each probe with its timeout on the injected clock', async () => {
    const { scheduler, results, starts } = harness(() => ({ ms: 1e9, ok: true }));
    scheduler.sync(plans(plan('hang', 10_000, single(1, 3_000))));
    const p = phaseOf('hang', 10_000);
    await vi.advanceTimersByTimeAsync(p + 3_000);
    expect(starts[0]!.signal.aborted).toBe(true);
    expect((starts[0]!.signal.reason as Error).name).toBe('TimeoutError');
    expect(results).toEqual([{ key: 'hang', at: p + 3_000, result: { ok: false, reason: 'timeout', detail: 'port 1 aborted', durationMs: 3_000 } }]);
    await scheduler.stop();
  });

  it('abandons a checker that ignores its deadline after a grace period', async () => {
    const { scheduler, results, at } = harness(() => ({ ms: 1e9, ok: true, ignoreAbort: true }));
    scheduler.sync(plans(plan('stuck', 10_000, single(1, 3_000))));
    const p = phaseOf('stuck', 10_000);
    await vi.advanceTimersByTimeAsync(p + 10_000);
    expect(results.map((r) => [r.at, r.result.ok, !r.result.ok && r.result.reason])).toEqual([[p + 3_000 + OVERDUE_GRACE_MS, false, 'timeout']]);
    expect(at(1)).toEqual([p, p + 10_000]);
    // stop() waits for the second stuck check through its grace period too.
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(OVERDUE_GRACE_MS);
    await stopped;
    expect(results).toHaveLength(1);
  });

  it('turns a throwing checker into an error result', async () => {
    const scheduler = new CheckScheduler({
      clock: systemClock,
      run: () => Promise.reject(new Error('boom')),
      onResult: (_key, result) => got.push(result),
      maxInFlight: 4,
    });
    const got: CheckResult[] = [];
    scheduler.sync(plans(plan('x', 1_000, single(1))));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(got).toEqual([{ ok: false, reason: 'error', detail: 'checker threw: boom', durationMs: 0 }]);
    await scheduler.stop();
  });

  describe('combined mode (ldirectord §2.1 counter)', () => {
    const NEG = 1;
    const CON = 2;
    const combined = (every: number): CheckMode => ({
      kind: 'combined', negotiate: spec(NEG), negotiateTimeoutMs: 7_000, connect: spec(CON), connectTimeoutMs: 2_000, every,
    });

    /** Runs `ticks` ticks; `outcome(i, port)` scripts the i-th probe. Returns 'N'/'C' per tick. */
    async function sequence(every: number, ticks: number, outcome: (i: number, port: number) => boolean): Promise<string> {
      let i = 0;
      const { scheduler, starts } = harness((port) => ({ ms: 5, ok: outcome(i++, port) }));
      scheduler.sync(plans(plan('comb', 1_000, combined(every))));
      await vi.advanceTimersByTimeAsync(ticks * 1_000);
      await scheduler.stop();
      return starts.map((s) => (s.port === NEG ? 'N' : 'C')).join('');
    }

    it('negotiates first, then `every` connects, then negotiates again', async () => {
      expect(await sequence(2, 9, () => true)).toBe('NCCNCCNCC');
      expect(await sequence(1, 6, () => true)).toBe('NCNCNC');
      expect(await sequence(0, 4, () => true)).toBe('NNNN');
    });

    it('keeps negotiating while the negotiate fails', async () => {
      expect(await sequence(2, 7, (i) => i >= 3)).toBe('NNNNCCN');
    });

    it('negotiates on the tick after a failing connect', async () => {
      expect(await sequence(3, 8, (i) => i !== 2)).toBe('NCCNCCCN');
    });

    it('gives each probe its own timeout', async () => {
      const { scheduler, starts } = harness(() => ({ ms: 1e9, ok: true }));
      scheduler.sync(plans(plan('comb', 10_000, combined(2))));
      const p = phaseOf('comb', 10_000);
      await vi.advanceTimersByTimeAsync(p + 6_999);
      expect(starts[0]!.signal.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(starts[0]!.signal.aborted).toBe(true);
      await scheduler.stop();
    });
  });

  describe('maintenance', () => {
    it('reports maintenance without probing while the lookup names a file', async () => {
      let file: string | undefined = '10.0.0.2:80';
      const { scheduler, results, run } = harness(ok, { maintenance: async () => file });
      scheduler.sync(plans(plan('m', 1_000, single(1))));
      await vi.advanceTimersByTimeAsync(2_000);
      expect(run).not.toHaveBeenCalled();
      expect(results.map((r) => r.result)).toEqual([
        { ok: false, reason: 'maintenance', detail: 'Server in maintenance', durationMs: 0 },
        { ok: false, reason: 'maintenance', detail: 'Server in maintenance', durationMs: 0 },
      ]);
      file = undefined;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(run).toHaveBeenCalledTimes(1);
      expect(results.at(-1)!.result.ok).toBe(true);
      await scheduler.stop();
    });

    it('leaves the combined counter alone while in maintenance', async () => {
      let tick = 0;
      const { scheduler, starts } = harness(ok, { maintenance: async () => (tick++ === 1 ? 'x' : undefined) });
      scheduler.sync(plans(plan('cm', 1_000, { kind: 'combined', negotiate: spec(1), negotiateTimeoutMs: 100, connect: spec(2), connectTimeoutMs: 100, every: 2 })));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(starts.map((s) => s.port)).toEqual([1, 2, 2, 1]);
      await scheduler.stop();
    });
  });

  describe('sync()', () => {
    it('keeps unchanged keys on their timers, starts new ones and stops removed ones', async () => {
      const { scheduler, at, results, starts } = harness((port) => ({ ms: port === 2 ? 5_000 : 10, ok: true }));
      scheduler.sync(plans(plan('keep', 10_000, single(1)), plan('gone', 10_000, single(2))));
      const pk = phaseOf('keep', 10_000);
      const pg = phaseOf('gone', 10_000);
      const pn = phaseOf('new', 10_000);
      await vi.advanceTimersByTimeAsync(pg + 1_000); // "gone" is mid-check
      const t = pg + 1_000;
      scheduler.sync(plans(plan('keep', 10_000, single(1)), plan('new', 10_000, single(3))));
      const gone = starts.find((s) => s.port === 2)!;
      expect(gone.signal.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(at(1)).toEqual(grid(pk, 10_000, 4).filter((x) => x <= t + 30_000));
      expect(at(2)).toEqual([pg]);
      expect(at(3)).toEqual(grid(pn + 10_000 * Math.ceil((t - pn) / 10_000), 10_000, 3));
      expect(results.some((r) => r.key === 'gone')).toBe(false);
      expect(scheduler.stats().keys).toBe(2);
      await scheduler.stop();
    });

    it('never schedules checktype on and off', async () => {
      const { scheduler, run } = harness(ok);
      scheduler.sync(plans(plan('on', 1_000, { kind: 'on' }), plan('off', 1_000, { kind: 'off' })));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(run).not.toHaveBeenCalled();
      expect(scheduler.stats().keys).toBe(0);
    });

    it('moves a key to the new grid when its interval changes', async () => {
      const { scheduler, at } = harness(ok);
      scheduler.sync(plans(plan('iv', 10_000, single(1))));
      const p10 = phaseOf('iv', 10_000);
      await vi.advanceTimersByTimeAsync(p10 + 1);
      scheduler.sync(plans(plan('iv', 4_000, single(1))));
      const p4 = phaseOf('iv', 4_000);
      await vi.advanceTimersByTimeAsync(12_000);
      const first = p4 + 4_000 * Math.ceil((p10 + 1 - p4) / 4_000);
      expect(at(1)).toEqual([p10, ...grid(first, 4_000, 3)]);
      await scheduler.stop();
    });

    it("checks a new key at once with firstCheck 'immediate', then joins its grid", async () => {
      const { scheduler, at } = harness(ok, { firstCheck: 'immediate' });
      await vi.advanceTimersByTimeAsync(100_000);
      scheduler.sync(plans(plan('now', 10_000, single(1))));
      await vi.advanceTimersByTimeAsync(25_000);
      const p = phaseOf('now', 10_000);
      const firstGrid = p + 10_000 * Math.ceil((105_000 - p) / 10_000);
      expect(at(1)).toEqual([100_000, ...grid(firstGrid, 10_000, 3)].filter((x) => x <= 125_000));
      expect(at(1)[1]! - 100_000).toBeGreaterThanOrEqual(5_000);
      await scheduler.stop();
    });
  });

  it('stop() aborts checks in flight, waits for them, and delivers nothing more', async () => {
    const { scheduler, starts, results } = harness(() => ({ ms: 60_000, ok: true }), { firstCheck: 'immediate', maxInFlight: 1 });
    scheduler.sync(plans(plan('a', 10_000, single(1)), plan('b', 10_000, single(2))));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(scheduler.stats()).toMatchObject({ inFlight: 1, waiting: 1 });
    let stopped = false;
    const done = scheduler.stop().then(() => { stopped = true; });
    expect(starts[0]!.signal.aborted).toBe(true);
    await done;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(starts).toHaveLength(1);
    expect(results).toEqual([]);
    expect(scheduler.stats()).toMatchObject({ inFlight: 0, waiting: 0, keys: 0 });
  });
});
