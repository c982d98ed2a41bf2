/**
 * Injected time. Everything that waits takes a Clock so that tests drive time with fake timers
 * and never sleep. The system clock is the only implementation outside tests.
 */
export interface Clock {
  /** Monotonic milliseconds (performance.now() on the system clock). */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for log lines and status output. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  unref?(): unknown;
}

/** The real clock. Reads globals at call time, so vitest's fake timers also drive it. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The abort reason of a deadline: an Error named `TimeoutError` saying which deadline passed. */
export function timeoutError(ms: number): Error {
  const e = new Error(`deadline of ${ms} ms exceeded`);
  e.name = 'TimeoutError';
  return e;
}
