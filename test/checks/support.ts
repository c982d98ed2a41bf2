/**
 * Small helpers shared by the checker tests: real deadlines, targets, and process liveness.
 */
import { readFileSync } from 'node:fs';
import type { CheckResult, CheckTarget } from '../../src/checks/types.js';
import { timeoutError } from '../../src/util/clock.js';
import type { LoopbackHost } from '../helpers/servers.js';

/** Runs `probe` under a real deadline of `ms`, aborted with the scheduler's reason. */
export async function within(ms: number, probe: (signal: AbortSignal) => Promise<CheckResult>): Promise<CheckResult> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(timeoutError(ms)), ms);
  try {
    return await probe(ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}

export function targetOf(host: LoopbackHost, port: number): CheckTarget {
  return { family: host === '::1' ? 6 : 4, address: host, port };
}

/** True once `promise` settles, false if it has not after `ms` (a liveness bound, not a speed test). */
export async function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A process that no longer runs: gone, or a zombie nobody has reaped yet. */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Polls `isGone` for every pid until all are gone or `ms` passes. */
export async function allGone(pids: readonly number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (pids.every(isGone)) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
