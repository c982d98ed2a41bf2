/**
 * The running monitor: one Config at a time, its check scheduler and health store, and the
 * reconciler that keeps the kernel table in line. No process concerns here (argv, pid file,
 * signals, log destinations): `cli/` builds the real implementations and drives this class, and
 * tests drive it with a memory backend, fake clock and scripted checks.
 *
 * Start adopts the table (reals in service stay up), reload swaps the config and carries health
 * over for every (real, check) that did not change, stop honours cleanstop per virtual.
 */
import { buildCheckPlans, type CheckPlans } from '../checks/plan.js';
import type { CheckKey, CheckResult, CheckSpec } from '../checks/types.js';
import { realKey, type RealKey } from '../config/keys.js';
import type { Config, RealServer, Virtual, VirtualKey } from '../config/model.js';
import { computeDesired } from '../desired/compute.js';
import { EMPTY_DESIRED, fallbackActive, type DesiredTable } from '../desired/types.js';
import { findMaintenanceFile, systemReverseLookup, type ReverseLookup } from '../health/maintenance.js';
import { CheckScheduler, type SchedulerStats } from '../health/scheduler.js';
import { HealthStore, type RealStatus } from '../health/store.js';
import type { IpvsBackend, ServiceKey } from '../ipvs/types.js';
import type { Log } from '../observe/log.js';
import { MonitorFile } from '../observe/monitorfile.js';
import { Reconciler, type PassReport } from '../reconcile/reconciler.js';
import type { Clock } from '../util/clock.js';
import { adoptFromTable } from './adopt.js';
import { FallbackCommands, type ShellRunner } from './fallback-command.js';
import { monitorRealId } from './monitor-id.js';

export interface DaemonDeps {
  readonly backend: IpvsBackend;
  readonly clock: Clock;
  readonly log: Log;
  /** The checker registry (`runCheck`), or a scripted one in tests. */
  readonly runCheck: (spec: CheckSpec, signal: AbortSignal) => Promise<CheckResult>;
  /** Runs fallbackcommand lines through the shell. */
  readonly shell: ShellRunner;
  /** For ftp/sip default logins; os.hostname() in production. */
  readonly hostname: string;
  readonly pid: number;
  /** Checks in flight at once. Default 1,000. */
  readonly maxInFlight?: number;
  /** Reconciler resync period (ms). Default 30,000. */
  readonly resyncMs?: number;
  readonly reverseLookup?: ReverseLookup;
}

export interface DaemonStatus {
  readonly configFile: string;
  readonly configHash: string;
  readonly reals: ReadonlyMap<RealKey, RealStatus>;
  readonly lastPass?: PassReport;
  readonly scheduler: SchedulerStats;
}

export class Daemon {
  readonly #d: DaemonDeps;
  #config: Config;
  #plans!: CheckPlans;
  readonly #store: HealthStore;
  readonly #scheduler: CheckScheduler;
  readonly #reconciler: Reconciler;
  readonly #fallbacks: FallbackCommands;
  #monitors = new Map<VirtualKey, MonitorFile>();
  /** Every configured (virtual, real) by real key, for monitor lines and maintenance lookups. */
  #reals = new Map<RealKey, { virtual: Virtual; real: RealServer }>();

