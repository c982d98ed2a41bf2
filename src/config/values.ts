/**
 * Readers for directive values with ldirectord's lenient rules: numbers are the first run of
 * digits anywhere in the value (`checkinterval=1.5` is 1), `yes`/`no` must match exactly,
 * quoted values run to the last `"` on the line. Where ldirectord silently reads something
 * other than what was written, a warning says what was read.
 */
import { LIMITS } from './defaults.js';
import type { Diagnostics } from './diagnostics.js';

/** Where a value came from, for messages. */
export interface At {
  readonly diag: Diagnostics;
  readonly line: number;
  readonly directive: string;
  /** True for global lines, where `#` is not a comment. */
  readonly global: boolean;
}

/**
 * How a numeric directive treats zero, as ldirectord tests it:
 * - `positive`: the number must be > 0 (`"00"` is rejected);
 * - `nonzero`: the digits must not be exactly `"0"` (ldirectord's `&& $1` truth test, so it
 *   accepts `"00"`; we warn and treat such a value as not set);
 * - `any`: zero is fine.
 */
export type ZeroRule = 'positive' | 'nonzero' | 'any';

/** `"value"` for messages, shortened when long. */
export function show(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(cut);
}

/**
 * `text` for a message: control characters written as escapes (`\t`, `\x1b`) so it stays on
 * one line, and cut after 200 characters.
 */
export function escapeControls(text: string): string {
  const cut = text.length > 200 ? `${text.slice(0, 197)}...` : text;
  return cut.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** ldirectord's message, followed by what was found. */
export function got(message: string, value: string): string {
  return value === '' ? `${message} (no value given)` : `${message} (got ${show(value)})`;
}

/** The hint added when a value failed and contains `#` on a global line. */
export function commentHint(at: At, value: string): string {
  return at.global && value.includes('#')
    ? '; a "#" starts a comment only at the start of a line outside virtual sections'
    : '';
}

/**
 * A number read the ldirectord way. Returns the number, `null` for an accepted value that is
 * treated as not set (all zeros under `nonzero`), or `undefined` after reporting a problem.
 */
export function readNumber(
  at: At,
  value: string,
  rule: ZeroRule,
  message: string,
  max: number = Number.MAX_SAFE_INTEGER,
): number | null | undefined {
  const m = /\d+/.exec(value);
  if (!m) {
    at.diag.error(at.line, at.directive, got(message, value) + commentHint(at, value));
    return undefined;
  }
  const digits = m[0];
  const zero = /^0+$/.test(digits);
  if (zero && (rule === 'positive' || digits === '0') && rule !== 'any') {
    at.diag.error(at.line, at.directive, got(message, value));
    return undefined;
  }
  if (zero && rule === 'nonzero') {
    at.diag.warn(at.line, at.directive,
      `${at.directive} ${show(value)} is zero; ldirectord 4.12 accepts "${digits}" here and then uses 0, ldirectord-ng ignores the directive`);
    return null;
  }
  let n = Number(digits);
  if (n > max) {
    at.diag.warn(at.line, at.directive, `${at.directive} ${show(value)} is too large; ${max} is used`);
    n = max;
  } else if (digits !== value) {
    at.diag.warn(at.line, at.directive,
      `${at.directive} ${show(value)} is read as ${n} (ldirectord takes the first run of digits)`);
  }
  return n;
}

/** A seconds value: `nonzero`/`positive` numbers capped at what a timer can wait. */
export function readSeconds(at: At, value: string, rule: ZeroRule, message: string): number | null | undefined {
  return readNumber(at, value, rule, message, LIMITS.maxSeconds);
}

/** Exactly `yes` or `no`. Reports `message` (ldirectord's text) otherwise. */
export function readYesNo(at: At, value: string, message: string): boolean | undefined {
  if (value === 'yes') return true;
  if (value === 'no') return false;
  at.diag.error(at.line, at.directive, got(message, value) + commentHint(at, value));
  return undefined;
}

/**
 * `"content"` with ldirectord's greedy match: from a leading `"` to the last `"` of the value.
 * Text after the closing quote is ignored by ldirectord; it is returned so callers can warn.
 */
export function unquote(value: string): { content: string; after: string } | undefined {
  if (!value.startsWith('"')) return undefined;
  const close = value.lastIndexOf('"');
  if (close === 0) return undefined;
  return { content: value.slice(1, close), after: value.slice(close + 1) };
}

/** Warn about text after a closing quote that ldirectord ignores. */
export function warnAfterQuote(at: At, after: string): void {
  if (/\S/.test(after)) {
    at.diag.warn(at.line, at.directive, `text after the closing quote is ignored: ${show(after.trim())}`);
  }
}

/**
 * A value that may be quoted (`checkcommand`, `monitorfile`, `fallbackcommand` in a section):
 * ldirectord tries `"(.*)"` first, then takes the value as it is.
 */
export function quotedOrBare(at: At, value: string): string {
  const q = unquote(value);
  if (!q) return value;
  warnAfterQuote(at, q.after);
  return q.content;
}
