/**
 * Level-triggered reconciliation: every pass reads the whole table fresh, recomputes the desired
 * table from the current config and health, diffs them with the pure `plan()` and applies the
 * ops one at a time. Health changes, reloads, start, stop and drift repair all go through this
 * one path; nothing turns "real went down" straight into a kernel call.
 *
 * Passes never overlap: triggers that arrive during a pass (or within `coalesceMs` of the first
 * one) collapse into one more pass. A failed op or dump is logged and counted, and the next pass
 * is scheduled with exponential backoff; a kernel error never stops the daemon. A periodic resync
 * repairs drift (`ipvsadm -e`, `-d`, `-C` by hand) even when nothing else happens.
 */
import { describeOp, type OpPhase } from '../desired/describe-op.js';
import type { DesiredTable } from '../desired/types.js';
import { IpvsError } from '../ipvs/ipvs-error.js';
import { classifyPurge, exceedsPurgeLimit, isConfigPurge, plan } from '../ipvs/plan.js';
import { serviceKey, type IpvsBackend, type IpvsOp, type IpvsTable, type ServiceKey } from '../ipvs/types.js';
import type { Log } from '../observe/log.js';
import type { Clock, TimerHandle } from '../util/clock.js';

export interface ReconcilerOptions {
  readonly backend: IpvsBackend;
  readonly clock: Clock;
  readonly log: Log;
  /** The desired table for this moment (config × health); called once per pass. */
  readonly desired: () => DesiredTable;
  /** The config's `maxpurge=` share (percent; 100 = no guard). */
  readonly maxPurgePercent: () => number;
  /** Triggers closer together than this run as one pass (ms). Default 50. */
  readonly coalesceMs?: number;
  /** Period of the drift-repairing resync (ms). Default 30,000. */
  readonly resyncMs?: number;
  /** First retry delay after a failed pass (ms), doubling up to `maxBackoffMs`. Default 1,000. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Told about every finished pass (status output, fallbackcommand, tests). */
  readonly onPass?: (pass: PassReport) => void;
}

/** What one pass did. */
export interface PassReport {
  /** Wall-clock ms when the pass began. */
  readonly at: number;
  readonly phase: OpPhase;
  readonly desired: DesiredTable;
  /** Ops applied successfully, in order. */
  readonly applied: readonly IpvsOp[];
  /** Ops the kernel refused, with why. */
  readonly failed: readonly { readonly op: IpvsOp; readonly error: string }[];
  /** Config purges held back by the maxpurge guard. */
  readonly refused: readonly IpvsOp[];
  /** Set when the table could not be read at all. */
  readonly dumpError?: string;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  /** Services this daemon manages beyond the desired ones: those of earlier configs not yet purged. */
  #owned = new Set<ServiceKey>();
  #timer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #stopped = false;
  #lastRefusal = '';
  #last: PassReport | undefined;
  #counters = { passes: 0, opsApplied: 0, opsFailed: 0, dumpFailures: 0 };

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  /** Marks services as ours (e.g. the previous config's, on reload) so a pass may delete them. */
  own(keys: Iterable<ServiceKey>): void {
    for (const k of keys) this.#owned.add(k);
  }

  /** Starts the periodic resync. */
  start(): void {
    this.#armResync();
  }

  /** Asks for a pass soon; calls close together become one pass. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#runLoop();
    }, this.#o.coalesceMs ?? 50);
  }

  /** Runs one pass now (after any pass in progress) and reports it. */
  async runPass(phase: OpPhase = 'start'): Promise<PassReport> {
    const report = await this.#runOnce(phase);
    // A trigger that arrived during this pass (a check result while start or reload programs the
    // table) asked for one more; #runLoop honours its own, and without this it would wait for
    // the next resync.
    if (this.#again && !this.#stopped) {
      this.#again = false;
      this.trigger();
    }
    return report;
  }

