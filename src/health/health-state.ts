/**
 * The health of one real in one virtual, as the rest of the daemon sees it. `unknown` is a real
 * that has not been checked yet and was not adopted from the kernel table at start.
 */
export type HealthState = 'unknown' | 'up' | 'down';
