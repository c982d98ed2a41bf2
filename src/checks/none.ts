/**
 * service=none: nothing is sent and the real is always up (ldirectord's behaviour for a port it
 * has no negotiate check for, which is why an unknown port silently means "no health checking").
 */
import type { CheckSpecOf, Checker } from './types.js';

/** Always up, at once. */
export const noneCheck: Checker<CheckSpecOf<'none'>> = async () => ({
  ok: true,
  detail: 'service none: nothing to check',
  durationMs: 0,
});
