/**
 * The health of every (virtual, real) pair, fed by check results. It owns the RealHealth values,
 * runs step() for each subscriber of a result with that virtual's policy, writes ldirectord's
 * soft-failure lines, and reports transitions. It decides nothing about IPVS: the daemon
 * recomputes the desired table when `onChange` fires.
 */
import type { CheckKey, CheckResult } from '../checks/types.js';
import { realKey, type RealKey } from '../config/keys.js';
import type { RealServer, Virtual, VirtualKey } from '../config/model.js';
import type { Log } from '../observe/log.js';
import type { Clock } from '../util/clock.js';
import { hostPort } from '../util/ip.js';
import type { HealthState } from './health-state.js';
import { forceDown, initialHealth, step, type HealthEvent, type HealthPolicy, type RealHealth } from './state.js';

/** One real inside one virtual; structurally the same as checks/plan.ts's RealRef. */
export interface RealRef {
  readonly virtual: VirtualKey;
  readonly real: RealKey;
}

/** A state change of one real in one virtual. */
export interface HealthTransition {
  readonly virtual: VirtualKey;
  readonly real: RealKey;
  readonly from: HealthState;
  readonly to: HealthState;
  /** The result that caused it. */
  readonly result: CheckResult;
  /** Wall-clock ms since the epoch. */
  readonly at: number;
}

/** What status output shows for one real. */
export interface RealStatus {
  readonly virtual: VirtualKey;
  readonly real: RealKey;
  /** The real's configured address and port, as log lines print them (`[v6]:port`). */
  readonly endpoint: string;
  readonly check?: CheckKey;
  readonly state: HealthState;
  readonly failCount: number;
  readonly passStreak: number;
  readonly policy: HealthPolicy;
  /** Wall-clock ms of the last state change, or of the entry's creation. */
  readonly since: number;
  readonly lastResult?: CheckResult;
  /** Wall-clock ms of the last result. */
  readonly lastResultAt?: number;
}

export interface HealthStoreOptions {
  readonly log: Log;
  /** For `since` and transition times (wallNow). */
  readonly clock: Clock;
  /** Called once after any apply() that changed at least one state. */
  readonly onChange?: () => void;
  /** Called for each transition, in order, before onChange. */
  readonly onTransition?: (transition: HealthTransition) => void;
}

interface Entry {
  readonly ref: RealRef;
  readonly virtual: Virtual;
  readonly real: RealServer;
  readonly check: CheckKey | undefined;
  readonly policy: HealthPolicy;
  /** checktype=on/off: results never move these. */
  readonly pinned: boolean;
  health: RealHealth;
  since: number;
  lastResult?: CheckResult;
  lastResultAt?: number;
}

/** Holds RealHealth per (virtual, real); see the file comment. */
export class HealthStore {
  readonly #opts: HealthStoreOptions;
  #entries = new Map<RealKey, Entry>();
  #subscribers: ReadonlyMap<CheckKey, readonly RealRef[]> = new Map();

  constructor(opts: HealthStoreOptions) {
    this.#opts = opts;
  }

  /**
   * (Re)builds the entries for a configuration. An entry whose real key, check key and policy are
   * all unchanged keeps its health (reload carry-over); any other starts from `seed(ref)` or
   * `unknown`. checktype=on reals are always up; checktype=off reals are the seed or down.
   */
  configure(
    virtuals: readonly Virtual[],
    subscribers: ReadonlyMap<CheckKey, readonly RealRef[]>,
    checkOf: ReadonlyMap<RealKey, CheckKey>,
    seed: (ref: RealRef) => HealthState | undefined,
  ): void {
    const now = this.#opts.clock.wallNow();
    const entries = new Map<RealKey, Entry>();
    for (const virtual of virtuals) {
      const policy = policyOf(virtual);
      const kind = virtual.checktype.kind;
      for (const real of virtual.reals) {
        const ref: RealRef = { virtual: virtual.key, real: realKey(virtual.key, real) };
        const check = checkOf.get(ref.real);
        const old = this.#entries.get(ref.real);
        const pinned = kind === 'on' || kind === 'off';
        const kept = old !== undefined && old.check === check && old.pinned === pinned && samePolicy(old.policy, policy)
          ? old : undefined;
        const health = kind === 'on' ? initialHealth('up')
          : kept ? kept.health
          : initialHealth(seed(ref) ?? (kind === 'off' ? 'down' : 'unknown'));
        const fresh: Entry = { ref, virtual, real, check, policy, pinned, health, since: now };
        if (kept && kept.health.state === health.state) {
          fresh.since = kept.since;
          fresh.lastResult = kept.lastResult;
          fresh.lastResultAt = kept.lastResultAt;
        }
        entries.set(ref.real, fresh);
      }
    }
    this.#entries = entries;
    this.#subscribers = subscribers;
  }

