/** Readers for ldirectord-ng's own directives, which are strict where ldirectord is lenient. */
import { LIMITS } from './defaults.js';
import type { CheckWindow } from './model.js';
import { got, type At } from './values.js';

/** A whole number written as digits only, within [min, max]. */
export function readWholeNumber(at: At, value: string, min: number, max: number, message: string): number | undefined {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= min && n <= max) return n;
  }
  at.diag.error(at.line, at.directive, got(message, value));
  return undefined;
}

/** `risecount=N`, N >= 1. */
export function readRiseCount(at: At, value: string): number | undefined {
  return readWholeNumber(at, value, 1, Number.MAX_SAFE_INTEGER, 'risecount must be a whole number of 1 or more');
}

/** `checkwindow=K/N`, 1 <= K <= N <= 1000. */
export function readCheckWindow(at: At, value: string): CheckWindow | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const need = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (m && need >= 1 && need <= of && of <= LIMITS.maxWindow) return { need, of };
  at.diag.error(at.line, at.directive,
    got(`checkwindow must be K/N (K passes in the last N checks) with 1 <= K <= N <= ${LIMITS.maxWindow}`, value));
  return undefined;
}

/** `maxpurge=N%` or `maxpurge=N`, 0..100. */
export function readMaxPurge(at: At, value: string): number | undefined {
  const m = /^(\d+)%?$/.exec(value);
  const n = Number(m?.[1]);
  if (m && n <= 100) return n;
  at.diag.error(at.line, at.directive, got('maxpurge must be a percentage from 0 to 100, e.g. maxpurge=50%', value));
  return undefined;
}
