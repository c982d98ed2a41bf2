/**
 * Runs every unique check on its own absolute schedule, concurrently, under a global cap. It
 * decides when a probe runs and which probe (combined mode), never what a result means: results
 * go to `onResult`, and thresholds live in `state.ts`.
 *
 * Unlike ldirectord's sequential pass (reference §8), where one hung real stretches every real's
 * period by its timeout, each key here ticks at phase + k × interval whatever the others do.
 */
import type { CheckKey, CheckMode, CheckPlan, CheckResult, CheckSpec } from '../checks/types.js';
import { timeoutError, type Clock, type TimerHandle } from '../util/clock.js';
import { phaseOf } from './phase.js';

/** How long a checker may keep running past its deadline before the scheduler stops waiting (ms). */
export const OVERDUE_GRACE_MS = 1000;


export interface CheckSchedulerOptions {
  readonly clock: Clock;
  /** The checker registry: resolves (never rejects, by contract) once `signal` has been honoured. */
  readonly run: (spec: CheckSpec, signal: AbortSignal) => Promise<CheckResult>;
  /** Called once per finished check of a key that is still scheduled; must not throw. */
  readonly onResult: (key: CheckKey, result: CheckResult) => void;
  /** Checks allowed in flight at once; starts beyond it wait in FIFO order. */
  readonly maxInFlight: number;
  /** maintenancedir lookup: a file name means the real is in maintenance and nothing is probed. */
  readonly maintenance?: (key: CheckKey) => Promise<string | undefined>;
  /**
   * When a newly synced key is first checked. `spread` (default): at its next phase point, so a
   * start-up with many keys spreads over one interval. `immediate`: at once (through the cap, as
   * ldirectord's first pass), then on its grid from at least half an interval later.
   */
  readonly firstCheck?: 'spread' | 'immediate';
  /** Lateness samples kept between two stats() calls, newest kept; default 10,000. */
  readonly latenessSamples?: number;
}

/** Counters since construction, plus lateness since the previous stats() call. */
export interface SchedulerStats {
  /** Checks started (a maintenance hit counts: it occupies a slot while the lookup runs). */
  readonly started: number;
  /** Checks that finished (including aborted ones). */
  readonly completed: number;
  /**
   * Ticks that found the key's previous check still running and were kept to start the moment it
   * ends (one per key at a time), so a hung real is re-checked as soon as its deadline frees it.
   */
  readonly deferred: number;
  /** Ticks dropped because the key already had a check running and a deferred tick, or was waiting. */
  readonly skippedBusy: number;
  /** Ticks that had to wait for a free slot under maxInFlight. */
  readonly queued: number;
  /** Ticks that passed without firing at all because the event loop was stalled past them. */
  readonly missed: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly keys: number;
  /** Actual start − scheduled time (ms) of each start since the last call, oldest first; newest kept. */
  readonly lateness: { readonly samples: readonly number[]; readonly p50?: number; readonly p99?: number };
}

interface Slot {
  readonly key: CheckKey;
  plan: CheckPlan & { readonly mode: RunnableMode };
  intervalMs: number;
  phaseMs: number;
  /** Index k of the next tick, which falls at phaseMs + k × intervalMs. */
  tick: number;
  timer: TimerHandle | undefined;
  status: 'idle' | 'waiting' | 'running';
  abort: AbortController | undefined;
  running: Promise<void> | undefined;
  /** ldirectord's `num_connects`: connects since the last passing negotiate; starts high. */
  connects: number;
  /** Due time of a tick that arrived while a check was running; it starts when that one ends. */
  owed: number | undefined;
}

type RunnableMode = Extract<CheckMode, { kind: 'single' | 'combined' }>;

interface Probe {
  readonly spec: CheckSpec;
  readonly timeoutMs: number;
  readonly negotiate: boolean;
}

