/**
 * Where in its interval a check starts. A stable hash of the check key, so that starts spread
 * over the interval instead of bunching at start-up, and a key keeps its slot across reloads and
 * restarts (the schedule is then predictable from the key alone).
 */
import type { CheckKey } from '../checks/types.js';

/** Offset in ms, in [0, intervalMs), of `key`'s ticks: they fall at phase + k × intervalMs. */
export function phaseOf(key: CheckKey | string, intervalMs: number): number {
  return fnv1a32(key) % intervalMs;
}

/** 32-bit FNV-1a over the UTF-16 code units: cheap, well spread, and the same on every run. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
