/**
 * checktype=external: run `checkcommand <vip|fwmark> <vport> <rip> <rport>` with no shell (so the
 * command cannot carry arguments, as in ldirectord). Exit status 0 is up. At the deadline the
 * command's whole process group is killed, grandchildren included.
 */
import { startCheckTimer } from './check-timer.js';
import { exitVerdict } from './exit-verdict.js';
import { runProcessGroup } from './process-group.js';
import type { CheckSpecOf, Checker } from './types.js';

/** Runs the command; the detail quotes the last line it printed. */
export const externalCheck: Checker<CheckSpecOf<'external'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const outcome = await runProcessGroup(spec.command, spec.args, signal);
  return exitVerdict(outcome, `external ${[spec.command, ...spec.args].join(' ')}`, timer, signal);
};