/** Schedules the unique checks of the current plan set; see the file comment. */
export class CheckScheduler {
  readonly #opts: CheckSchedulerOptions;
  readonly #slots = new Map<CheckKey, Slot>();
  readonly #waiting: { slot: Slot; scheduledAt: number }[] = [];
  #inFlight = 0;
  #started = 0;
  #completed = 0;
  #skippedBusy = 0;
  #deferred = 0;
  #queued = 0;
  #missed = 0;
  /** Ring of lateness samples since the last stats(); `#latenessCount` may exceed its size. */
  #lateness: number[] = [];
  #latenessCount = 0;

  constructor(opts: CheckSchedulerOptions) {
    this.#opts = opts;
  }

  /**
   * Makes the scheduled set match `plans`: new keys start, removed ones stop (their in-flight
   * check is aborted and its result dropped), kept keys keep their timers and combined counters.
   * Modes `on` and `off` are never scheduled.
   */
  sync(plans: ReadonlyMap<CheckKey, CheckPlan>): void {
    for (const [key, slot] of this.#slots) {
      const plan = plans.get(key);
      if (!plan || !isRunnable(plan)) this.#remove(slot);
    }
    for (const [key, plan] of plans) {
      if (!isRunnable(plan)) continue;
      const slot = this.#slots.get(key);
      if (!slot) this.#add(key, plan);
      else this.#update(slot, plan);
    }
  }

