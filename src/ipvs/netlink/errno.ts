/**
 * Errno names and what each errno means for a given IPVS command, from the kernel's
 * `ip_vs_ctl.c` (reference stack.md §1.8), so an error message alone tells an operator what
 * went wrong.
 */
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import type { IpvsCmdName } from './attrs.js';

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
export const EAFNOSUPPORT = 97;
export const EACCES = 13;

/** The two ways the kernel says "not allowed" (generic netlink uses EPERM). */
export const EACCES_OR_EPERM: ReadonlySet<number> = new Set([EPERM, EACCES]);

/** Symbolic name of a positive errno, e.g. `ENOENT`; `E<n>` when Node does not know it. */
export function errnoName(errno: number): string {
  // Node calls 95 ENOTSUP; the kernel (and every IPVS reference) calls it EOPNOTSUPP.
  if (errno === EOPNOTSUPP) return 'EOPNOTSUPP';
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
}

/** The C library's description of an errno, e.g. `no such file or directory`. */
export function errnoText(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[1] ?? 'unknown error';
}

const SERVICE_CMDS: ReadonlySet<IpvsCmdName> = new Set(['NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'GET_SERVICE']);

/** A short human meaning of `errno` as an answer to `cmd`, e.g. `service not defined`. */
export function ipvsErrnoMeaning(cmd: IpvsCmdName, errno: number): string {
  const isService = SERVICE_CMDS.has(cmd);
  switch (errno) {
    case EEXIST:
      return isService ? 'service already exists' : 'destination already exists';
    case ESRCH:
      return isService ? 'no such service' : 'service not defined';
    case ENOENT:
      if (cmd === 'NEW_SERVICE' || cmd === 'SET_SERVICE') return 'scheduler or persistence engine not found';
      if (cmd === 'SET_DEST' || cmd === 'DEL_DEST') return 'no such destination';
      return 'not found';
    case ERANGE:
      return 'weight or threshold out of range (negative weight, or lower threshold above upper)';
    case EINVAL:
      return 'invalid request (missing or malformed attribute, IPv6 netmask outside 1..128, non-unicast address, or a dest of another family without tunnel forwarding)';
    case EAFNOSUPPORT:
      return 'address family not supported';
    case EOPNOTSUPP:
      return 'operation not supported';
    case EPERM:
      return 'permission denied (needs root or CAP_NET_ADMIN)';
    case EBUSY:
      return 'another dump is running on this socket';
    default:
      return errnoText(errno);
  }
}
