/**
 * Turns a Config into what the scheduler runs: one CheckPlan per distinct check, the (virtual,
 * real) pairs each one feeds, and the check of every pair. Identical checks of a real shared by
 * several virtuals get one key and run once (ldirectord dedups the same way in fork=no mode, but
 * then counts one failure once per virtual; the health layer counts it once). Pure: no I/O.
 */
import { realKey, type RealKey } from '../config/keys.js';
import type { Config, VirtualKey } from '../config/model.js';
import { checkKeyOf } from './check-key.js';
import { planRealCheck } from './real-check.js';
import type { CheckKey, CheckPlan } from './types.js';

export { checkKeyOf };

/** One real inside one virtual. */
export interface RealRef {
  readonly virtual: VirtualKey;
  readonly real: RealKey;
}

export interface CheckPlans {
  readonly plans: ReadonlyMap<CheckKey, CheckPlan>;
  /** Every (virtual, real) pair fed by each check; a check shared by k virtuals runs once. */
  readonly subscribers: ReadonlyMap<CheckKey, readonly RealRef[]>;
  /** The check key of each (virtual, real). */
  readonly checkOf: ReadonlyMap<RealKey, CheckKey>;
  /** Things the daemon should log at start (a TCP-only service on a udp virtual, reals with no check port, ...). */
  readonly warnings: readonly string[];
}

/** Plans every real of every virtual; `hostname` is this host's name (ftp/sip login defaults). */
export function buildCheckPlans(config: Config, hostname: string): CheckPlans {
  const plans = new Map<CheckKey, CheckPlan>();
  const subscribers = new Map<CheckKey, RealRef[]>();
  const checkOf = new Map<RealKey, CheckKey>();
  const warnings = new Set<string>();
  for (const virtual of config.virtuals) {
    for (const real of virtual.reals) {
      const planned = planRealCheck(virtual, real, hostname);
      const key = checkKeyOf(planned.plan);
      if (!plans.has(key)) plans.set(key, { key, ...planned.plan });
      const ref: RealRef = { virtual: virtual.key, real: realKey(virtual.key, real) };
      const subs = subscribers.get(key);
      if (subs) subs.push(ref);
      else subscribers.set(key, [ref]);
      checkOf.set(ref.real, key);
      for (const w of planned.warnings) warnings.add(w);
    }
  }
  return { plans, subscribers, checkOf, warnings: [...warnings] };
}