  /**
   * Applies one result of `key` to every real subscribed to it, once per virtual with that
   * virtual's policy (ldirectord counts a shared real k times per failure; we count it once).
   * A maintenance result takes the real down at once, as ldirectord's forced down does.
   */
  apply(key: CheckKey, result: CheckResult): HealthTransition[] {
    const transitions: HealthTransition[] = [];
    const at = this.#opts.clock.wallNow();
    for (const ref of this.#subscribers.get(key) ?? []) {
      const entry = this.#entries.get(ref.real);
      if (!entry) continue;
      entry.lastResult = result;
      entry.lastResultAt = at;
      if (entry.pinned) continue;
      const from = entry.health.state;
      const outcome = !result.ok && result.reason === 'maintenance'
        ? forceDown(entry.health, entry.policy)
        : step(entry.health, result.ok, entry.policy);
      entry.health = outcome.next;
      for (const event of outcome.events) this.#log(entry, event, result);
      if (outcome.next.state !== from) {
        entry.since = at;
        transitions.push({ virtual: ref.virtual, real: ref.real, from, to: outcome.next.state, result, at });
      }
    }
    for (const t of transitions) this.#opts.onTransition?.(t);
    if (transitions.length > 0) this.#opts.onChange?.();
    return transitions;
  }

  /** Current state of a real; `unknown` for one that is not configured. */
  stateOf(real: RealKey): HealthState {
    return this.#entries.get(real)?.health.state ?? 'unknown';
  }

  /** Every configured real, in configuration order, for status output and the desired table. */
  snapshot(): ReadonlyMap<RealKey, RealStatus> {
    const out = new Map<RealKey, RealStatus>();
    for (const [key, e] of this.#entries) {
      out.set(key, {
        virtual: e.ref.virtual,
        real: e.ref.real,
        endpoint: hostPort(e.real.address, e.real.port),
        ...(e.check !== undefined ? { check: e.check } : {}),
        state: e.health.state,
        failCount: e.health.failCount,
        passStreak: e.health.passStreak,
        policy: e.policy,
        since: e.since,
        ...(e.lastResult !== undefined ? { lastResult: e.lastResult, lastResultAt: e.lastResultAt } : {}),
      });
    }
    return out;
  }

  #log(entry: Entry, event: HealthEvent, result: CheckResult): void {
    const where = `${hostPort(entry.real.address, entry.real.port)} (${entry.ref.virtual})`;
    switch (event.kind) {
      case 'soft-failure':
        this.#opts.log.info(`Soft failure real server: ${where} failure ${event.count}/${event.max}`);
        return;
      case 'reset-soft-failures':
        this.#opts.log.info(`Resetting soft failure count: ${where}`);
        return;
      case 'went-up':
      case 'went-down':
        this.#opts.log.debug(`Real server ${where} ${event.kind === 'went-up' ? 'up' : 'down'} (was ${event.from}): ${result.detail}`);
        return;
      default: {
        const never: never = event;
        throw new TypeError(`unknown health event ${JSON.stringify(never)}`);
      }
    }
  }
}

/** A virtual's thresholds as step() takes them. */
export function policyOf(virtual: Virtual): HealthPolicy {
  return {
    failureCount: virtual.failureCount,
    riseCount: virtual.riseCount,
    ...(virtual.window ? { window: { need: virtual.window.need, of: virtual.window.of } } : {}),
  };
}

function samePolicy(a: HealthPolicy, b: HealthPolicy): boolean {
  return a.failureCount === b.failureCount && a.riseCount === b.riseCount
    && a.window?.need === b.window?.need && a.window?.of === b.window?.of;
}
