import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** What happened to one datagram. */
export type SendOutcome =
  | { readonly kind: 'sent' }
  /** The receiver is absent, restarting or full: the same datagram may succeed later. */
  | { readonly kind: 'retry'; readonly code: string; readonly congested: boolean }
  /** This datagram can never be delivered (too large, or no unix datagram support here). */
  | { readonly kind: 'reject'; readonly code: string };

/** The part of the `unix-dgram` addon we use (it ships no typings). */
interface NativeSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: NativeError) => void): void;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  close(): void;
}
interface NativeError extends Error {
  /** A negative errno, or 1 for congestion on a connected socket. */
  code?: number;
}
interface NativeModule {
  createSocket(type: 'unix_dgram'): NativeSocket;
}

const REJECT_ERRNOS = new Set<number>([constants.errno.EMSGSIZE, constants.errno.EINVAL]);
const CONGESTION_ERRNOS = new Set<number>([constants.errno.EAGAIN, constants.errno.ENOBUFS]);
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
// EWOULDBLOCK shares EAGAIN's number; say the name people grep for.
ERRNO_NAMES.set(constants.errno.EAGAIN, 'EAGAIN');

let native: NativeModule | Error | undefined;

/**
 * `unix-dgram` is the native addon winston-syslog itself uses for `protocol: 'unix'` (Node has
 * no AF_UNIX datagram sockets). It is an optional dependency of winston-syslog whose build can be
 * skipped, so it is loaded on first use and its absence is an outcome, not a crash.
 */
function loadNative(): NativeModule | Error {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('unix-dgram') as NativeModule;
    } catch (err) {
      native = err instanceof Error ? err : new Error(String(err));
    }
  }
  return native;
}

/**
 * An unconnected AF_UNIX datagram socket that sends with `sendto(path)`, so every datagram finds
 * the syslog socket currently at the path, including a new one after syslogd restarts. The
 * socket is non-blocking: a full receiver reports EAGAIN instead of stalling the event loop.
 * Its poll handle keeps Node's event loop alive, so callers open one per burst and close it.
 */
export class UnixDatagramSocket {
  private constructor(
    private readonly socket: NativeSocket | undefined,
    /** The outcome of every send when the socket could not be opened. */
    private readonly openFailure: SendOutcome,
  ) {}

  /** Opens a socket; never throws (a failure shows up as the outcome of every send). */
  static open(): UnixDatagramSocket {
    const mod = loadNative();
    if (mod instanceof Error) return new UnixDatagramSocket(undefined, { kind: 'reject', code: 'ENOUNIXDGRAM' });
    try {
      const socket = mod.createSocket('unix_dgram');
      // send() reports through its callback; this only guards against the addon's event path.
      socket.on('error', () => {});
      return new UnixDatagramSocket(socket, { kind: 'sent' });
    } catch (err) {
      // EMFILE and the like: the descriptor shortage may pass.
      return new UnixDatagramSocket(undefined, { kind: 'retry', code: errnoName((err as NativeError).code), congested: false });
    }
  }

  /** Sends one datagram to the socket at `path`. Synchronous. */
  send(path: string, datagram: Buffer): SendOutcome {
    if (this.socket === undefined) return this.openFailure;
    let outcome: SendOutcome = { kind: 'retry', code: 'ENOCALLBACK', congested: false };
    try {
      this.socket.send(datagram, 0, datagram.length, path, (err) => {
        outcome = err === undefined || err === null ? { kind: 'sent' } : classify(err.code);
      });
    } catch (err) {
      outcome = classify((err as NativeError).code);
    }
    return outcome;
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      // close(2) failing leaves nothing to recover; the descriptor is gone either way.
    }
  }
}

function classify(code: number | undefined): SendOutcome {
  if (code !== undefined && code < 0 && REJECT_ERRNOS.has(-code)) return { kind: 'reject', code: errnoName(code) };
  const congested = code === 1 || (code !== undefined && code < 0 && CONGESTION_ERRNOS.has(-code));
  return { kind: 'retry', code: errnoName(code), congested };
}

function errnoName(code: number | undefined): string {
  if (code === 1) return 'EAGAIN';
  if (code === undefined || code >= 0) return 'EUNKNOWN';
  return ERRNO_NAMES.get(-code) ?? `errno ${-code}`;
}
