/**
 * How a service dialog says "this real is down, and here is why" from deep inside an exchange:
 * thrown by the dialog, caught by the checker that ran it and turned into a failed CheckResult.
 * It never leaves a checker (the contract: failure is a value).
 */
import { DaemonError } from '../../util/errors.js';
import type { FailureReason } from '../types.js';

/** One failed step of a service check: `text` is lower-case, one line, no trailing period. */
export class LineFailure extends DaemonError {
  constructor(
    readonly reason: FailureReason,
    readonly text: string,
  ) {
    super('LD_ERR_CHECK_FAILED', text);
  }
}
