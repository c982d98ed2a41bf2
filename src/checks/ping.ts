/**
 * checktype=ping (and checktype=connect on a UDP virtual): ICMP echo through the system `ping`
 * (iputils), one echo per attempt, up on the first reply. Each attempt waits at most
 * `attemptTimeoutMs` for its reply (`-W`, fractional seconds); the signal bounds the whole check.
 * The binary needs CAP_NET_RAW or ping_group_range, which iputils' package sets up; ldirectord's
 * Net::Ping needed root and could not ping IPv6 at all.
 */
import { startCheckTimer } from './check-timer.js';
import { deadlineText } from './net-error.js';
import { runProcessGroup } from './process-group.js';
import type { CheckSpecOf, Checker, FailureReason } from './types.js';

/** `count` attempts of `ping -c 1 -W <s> -n`; the detail on success gives the round trip. */
export const pingCheck: Checker<CheckSpecOf<'ping'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const { address, family } = spec.target;
  const label = `ping ${address}`;
  const count = Math.max(1, spec.count);
  const waitSec = (Math.max(1, spec.attemptTimeoutMs) / 1000).toFixed(3);
  let reason: FailureReason = 'timeout';
  let why = `no echo reply within ${spec.attemptTimeoutMs} ms`;
  for (let attempt = 1; attempt <= count; attempt++) {
    const args = [family === 6 ? '-6' : '-4', '-c', '1', '-W', waitSec, '-n', address];
    const outcome = await runProcessGroup('ping', args, signal);
    switch (outcome.kind) {
      case 'spawn-failed':
        return timer.down('error', `${label}: cannot run ping: ${outcome.error.message}`);
      case 'deadline':
        return timer.down('timeout', `${label}: ${deadlineText(signal)} (attempt ${attempt}/${count})`);
      case 'exited': {
        if (outcome.code === 0) {
          const rtt = /time[=<]([\d.]+ ?ms)/.exec(outcome.stdout)?.[1];
          return timer.up(`echo reply from ${address}${rtt ? ` in ${rtt}` : ''} (attempt ${attempt}/${count})`);
        }
        const lines = `${outcome.stdout}\n${outcome.stderr}`.split('\n').map((l) => l.trim());
        // "Cannot assign requested address": no source address can reach it (IPv6 with no route).
        const unreachable = lines.find((l) => /unreachable|prohibited|cannot assign requested address/i.test(l));
        if (unreachable !== undefined) {
          reason = 'unreachable';
          why = unreachable;
        } else if (outcome.code === 1) {
          reason = 'timeout';
          why = `no echo reply within ${spec.attemptTimeoutMs} ms`;
        } else {
          reason = 'error';
          why = lastLine(outcome.stderr) ?? `ping exit status ${outcome.code ?? outcome.signal}`;
        }
      }
    }
  }
  return timer.down(reason, `${label}: ${why} (${count} attempt${count === 1 ? '' : 's'})`);
};

function lastLine(text: string): string | undefined {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
}
