import { describeOp } from '../desired/describe-op.js';
import type { DaemonStatus } from './daemon.js';

/**
 * The state dump SIGUSR1 writes to the log: config identity, every real's health with its last
 * check result, the scheduler's counters and the last reconcile pass. One fact per line, so it
 * reads well in syslog.
 */
export function statusLines(s: DaemonStatus, nowMs: number): string[] {
  const age = (ms: number | undefined): string => (ms === undefined ? 'never' : `${((nowMs - ms) / 1000).toFixed(1)}s ago`);
  const lines = [`State dump: config ${s.configFile} sha256 ${s.configHash}`];
  for (const r of s.reals.values()) {
    const last = r.lastResult
      ? `${r.lastResult.ok ? 'pass' : `fail (${r.lastResult.reason})`} ${age(r.lastResultAt)}: ${r.lastResult.detail}`
      : 'no result yet';
    lines.push(`State dump: real ${r.endpoint} (${r.virtual}) ${r.state} since ${age(r.since)}, failures ${r.failCount}/${r.policy.failureCount}, last check ${last}`);
  }
  const st = s.scheduler;
  lines.push(`State dump: checks started ${st.started}, completed ${st.completed}, deferred ${st.deferred}, skipped busy ${st.skippedBusy}, in flight ${st.inFlight}, waiting ${st.waiting}`);
  const p = s.lastPass;
  if (!p) {
    lines.push('State dump: no reconcile pass yet');
  } else {
    const outcome = p.dumpError !== undefined ? `table unreadable: ${p.dumpError}`
      : `${p.applied.length} op(s) applied, ${p.failed.length} failed, ${p.refused.length} held back`;
    lines.push(`State dump: last reconcile ${age(p.at)}: ${outcome}`);
    for (const f of p.failed) lines.push(`State dump: failed op: ${describeOp(f.op, p.desired, p.phase)}: ${f.error}`);
  }
  return lines;
}
