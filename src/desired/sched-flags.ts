import { SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3 } from '../ipvs/types.js';

/** The names ipvsadm's `-b` accepts, with the service flag bit each sets. */
export const SCHED_FLAG_BITS: ReadonlyMap<string, number> = new Map([
  ['flag-1', SVC_F_SCHED1],
  ['sh-fallback', SVC_F_SCHED1],
  ['mh-fallback', SVC_F_SCHED1],
  ['flag-2', SVC_F_SCHED2],
  ['sh-port', SVC_F_SCHED2],
  ['mh-port', SVC_F_SCHED2],
  ['flag-3', SVC_F_SCHED3],
]);

/**
 * `schedflags=` (ipvsadm's `-b` argument, comma-separated) → `SVC_F_SCHED*` bits. Unknown names
 * add nothing: rejecting them is config validation's job, and this function must stay total.
 */
export function parseSchedFlags(text: string | undefined): number {
  if (text === undefined) return 0;
  let flags = 0;
  for (const name of text.split(',')) flags |= SCHED_FLAG_BITS.get(name.trim().toLowerCase()) ?? 0;
  return flags;
}
