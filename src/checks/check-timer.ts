/**
 * Measures one probe from its start and builds its CheckResult, so that every checker reports
 * `durationMs` the same way and none forgets it on an early return.
 */
import type { CheckResult, FailureReason } from './types.js';

export interface CheckTimer {
  /** Milliseconds since the probe started. */
  elapsedMs(): number;
  up(detail: string): CheckResult;
  down(reason: FailureReason, detail: string): CheckResult;
}

/** Starts the clock for one probe (monotonic, performance.now()). */
export function startCheckTimer(): CheckTimer {
  const t0 = performance.now();
  const elapsedMs = (): number => Math.max(0, performance.now() - t0);
  return {
    elapsedMs,
    up: (detail) => ({ ok: true, detail, durationMs: elapsedMs() }),
    down: (reason, detail) => ({ ok: false, reason, detail, durationMs: elapsedMs() }),
  };
}
