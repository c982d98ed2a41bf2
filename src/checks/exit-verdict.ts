/**
 * How a finished check process becomes a CheckResult: exit status 0 is up, anything else is down,
 * and the detail quotes the last line the process printed so that the reason shows in one line.
 */
import type { CheckTimer } from './check-timer.js';
import { deadlineText } from './net-error.js';
import type { ProcessOutcome } from './process-group.js';
import type { CheckResult } from './types.js';

const QUOTE_CHARS = 200;

/** Judges `outcome`; `label` names the command in every detail. */
export function exitVerdict(outcome: ProcessOutcome, label: string, timer: CheckTimer, signal: AbortSignal): CheckResult {
  switch (outcome.kind) {
    case 'spawn-failed':
      return timer.down('error', `${label}: cannot run: ${outcome.error.message}`);
    case 'deadline':
      return timer.down('timeout', `${label}: ${deadlineText(signal)}; process group killed${said(outcome.stderr || outcome.stdout)}`);
    case 'exited': {
      if (outcome.code === 0) return timer.up(`exit status 0${said(outcome.stdout || outcome.stderr)}`);
      const how = outcome.code === null ? `killed by ${outcome.signal ?? 'a signal'}` : `exit status ${outcome.code}`;
      return timer.down('exit-status', `${label}: ${how}${said(outcome.stderr || outcome.stdout)}`);
    }
  }
}

/** `: <last non-empty line>`, or nothing when the process printed nothing. */
function said(output: string): string {
  const line = output.split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
  if (line === undefined) return '';
  return `: ${line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}...` : line}`;
}
