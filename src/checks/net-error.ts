/**
 * Turns the errors that sockets, TLS and undici raise into a FailureReason and a few words a
 * human understands, so that every checker words the same failure the same way.
 */
import type { FailureReason } from './types.js';

export interface NetFailure {
  readonly reason: FailureReason;
  /** Lower-case, no trailing period: `connection refused`, `TLS: self-signed certificate`. */
  readonly text: string;
}

const BY_CODE: Readonly<Record<string, NetFailure>> = {
  ECONNREFUSED: { reason: 'refused', text: 'connection refused' },
  ECONNRESET: { reason: 'reset', text: 'connection reset by peer' },
  EPIPE: { reason: 'reset', text: 'connection closed by peer (broken pipe)' },
  UND_ERR_SOCKET: { reason: 'reset', text: 'connection closed by the server' },
  // A connection cut mid-body (RST or FIN) surfaces as a short body, not as ECONNRESET.
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { reason: 'reset', text: 'connection closed before the whole body arrived' },
  ETIMEDOUT: { reason: 'timeout', text: 'timed out' },
  UND_ERR_CONNECT_TIMEOUT: { reason: 'timeout', text: 'connect timed out' },
  UND_ERR_HEADERS_TIMEOUT: { reason: 'timeout', text: 'timed out waiting for the response headers' },
  UND_ERR_BODY_TIMEOUT: { reason: 'timeout', text: 'timed out reading the body' },
  EHOSTUNREACH: { reason: 'unreachable', text: 'host unreachable' },
  ENETUNREACH: { reason: 'unreachable', text: 'network unreachable' },
  EADDRNOTAVAIL: { reason: 'unreachable', text: 'address not available' },
  EAFNOSUPPORT: { reason: 'unreachable', text: 'address family not supported' },
};

/** Node's certificate verification codes, which carry no common prefix. */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'INVALID_CA', 'HOSTNAME_MISMATCH',
]);

/** Classifies an error from a socket, a TLS handshake or undici. */
export function describeNetError(err: unknown): NetFailure {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code !== undefined) {
    const known = BY_CODE[code];
    if (known) return known;
    if (CERT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
      return { reason: 'tls', text: `TLS: ${message}` };
    }
    if (code.startsWith('HPE_')) return { reason: 'protocol', text: `invalid HTTP response: ${message}` };
  }
  if (e?.name === 'HTTPParserError') return { reason: 'protocol', text: `invalid HTTP response: ${message}` };
  if (e?.cause !== undefined && e.cause !== err) return describeNetError(e.cause);
  return { reason: 'error', text: code === undefined ? message : `${message} (${code})` };
}

/** What to say when the deadline fired: the abort reason's message (e.g. `deadline of 500 ms exceeded`). */
export function deadlineText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.message !== '') return reason.message;
  return 'deadline exceeded';
}