  async #runOnce(phase: OpPhase): Promise<PassReport> {
    while (this.#running) await this.#running;
    let report: PassReport | undefined;
    const run = this.#pass(phase).then((r) => { report = r; });
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = undefined;
    }
    return report as PassReport;
  }

  /**
   * Stops reconciling. The final pass (the caller's desired table at that moment, e.g. without
   * the cleanstop virtuals) runs with phase `stop`, so deletions log as ldirectord's stop purge.
   */
  async stop(finalDesired?: () => DesiredTable): Promise<PassReport | undefined> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    if (this.#resyncTimer !== undefined) this.#o.clock.clearTimeout(this.#resyncTimer);
    this.#timer = this.#resyncTimer = undefined;
    while (this.#running) await this.#running;
    if (!finalDesired) return undefined;
    return this.#pass('stop', finalDesired);
  }

  /** The last pass, for status output. */
  lastPass(): PassReport | undefined {
    return this.#last;
  }

  counters(): Readonly<{ passes: number; opsApplied: number; opsFailed: number; dumpFailures: number }> {
    return { ...this.#counters };
  }

  async #runLoop(): Promise<void> {
    do {
      this.#again = false;
      await this.#runOnce('start');
    } while (this.#again && !this.#stopped);
  }

  async #pass(phase: OpPhase, desiredOf: () => DesiredTable = this.#o.desired): Promise<PassReport> {
    const at = this.#o.clock.wallNow();
    this.#counters.passes++;
    let actual: IpvsTable;
    const desired = desiredOf();
    try {
      actual = await this.#o.backend.dump();
    } catch (e) {
      this.#counters.dumpFailures++;
      const error = errorText(e);
      this.#o.log.error(`Could not read the IPVS table: ${error}`);
      return this.#finish({ at, phase, desired, applied: [], failed: [], refused: [], dumpError: error });
    }
    const owned = new Set([...this.#owned, ...desired.services.keys()]);
    let ops = plan(desired, actual, owned);
    const refused: IpvsOp[] = [];
    if (phase !== 'stop') {
      const summary = classifyPurge(ops, desired, actual, owned);
      const limit = this.#o.maxPurgePercent();
      if (exceedsPurgeLimit(summary, limit)) {
        const purges = new Set(ops.filter((op) => isConfigPurge(op, desired)));
        refused.push(...purges);
        ops = ops.filter((op) => !purges.has(op));
        const text = refused.map((op) => describeOp(op, desired, phase)).join('; ');
        if (text !== this.#lastRefusal) {
          this.#o.log.error(
            `Refusing to purge ${summary.configPurges} of ${summary.managedSize} managed IPVS entries ` +
              `(${summary.purgePercent.toFixed(0)}% > maxpurge=${limit}%): the configuration no longer names them. ` +
              `Set maxpurge=100% in the configuration to allow it. Held back: ${text}`,
          );
        }
        this.#lastRefusal = text;
      } else {
        this.#lastRefusal = '';
      }
    }
    const applied: IpvsOp[] = [];
    const failed: { op: IpvsOp; error: string }[] = [];
    for (const op of ops) {
      try {
        await this.#o.backend.apply(op);
        applied.push(op);
        this.#counters.opsApplied++;
        this.#o.log.info(describeOp(op, desired, phase));
      } catch (e) {
        this.#counters.opsFailed++;
        const error = errorText(e);
        failed.push({ op, error });
        this.#o.log.error(`Failed: ${describeOp(op, desired, phase)}: ${error}`);
      }
    }
    // Services of earlier configs stay ours until their purge went through.
    for (const op of applied) if (op.op === 'del-service') this.#owned.delete(serviceKey(op.id));
    return this.#finish({ at, phase, desired, applied, failed, refused });
  }

  #finish(report: PassReport): PassReport {
    this.#last = report;
    const ok = report.dumpError === undefined && report.failed.length === 0;
    this.#failures = ok ? 0 : this.#failures + 1;
    if (!ok && !this.#stopped) this.#retryLater();
    this.#o.onPass?.(report);
    return report;
  }

  #retryLater(): void {
    const base = this.#o.backoffMs ?? 1000;
    const delay = Math.min(this.#o.maxBackoffMs ?? 30_000, base * 2 ** (this.#failures - 1));
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#runLoop();
    }, delay);
  }

  #armResync(): void {
    if (this.#stopped) return;
    this.#resyncTimer = this.#o.clock.setTimeout(() => {
      this.#resyncTimer = undefined;
      this.trigger();
      this.#armResync();
    }, this.#o.resyncMs ?? 30_000);
  }
}

function errorText(e: unknown): string {
  if (e instanceof IpvsError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