  constructor(config: Config, deps: DaemonDeps) {
    this.#d = deps;
    this.#config = config;
    this.#store = new HealthStore({ log: deps.log, clock: deps.clock, onChange: () => this.#reconciler.trigger() });
    this.#scheduler = new CheckScheduler({
      clock: deps.clock,
      run: deps.runCheck,
      onResult: (key, result) => this.#onResult(key, result),
      maxInFlight: deps.maxInFlight ?? 1000,
      maintenance: (key) => this.#maintenance(key),
      firstCheck: 'immediate',
    });
    this.#reconciler = new Reconciler({
      backend: deps.backend,
      clock: deps.clock,
      log: deps.log,
      desired: () => this.desired(),
      maxPurgePercent: () => this.#config.globals.maxPurgePercent,
      resyncMs: deps.resyncMs ?? 30_000,
      onPass: (pass) => this.#fallbacks.update(this.#config.virtuals, (k) => fallbackActive(pass.desired, k)),
    });
    this.#fallbacks = new FallbackCommands(deps.shell, deps.log);
  }

  get config(): Config {
    return this.#config;
  }

  /** The table the kernel should hold now. */
  desired(): DesiredTable {
    return computeDesired(this.#config, (rk) => this.#store.stateOf(rk));
  }

  /**
   * Reads the table (rejects if it cannot: the caller exits), adopts the reals in service,
   * programs the table once, then starts checking and the periodic resync.
   */
  async start(): Promise<PassReport> {
    const table = await this.#d.backend.dump();
    this.#install(this.#config, adoptFromTable(this.#config, table));
    const report = await this.#reconciler.runPass('start');
    this.#reconciler.start();
    this.#scheduler.sync(this.#plans.plans);
    return report;
  }

  /**
   * Swaps in a new, valid config: services the old config had and the new one lacks become ours
   * to purge, health carries over for unchanged (real, check) pairs, new reals are adopted from
   * the table, and only what differs is touched.
   */
  async reload(next: Config): Promise<PassReport> {
    const before = new Set<ServiceKey>(this.desired().services.keys());
    let seeds: ReadonlyMap<RealKey, 'up' | 'down' | 'unknown'> = new Map();
    try {
      seeds = adoptFromTable(next, await this.#d.backend.dump());
    } catch (e) {
      this.#d.log.error(`Could not read the IPVS table to adopt new real servers: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.#config = next;
    this.#install(next, seeds);
    const after = new Set(this.desired().services.keys());
    this.#reconciler.own([...before].filter((k) => !after.has(k)));
    this.#scheduler.sync(this.#plans.plans);
    return this.#reconciler.runPass('start');
  }

  /**
   * Stops checking and, for every virtual with cleanstop=yes, removes it from the table
   * (ldirectord's stop purge); cleanstop=no virtuals are left exactly as they are.
   */
  async stop(): Promise<PassReport | undefined> {
    await this.#scheduler.stop();
    const current = this.desired();
    const clean = this.#config.virtuals.filter((v) => v.cleanstop).map((v) => current.byVirtual.get(v.key));
    this.#reconciler.own(clean.filter((k): k is ServiceKey => k !== undefined));
    return this.#reconciler.stop(() => EMPTY_DESIRED);
  }

  /** Asks for a reconcile pass soon (e.g. after an external event). */
  reconcileSoon(): void {
    this.#reconciler.trigger();
  }

  status(): DaemonStatus {
    return {
      configFile: this.#config.file,
      configHash: this.#config.hash,
      reals: this.#store.snapshot(),
      lastPass: this.#reconciler.lastPass(),
      scheduler: this.#scheduler.stats(),
    };
  }

  #install(config: Config, seeds: ReadonlyMap<RealKey, 'up' | 'down' | 'unknown'>): void {
    this.#plans = buildCheckPlans(config, this.#d.hostname);
    for (const w of this.#plans.warnings) this.#d.log.warning(w);
    this.#store.configure(config.virtuals, this.#plans.subscribers, this.#plans.checkOf, (ref) => seeds.get(ref.real));
    this.#reals = new Map(config.virtuals.flatMap((virtual) => virtual.reals.map((real) => [realKey(virtual.key, real), { virtual, real }] as const)));
    const monitors = new Map<VirtualKey, MonitorFile>();
    for (const v of config.virtuals) {
      if (v.monitorfile === undefined) continue;
      const old = this.#monitors.get(v.key);
      monitors.set(v.key, old?.path === v.monitorfile ? old : new MonitorFile(v.monitorfile, this.#d.log));
    }
    this.#monitors = monitors;
  }

  #onResult(key: CheckKey, result: CheckResult): void {
    this.#store.apply(key, result);
    if (this.#monitors.size === 0) return;
    const time = new Date(this.#d.clock.wallNow());
    for (const ref of this.#plans.subscribers.get(key) ?? []) {
      const monitor = this.#monitors.get(ref.virtual);
      const found = monitor && this.#reals.get(ref.real);
      if (!monitor || !found) continue;
      monitor.append({
        time,
        pid: this.#d.pid,
        realId: monitorRealId(found.virtual, found.real),
        state: result.ok ? 'up' : 'down',
        message: result.detail,
      });
    }
  }

  async #maintenance(key: CheckKey): Promise<string | undefined> {
    const dir = this.#config.globals.maintenancedir;
    if (dir === undefined) return undefined;
    const ref = this.#plans.subscribers.get(key)?.[0];
    const found = ref && this.#reals.get(ref.real);
    if (!found) return undefined;
    return findMaintenanceFile(dir, found.real, this.#d.reverseLookup ?? systemReverseLookup);
  }
}
