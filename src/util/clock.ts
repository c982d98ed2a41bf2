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

/**
 * An AbortSignal that fires after `ms` on the given clock. Unlike AbortSignal.timeout() it is
 * driven by fake timers. `dispose()` cancels the timer once the guarded work has finished.
 */
export function deadline(clock: Clock, ms: number, parent?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const timer = clock.setTimeout(() => ctl.abort(timeoutError(ms)), ms);
  const onParent = (): void => ctl.abort(parent?.reason);
  if (parent) {
    if (parent.aborted) ctl.abort(parent.reason);
    else parent.addEventListener('abort', onParent, { once: true });
  }
  return {
    signal: ctl.signal,
    dispose() {
      clock.clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** The abort reason of a deadline: an Error named `TimeoutError` saying which deadline passed. */
export function timeoutError(ms: number): Error {
  const e = new Error(`deadline of ${ms} ms exceeded`);
  e.name = 'TimeoutError';
  return e;
}
