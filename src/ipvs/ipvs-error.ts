import { DaemonError } from '../util/errors.js';
import type { IpvsOp } from './types.js';

/**
 * A kernel (or backend) refusal of one op. Keeps the errno and says which op on which rule, so a
 * log line alone tells an operator what failed.
 */
export class IpvsError extends DaemonError {
  constructor(
    /** The op that failed; undefined for dumps and family resolution. */
    readonly op: IpvsOp | undefined,
    /** Positive errno (e.g. 17 for EEXIST); 0 when the failure was not an errno. */
    readonly errno: number,
    /** Symbolic errno name, e.g. `EEXIST`. */
    readonly errnoName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('LD_ERR_IPVS', message, options);
  }
}

/** Raised when the kernel has no IPVS at all (family missing) or we may not talk to it. */
export class IpvsUnavailableError extends DaemonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LD_ERR_IPVS_UNAVAILABLE', message, options);
  }
}