  /** Aborts every check in flight, clears all timers and waits until those checks have settled. */
  async stop(): Promise<void> {
    const running: Promise<void>[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.running) running.push(slot.running);
      this.#remove(slot);
    }
    await Promise.all(running);
  }

  /** Counters, and lateness samples with p50/p99 since the previous call. */
  stats(): SchedulerStats {
    const samples = this.#drainLateness();
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      started: this.#started,
      completed: this.#completed,
      deferred: this.#deferred,
      skippedBusy: this.#skippedBusy,
      queued: this.#queued,
      missed: this.#missed,
      inFlight: this.#inFlight,
      waiting: this.#waiting.length,
      keys: this.#slots.size,
      lateness: { samples, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
    };
  }

  /** The ring's samples, oldest first, and an empty ring. */
  #drainLateness(): number[] {
    const ring = this.#lateness;
    const size = this.#latenessSize();
    const head = this.#latenessCount % size;
    const samples = this.#latenessCount > size ? [...ring.slice(head), ...ring.slice(0, head)] : ring;
    this.#lateness = [];
    this.#latenessCount = 0;
    return samples;
  }

  #latenessSize(): number {
    return Math.max(1, this.#opts.latenessSamples ?? 10_000);
  }

  #add(key: CheckKey, plan: CheckPlan & { readonly mode: RunnableMode }): void {
    const intervalMs = normaliseInterval(plan.intervalMs);
    const slot: Slot = {
      key, plan, intervalMs, phaseMs: phaseOf(key, intervalMs), tick: 0,
      timer: undefined, status: 'idle', abort: undefined, running: undefined, connects: Infinity, owed: undefined,
    };
    this.#slots.set(key, slot);
    const now = this.#opts.clock.now();
    if (this.#opts.firstCheck === 'immediate') {
      this.#request(slot, now);
      slot.tick = tickAtOrAfter(slot, now + intervalMs / 2);
    } else {
      slot.tick = tickAtOrAfter(slot, now);
    }
    this.#arm(slot);
  }

  #update(slot: Slot, plan: CheckPlan & { readonly mode: RunnableMode }): void {
    // The same key should mean the same content; these guards only matter if it does not.
    if (plan.mode.kind !== slot.plan.mode.kind) slot.connects = Infinity;
    slot.plan = plan;
    const intervalMs = normaliseInterval(plan.intervalMs);
    if (intervalMs === slot.intervalMs) return;
    slot.intervalMs = intervalMs;
    slot.phaseMs = phaseOf(slot.key, intervalMs);
    if (slot.timer !== undefined) this.#opts.clock.clearTimeout(slot.timer);
    slot.tick = tickAtOrAfter(slot, this.#opts.clock.now());
    this.#arm(slot);
  }

  #remove(slot: Slot): void {
    if (this.#slots.get(slot.key) === slot) this.#slots.delete(slot.key);
    if (slot.timer !== undefined) this.#opts.clock.clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.abort?.abort(new Error('check no longer scheduled'));
    if (slot.status === 'waiting') {
      const at = this.#waiting.findIndex((w) => w.slot === slot);
      if (at >= 0) this.#waiting.splice(at, 1);
    }
  }

  #arm(slot: Slot): void {
    const clock = this.#opts.clock;
    const due = scheduledAt(slot, slot.tick);
    slot.timer = clock.setTimeout(() => this.#fire(slot), Math.max(0, due - clock.now()));
  }

  #fire(slot: Slot): void {
    slot.timer = undefined;
    if (this.#slots.get(slot.key) !== slot) return;
    const now = this.#opts.clock.now();
    this.#request(slot, scheduledAt(slot, slot.tick));
    let next = slot.tick + 1;
    // A stalled event loop may have carried us past whole ticks; they are gone, not owed.
    if (scheduledAt(slot, next) < now) {
      const caughtUp = tickAtOrAfter(slot, now);
      this.#missed += caughtUp - next;
      next = caughtUp;
    }
    slot.tick = next;
    this.#arm(slot);
  }

  /** One tick's wish to start a check that was due at `dueAt`. */
  #request(slot: Slot, dueAt: number): void {
    if (slot.status === 'running' && slot.owed === undefined) {
      // At most one check in flight per key: this tick waits for the running one to end. Without
      // this, a check whose timeout equals the interval would lose every other tick to a dead real
      // and take twice as long to take it out.
      slot.owed = dueAt;
      this.#deferred++;
      return;
    }
    if (slot.status !== 'idle') {
      this.#skippedBusy++;
      return;
    }
    if (this.#inFlight < Math.max(1, this.#opts.maxInFlight)) {
      this.#start(slot, dueAt);
      return;
    }
    slot.status = 'waiting';
    this.#queued++;
    this.#waiting.push({ slot, scheduledAt: dueAt });
  }

  #start(slot: Slot, dueAt: number): void {
    this.#inFlight++;
    this.#started++;
    this.#lateness[this.#latenessCount++ % this.#latenessSize()] = Math.max(0, this.#opts.clock.now() - dueAt);
    slot.status = 'running';
    const abort = new AbortController();
    slot.abort = abort;
    slot.running = this.#execute(slot, abort).finally(() => {
      this.#inFlight--;
      this.#completed++;
      slot.status = 'idle';
      slot.abort = undefined;
      slot.running = undefined;
      const owed = slot.owed;
      slot.owed = undefined;
      if (owed !== undefined && this.#slots.get(slot.key) === slot) this.#request(slot, owed);
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < Math.max(1, this.#opts.maxInFlight)) {
      const next = this.#waiting.shift();
      if (!next) return;
      this.#start(next.slot, next.scheduledAt);
    }
  }

  async #execute(slot: Slot, abort: AbortController): Promise<void> {
    const clock = this.#opts.clock;
    const t0 = clock.now();
    let result: CheckResult;
    const file = await this.#maintenanceFile(slot.key);
    if (abort.signal.aborted) return;
    if (file !== undefined) {
      result = { ok: false, reason: 'maintenance', detail: 'Server in maintenance', durationMs: clock.now() - t0 };
    } else {
      const probe = pick(slot);
      result = await this.#probe(probe, abort, t0);
      if (slot.plan.mode.kind === 'combined') slot.connects = nextConnects(slot.connects, probe.negotiate, result.ok);
    }
    // Aborted for any reason but the deadline means the key was removed: the result is dropped.
    if ((abort.signal.aborted && !timedOut(abort.signal)) || this.#slots.get(slot.key) !== slot) return;
    try {
      this.#opts.onResult(slot.key, result);
    } catch (err) {
      // A throwing consumer is a bug; surface it like a throwing event listener would, without
      // leaving this slot's bookkeeping half done.
      queueMicrotask(() => { throw err; });
    }
  }

  async #maintenanceFile(key: CheckKey): Promise<string | undefined> {
    if (!this.#opts.maintenance) return undefined;
    try {
      return await this.#opts.maintenance(key);
    } catch {
      // A failed lookup must not take a real out of service; the probe decides instead.
      return undefined;
    }
  }

  /**
   * Runs one probe under its deadline, which aborts the check's own controller (one controller
   * per check: removal and deadline share it). A checker that ignores the abort is abandoned
   * after a grace.
   */
  async #probe(probe: Probe, abort: AbortController, t0: number): Promise<CheckResult> {
    const clock = this.#opts.clock;
    const limit = clock.setTimeout(() => abort.abort(timeoutError(probe.timeoutMs)), probe.timeoutMs);
    let graceTimer: TimerHandle | undefined;
    const abandoned = new Promise<CheckResult>((resolve) => {
      const onAbort = (): void => {
        graceTimer = clock.setTimeout(() => resolve({
          ok: false,
          reason: 'timeout',
          detail: `check still running ${OVERDUE_GRACE_MS} ms after its deadline of ${probe.timeoutMs} ms; abandoned`,
          durationMs: clock.now() - t0,
        }), OVERDUE_GRACE_MS);
      };
      if (abort.signal.aborted) onAbort();
      else abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.#safeRun(probe.spec, abort.signal, t0), abandoned]);
    } finally {
      clock.clearTimeout(limit);
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
    }
  }

  async #safeRun(spec: CheckSpec, signal: AbortSignal, t0: number): Promise<CheckResult> {
    try {
      return await this.#opts.run(spec, signal);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, reason: 'error', detail: `checker threw: ${message}`, durationMs: this.#opts.clock.now() - t0 };
    }
  }
}

