import { IpvsUnavailableError } from '../ipvs-error.js';
import { EACCES_OR_EPERM, ENOENT, errnoName, errnoText } from './errno.js';

/**
 * The one-sentence reason IPVS cannot be used, from the errno the kernel gave while we resolved
 * the `IPVS` family or asked it for its version: what is wrong and what the operator can do.
 */
export function ipvsUnavailable(errno: number, cause?: unknown): IpvsUnavailableError {
  const options = cause === undefined ? undefined : { cause };
  if (errno === ENOENT) {
    return new IpvsUnavailableError(
      'IPVS is not available: the ip_vs kernel module is not loaded and could not be loaded (try `modprobe ip_vs`).',
      options,
    );
  }
  if (EACCES_OR_EPERM.has(errno)) {
    return new IpvsUnavailableError(
      'IPVS access was denied: ldirectord-ng must run as root or with CAP_NET_ADMIN to manage the IPVS table.',
      options,
    );
  }
  if (errno === 0) {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new IpvsUnavailableError(`IPVS is not available: ${why.replace(/\.$/, '')}.`, options);
  }
  return new IpvsUnavailableError(
    `IPVS is not available: the kernel answered ${errnoName(errno)} (${errnoText(errno)}) when asked for the IPVS family and version.`,
    options,
  );
}
