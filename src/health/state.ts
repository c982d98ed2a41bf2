/**
 * The one threshold implementation: how a check result moves the health of one real in one
 * virtual. Pure and synchronous; the store feeds it, the scheduler never sees it.
 *
 * Default semantics are ldirectord's (reference §2.5): `failurecount` consecutive failures take an
 * up real down, each earlier one is a soft failure, the counter stops while the real is down, and
 * a single pass brings it back. Extensions: `riseCount` consecutive passes before a down real
 * returns, and a K-of-N window that, when set, decides instead of both counts.
 */
import type { HealthState } from './health-state.js';

/** Thresholds of one virtual; built from Virtual.failureCount, riseCount and window. */
export interface HealthPolicy {
  /** Consecutive failures that take an up real down; 1 (or less) means the first failure does. */
  readonly failureCount: number;
  /** Consecutive passes that bring a down real back up; 1 (or less) means the first pass does. */
  readonly riseCount: number;
  /** K of N: up while at least `need` of the last `of` results passed. Requires 1 <= need <= of. */
  readonly window?: { readonly need: number; readonly of: number };
}

/** Immutable health of one real in one virtual. */
export interface RealHealth {
  readonly state: HealthState;
  /**
   * ldirectord's `failcount`. Without a window: consecutive failures counted while up, frozen while
   * down. With a window: failures in the window while up, frozen from the moment the real went down.
   */
  readonly failCount: number;
  /** Consecutive passes, whatever the state; rise decisions use it when no window is set. */
  readonly passStreak: number;
  /** Last results, oldest first, true = pass; kept only while a window is in force. */
  readonly recent: readonly boolean[];
}

/** What one step did worth telling anyone about; the store turns these into ldirectord's lines. */
export type HealthEvent =
  /** A failure that did not take the real down: ldirectord's `failure <count>/<max>`. */
  | { readonly kind: 'soft-failure'; readonly count: number; readonly max: number }
  /** The failure counter went back to zero: ldirectord's `Resetting soft failure count`. */
  | { readonly kind: 'reset-soft-failures' }
  | { readonly kind: 'went-up'; readonly from: HealthState }
  | { readonly kind: 'went-down'; readonly from: HealthState };

export interface StepOutcome {
  readonly next: RealHealth;
  readonly events: readonly HealthEvent[];
}

/** A real that has seen no result yet in this state (start-up seed, reload, or a fresh entry). */
export function initialHealth(state: HealthState): RealHealth {
  return { state, failCount: 0, passStreak: 0, recent: [] };
}

/** Applies one check result. `passed` is CheckResult.ok. */
export function step(h: RealHealth, passed: boolean, policy: HealthPolicy): StepOutcome {
  if (h.state === 'unknown') return settle(h, passed, policy);
  return policy.window ? stepWindow(h, passed, policy, policy.window) : stepCounts(h, passed, policy);
}

/**
 * Takes the real down at once whatever the thresholds say: ldirectord's `service_set(down, force)`,
 * used for maintenancedir. As there, the failure counter still grows while the real is down.
 */
export function forceDown(h: RealHealth, policy: HealthPolicy): StepOutcome {
  const failCount = h.failCount + 1;
  if (h.state === 'down') {
    const recent = policy.window ? [...windowFor(h, policy, false).slice(1), false] : [];
    return { next: { ...h, failCount, passStreak: 0, recent }, events: [] };
  }
  return {
    next: { state: 'down', failCount, passStreak: 0, recent: filled(policy, false) },
    events: [{ kind: 'went-down', from: h.state }],
  };
}

/** The first result decides an unknown real, whatever riseCount or the window say. */
function settle(h: RealHealth, passed: boolean, policy: HealthPolicy): StepOutcome {
  if (passed) {
    return { next: { state: 'up', failCount: 0, passStreak: 1, recent: filled(policy, true) }, events: [{ kind: 'went-up', from: h.state }] };
  }
  // Counted as one failure so that the first pass afterwards logs the reset, as ldirectord does
  // for every real it forced down at start.
  return {
    next: { state: 'down', failCount: h.failCount + 1, passStreak: 0, recent: filled(policy, false) },
    events: [{ kind: 'went-down', from: h.state }],
  };
}

function stepCounts(h: RealHealth, passed: boolean, policy: HealthPolicy): StepOutcome {
  if (!passed) {
    if (h.state === 'down') return { next: { ...h, passStreak: 0 }, events: [] };
    const failCount = h.failCount + 1;
    if (failCount < policy.failureCount) {
      return { next: { ...h, failCount, passStreak: 0 }, events: [{ kind: 'soft-failure', count: failCount, max: policy.failureCount }] };
    }
    return { next: { ...h, state: 'down', failCount, passStreak: 0 }, events: [{ kind: 'went-down', from: 'up' }] };
  }
  const events: HealthEvent[] = h.failCount > 0 ? [{ kind: 'reset-soft-failures' }] : [];
  const passStreak = h.passStreak + 1;
  if (h.state === 'down' && passStreak >= policy.riseCount) {
    events.push({ kind: 'went-up', from: 'down' });
    return { next: { ...h, state: 'up', failCount: 0, passStreak }, events };
  }
  return { next: { ...h, failCount: 0, passStreak }, events };
}

function stepWindow(h: RealHealth, passed: boolean, policy: HealthPolicy, window: { need: number; of: number }): StepOutcome {
  const recent = [...windowFor(h, policy, h.state === 'up').slice(1), passed];
  const passes = recent.filter(Boolean).length;
  const passStreak = passed ? h.passStreak + 1 : 0;
  if (h.state === 'up') {
    const failCount = recent.length - passes;
    if (passes < window.need) {
      return { next: { state: 'down', failCount, passStreak, recent: filled(policy, false) }, events: [{ kind: 'went-down', from: 'up' }] };
    }
    const events: HealthEvent[] = [];
    // Only a failing result reports a soft failure; a pass that leaves older failures in the
    // window says nothing until the last of them has aged out.
    if (!passed) events.push({ kind: 'soft-failure', count: failCount, max: window.of - window.need + 1 });
    else if (failCount === 0 && h.failCount > 0) events.push({ kind: 'reset-soft-failures' });
    return { next: { state: 'up', failCount, passStreak, recent }, events };
  }
  if (passes >= window.need) {
    const events: HealthEvent[] = h.failCount > 0 ? [{ kind: 'reset-soft-failures' }] : [];
    events.push({ kind: 'went-up', from: 'down' });
    return { next: { state: 'up', failCount: 0, passStreak, recent: filled(policy, true) }, events };
  }
  return { next: { ...h, passStreak, recent }, events: [] };
}

/** The real's window, or one filled with `value` when it has none of the policy's length yet. */
function windowFor(h: RealHealth, policy: HealthPolicy, value: boolean): readonly boolean[] {
  if (!policy.window) return [];
  return h.recent.length === policy.window.of ? h.recent : filled(policy, value);
}

/** Entering a state fills the window with that state's value, so history starts out agreeing with it. */
function filled(policy: HealthPolicy, value: boolean): readonly boolean[] {
  return policy.window ? new Array<boolean>(policy.window.of).fill(value) : [];
}