function timedOut(signal: AbortSignal): boolean {
  return signal.reason instanceof Error && signal.reason.name === 'TimeoutError';
}

function isRunnable(plan: CheckPlan): plan is CheckPlan & { readonly mode: RunnableMode } {
  const kind = plan.mode.kind;
  switch (kind) {
    case 'single':
    case 'combined':
      return true;
    case 'on':
    case 'off':
      return false;
    default: {
      const never: never = kind;
      throw new TypeError(`unknown check mode ${String(never)}`);
    }
  }
}

/** ldirectord §2.1: negotiate while the counter has reached `every`, connect otherwise. */
function pick(slot: Slot): Probe {
  const mode = slot.plan.mode;
  if (mode.kind === 'single') return { spec: mode.spec, timeoutMs: mode.timeoutMs, negotiate: false };
  return slot.connects >= mode.every
    ? { spec: mode.negotiate, timeoutMs: mode.negotiateTimeoutMs, negotiate: true }
    : { spec: mode.connect, timeoutMs: mode.connectTimeoutMs, negotiate: false };
}

/** A passing negotiate restarts the count; a failing connect forces the next tick to negotiate. */
function nextConnects(connects: number, negotiate: boolean, ok: boolean): number {
  if (negotiate) return ok ? 0 : connects;
  return ok ? connects + 1 : Infinity;
}

function normaliseInterval(intervalMs: number): number {
  return Math.max(1, Math.round(intervalMs));
}

function scheduledAt(slot: Slot, tick: number): number {
  return slot.phaseMs + tick * slot.intervalMs;
}

/** Index of the first tick at or after `time`. */
function tickAtOrAfter(slot: Slot, time: number): number {
  return Math.ceil((time - slot.phaseMs) / slot.intervalMs);
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
