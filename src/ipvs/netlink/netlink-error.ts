import { DaemonError } from '../../util/errors.js';
import { errnoName } from './errno.js';

/**
 * A failure of the generic-netlink layer itself: the socket could not be opened or written, a
 * reply did not come in time, the socket was closed under a request, a family lookup was
 * refused. Kernel refusals of IPVS commands are not thrown as this; they come back as values.
 */
export class NetlinkError extends DaemonError {
  /** Symbolic errno name, e.g. `ENOENT`; empty when `errno` is 0. */
  readonly errnoName: string;
  constructor(
    /** Positive errno; 0 when the failure was not an errno (timeout, closed socket, bad reply). */
    readonly errno: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('LD_ERR_NETLINK', message, options);
    this.errnoName = errno === 0 ? '' : errnoName(errno);
  }
}
