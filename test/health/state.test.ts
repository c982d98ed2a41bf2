import { describe, expect, it } from 'vitest';
import type { HealthState } from '../../src/health/health-state.js';
import { forceDown, initialHealth, step, type HealthEvent, type HealthPolicy, type RealHealth } from '../../src/health/state.js';

/** P = pass, F = fail, M = maintenance (forced down). */
function run(start: HealthState | RealHealth, policy: HealthPolicy, seq: string): { final: RealHealth; events: HealthEvent[] } {
  let h = typeof start === 'string' ? initialHealth(start) : start;
  const events: HealthEvent[] = [];
  for (const c of seq) {
    const frozen = deepFreeze(h);
    const out = c === 'M' ? forceDown(frozen, policy) : step(frozen, c === 'P', policy);
    events.push(...out.events);
    h = out.next;
  }
  return { final: h, events };
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

const soft = (count: number, max: number): HealthEvent => ({ kind: 'soft-failure', count, max });
const reset: HealthEvent = { kind: 'reset-soft-failures' };
const up = (from: HealthState): HealthEvent => ({ kind: 'went-up', from });
const down = (from: HealthState): HealthEvent => ({ kind: 'went-down', from });

const P1: HealthPolicy = { failureCount: 1, riseCount: 1 };
const P3: HealthPolicy = { failureCount: 3, riseCount: 1 };
const RISE3: HealthPolicy = { failureCount: 1, riseCount: 3 };
const W3OF5: HealthPolicy = { failureCount: 1, riseCount: 1, window: { need: 3, of: 5 } };

interface Row {
  readonly name: string;
  readonly start: HealthState;
  readonly policy: HealthPolicy;
  readonly seq: string;
  readonly state: HealthState;
  readonly events: readonly HealthEvent[];
  readonly failCount?: number;
}

const ldirectordRows: Row[] = [
  { name: 'a failure below failurecount is soft', start: 'up', policy: P3, seq: 'F', state: 'up', events: [soft(1, 3)], failCount: 1 },
  { name: 'soft failures count up', start: 'up', policy: P3, seq: 'FF', state: 'up', events: [soft(1, 3), soft(2, 3)], failCount: 2 },
  { name: 'reaching failurecount takes it down', start: 'up', policy: P3, seq: 'FFF', state: 'down', events: [soft(1, 3), soft(2, 3), down('up')], failCount: 3 },
  { name: 'failures while down change nothing', start: 'up', policy: P3, seq: 'FFFFFF', state: 'down', events: [soft(1, 3), soft(2, 3), down('up')], failCount: 3 },
  { name: 'a pass resets the soft failures', start: 'up', policy: P3, seq: 'FFP', state: 'up', events: [soft(1, 3), soft(2, 3), reset], failCount: 0 },
  { name: 'after a reset the count starts again', start: 'up', policy: P3, seq: 'FFPFF', state: 'up', events: [soft(1, 3), soft(2, 3), reset, soft(1, 3), soft(2, 3)] },
  { name: 'failurecount 1 goes down at once', start: 'up', policy: P1, seq: 'F', state: 'down', events: [down('up')], failCount: 1 },
  { name: 'hard down then up logs the reset first', start: 'up', policy: P3, seq: 'FFFP', state: 'up', events: [soft(1, 3), soft(2, 3), down('up'), reset, up('down')], failCount: 0 },
  { name: 'failurecount 1 down and up', start: 'up', policy: P1, seq: 'FP', state: 'up', events: [down('up'), reset, up('down')] },
  { name: 'passes while up say nothing', start: 'up', policy: P3, seq: 'PPP', state: 'up', events: [] },
  { name: 'a seeded down real comes up on one pass, no reset (counter is 0)', start: 'down', policy: P1, seq: 'P', state: 'up', events: [up('down')] },
  { name: 'a seeded down real that fails stays down silently', start: 'down', policy: P3, seq: 'FF', state: 'down', events: [], failCount: 0 },
];

const unknownRows: Row[] = [
  { name: 'unknown: a first pass is up', start: 'unknown', policy: P3, seq: 'P', state: 'up', events: [up('unknown')], failCount: 0 },
  { name: 'unknown: a first failure is down, whatever failurecount', start: 'unknown', policy: P3, seq: 'F', state: 'down', events: [down('unknown')], failCount: 1 },
  { name: 'unknown: first pass is up whatever risecount', start: 'unknown', policy: RISE3, seq: 'P', state: 'up', events: [up('unknown')] },
  { name: 'unknown then down then up logs the reset', start: 'unknown', policy: P3, seq: 'FP', state: 'up', events: [down('unknown'), reset, up('down')] },
  { name: 'unknown with a window: a first failure is down', start: 'unknown', policy: W3OF5, seq: 'F', state: 'down', events: [down('unknown')] },
  { name: 'unknown with a window: a first pass is up', start: 'unknown', policy: W3OF5, seq: 'P', state: 'up', events: [up('unknown')] },
];

const riseRows: Row[] = [
  { name: 'rise 3: two passes are not enough', start: 'down', policy: RISE3, seq: 'PP', state: 'down', events: [] },
  { name: 'rise 3: three consecutive passes bring it up', start: 'down', policy: RISE3, seq: 'PPP', state: 'up', events: [up('down')] },
  { name: 'rise 3: a failure restarts the streak', start: 'down', policy: RISE3, seq: 'PPFPP', state: 'down', events: [] },
  { name: 'rise 3: the first pass after going down resets the counter', start: 'up', policy: RISE3, seq: 'FPPFPPP', state: 'up', events: [down('up'), reset, up('down')] },
  { name: 'rise 3 does not delay anything while up', start: 'up', policy: { failureCount: 2, riseCount: 3 }, seq: 'FP', state: 'up', events: [soft(1, 2), reset] },
];

const windowRows: Row[] = [
  { name: 'window 3/5: fewer than 3 of the last 5 passing takes it down', start: 'up', policy: W3OF5, seq: 'FFF', state: 'down', events: [soft(1, 3), soft(2, 3), down('up')], failCount: 3 },
  { name: 'window 3/5: alternating failures take it down (counts would not)', start: 'up', policy: W3OF5, seq: 'FPFPF', state: 'down', events: [soft(1, 3), soft(2, 3), down('up')] },
  { name: 'window 3/5: the same sequence with failurecount 3 and no window stays up', start: 'up', policy: P3, seq: 'FPFPF', state: 'up', events: [soft(1, 3), reset, soft(1, 3), reset, soft(1, 3)] },
  { name: 'window 3/5: a failure ages out after 5 passes', start: 'up', policy: W3OF5, seq: 'FPPPPP', state: 'up', events: [soft(1, 3), reset], failCount: 0 },
  { name: 'window 3/5: not yet aged out after 4 passes', start: 'up', policy: W3OF5, seq: 'FPPPP', state: 'up', events: [soft(1, 3)], failCount: 1 },
  { name: 'window 3/5: a down real needs 3 passes', start: 'down', policy: W3OF5, seq: 'PP', state: 'down', events: [] },
  { name: 'window 3/5: 3 passes bring a down real up', start: 'down', policy: W3OF5, seq: 'PPP', state: 'up', events: [up('down')] },
  { name: 'window 3/5: 3 of 5, not consecutive, bring a down real up', start: 'down', policy: W3OF5, seq: 'PFPFP', state: 'up', events: [up('down')] },
  { name: 'window 3/5: down and back up logs the reset', start: 'up', policy: W3OF5, seq: 'FFFPPP', state: 'up', events: [soft(1, 3), soft(2, 3), down('up'), reset, up('down')] },
  { name: 'window 3/5: coming up refills the window with passes', start: 'down', policy: W3OF5, seq: 'PPPF', state: 'up', events: [up('down'), soft(1, 3)] },
  { name: 'window 1/1 decides instead of failurecount', start: 'up', policy: { failureCount: 5, riseCount: 4, window: { need: 1, of: 1 } }, seq: 'FP', state: 'up', events: [down('up'), reset, up('down')] },
];

const forcedRows: Row[] = [
  { name: 'maintenance takes an up real down at once, whatever failurecount', start: 'up', policy: P3, seq: 'M', state: 'down', events: [down('up')], failCount: 1 },
  { name: 'maintenance keeps growing the counter while down (as ldirectord)', start: 'up', policy: P3, seq: 'MMM', state: 'down', events: [down('up')], failCount: 3 },
  { name: 'leaving maintenance: one pass, reset and up', start: 'up', policy: P3, seq: 'MMP', state: 'up', events: [down('up'), reset, up('down')] },
  { name: 'maintenance on an unknown real', start: 'unknown', policy: P1, seq: 'M', state: 'down', events: [down('unknown')] },
  { name: 'leaving maintenance with a window needs K passes', start: 'up', policy: W3OF5, seq: 'MPPFP', state: 'up', events: [down('up'), reset, up('down')] },
  { name: 'maintenance results count as failures in the window while down', start: 'up', policy: { failureCount: 1, riseCount: 1, window: { need: 2, of: 2 } }, seq: 'MPMP', state: 'down', events: [down('up')] },
];

describe('step()', () => {
  for (const [title, rows] of [
    ['ldirectord semantics', ldirectordRows],
    ['unknown start', unknownRows],
    ['risecount extension', riseRows],
    ['K-of-N window extension', windowRows],
    ['forced down (maintenance)', forcedRows],
  ] as const) {
    describe(title, () => {
      it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
        const { final, events } = run(row.start, row.policy, row.seq);
        expect(events).toEqual(row.events);
        expect(final.state).toBe(row.state);
        if (row.failCount !== undefined) expect(final.failCount).toBe(row.failCount);
      });
    });
  }

  it('keeps a window only when the policy has one', () => {
    expect(run('up', P3, 'FPF').final.recent).toEqual([]);
    expect(run('up', W3OF5, 'FP').final.recent).toEqual([true, true, true, false, true]);
  });

  it('counts the pass streak whatever the state', () => {
    expect(run('up', P3, 'PPFPP').final.passStreak).toBe(2);
    expect(run('down', RISE3, 'PP').final.passStreak).toBe(2);
  });
});
