/**
 * What one SQL driver run (mysql, pgsql, oracle) comes to, and the plumbing the drivers share:
 * racing a library promise against the deadline, and wording a library's error as a failure.
 */
import { deadlineText, describeNetError } from '../net-error.js';
import type { FailureReason } from '../types.js';

/** Where the run was: the TCP connect, the login handshake, the query, or the polite goodbye. */
export type SqlPhase = 'connect' | 'login' | 'query';

export type SqlOutcome =
  /** The query ran; `rows` is what it returned (a SELECT) or changed (anything else). */
  | { readonly ok: true; readonly rows: number; readonly counted: 'returned' | 'affected' }
  | { readonly ok: false; readonly phase: SqlPhase; readonly reason: FailureReason; readonly text: string };

/** A driver: connects to spec.target, logs in, runs `query` once; never rejects; frees everything by the deadline. */
export type SqlRunner<S> = (spec: S, query: string, signal: AbortSignal) => Promise<SqlOutcome>;

export type Raced<T> = { readonly kind: 'value'; readonly value: T } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'aborted' };

/**
 * Settles with `promise` or with the abort, whichever comes first; `onAbort` then tears the
 * library's connection down, and a late rejection of `promise` is swallowed.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<Raced<T>> {
  return new Promise((resolve) => {
    const abort = (): void => {
      onAbort();
      resolve({ kind: 'aborted' });
    };
    if (signal.aborted) {
      promise.catch(() => undefined);
      abort();
      return;
    }
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/** The deadline fired during `phase`. */
export function sqlDeadline(phase: SqlPhase, signal: AbortSignal): SqlOutcome {
  return { ok: false, phase, reason: 'timeout', text: deadlineText(signal) };
}

/**
 * A library error as a failure: `auth` when its code is one of `authCodes`, the socket's reason
 * for network errors, otherwise `bad-status` (the server said no). The server's message is kept,
 * on one line, with its code.
 */
export function sqlError(phase: SqlPhase, err: unknown, authCodes: ReadonlySet<string>): SqlOutcome {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : undefined;
  const message = (typeof e?.message === 'string' ? e.message : String(err)).replace(/\s+/g, ' ').trim();
  const text = code === undefined || message.includes(code) ? message : `${message} (${code})`;
  if (code !== undefined && authCodes.has(code)) return { ok: false, phase, reason: 'auth', text };
  const net = describeNetError(err);
  if (net.reason !== 'error') return { ok: false, phase, reason: net.reason, text: net.text };
  return { ok: false, phase, reason: 'bad-status', text };
}

/** A failed TCP connect (before any library is involved). */
export function sqlConnectError(err: unknown, signal: AbortSignal): SqlOutcome {
  if (signal.aborted) return sqlDeadline('connect', signal);
  const f = describeNetError(err);
  return { ok: false, phase: 'connect', reason: f.reason, text: f.text };
}
