/**
 * One request/answer exchange over a connected UDP socket, shared by the datagram services (dns,
 * radius, sip). UDP loses packets, so the request is sent again on a doubling schedule until an
 * answer is taken, the socket fails, or the deadline fires. The socket is connected so that the
 * kernel drops datagrams from anyone but the real, and so that an ICMP port unreachable comes
 * back as ECONNREFUSED instead of silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { CheckTarget } from '../types.js';

/** Retransmission schedule: first resend after `firstMs`, then doubling, never more than `maxMs` apart (ms). */
export interface Retransmit {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** The local end of the socket, for protocols that name it in the request (SIP's Via). */
export interface LocalEnd {
  readonly address: string;
  readonly port: number;
}

export type DatagramOutcome<T> =
  /** `accept` took a datagram; `sent` counts the copies of the request sent. */
  | { readonly kind: 'answer'; readonly value: T; readonly sent: number }
  /** The socket failed (ECONNREFUSED when the real's port is closed). */
  | { readonly kind: 'failed'; readonly error: unknown; readonly sent: number }
  /** The signal fired first; `ignored` counts datagrams that `accept` did not take. */
  | { readonly kind: 'deadline'; readonly sent: number; readonly ignored: number };

export interface DatagramExchange<T> {
  readonly target: CheckTarget;
  /** Builds the request once the socket is connected. */
  readonly request: (local: LocalEnd) => Buffer;
  /** The answer a datagram carries, or undefined for one that is not the answer (stale, malformed, another id). */
  readonly accept: (datagram: Buffer) => T | undefined;
  readonly retransmit: Retransmit;
}

/** Runs the exchange; resolves (never rejects) and closes the socket on every path. */
export function exchangeDatagram<T>(exchange: DatagramExchange<T>, signal: AbortSignal): Promise<DatagramOutcome<T>> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ kind: 'deadline', sent: 0, ignored: 0 });
      return;
    }
    const socket: Socket = createSocket(exchange.target.family === 6 ? 'udp6' : 'udp4');
    let sent = 0;
    let ignored = 0;
    let resend: NodeJS.Timeout | undefined;
    let request: Buffer | undefined;
    let done = false;
    const finish = (outcome: DatagramOutcome<T>): void => {
      if (done) return;
      done = true;
      clearTimeout(resend);
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      try {
        socket.close();
      } catch {
        // Already closed: nothing left to release.
      }
      resolve(outcome);
    };
    const onAbort = (): void => finish({ kind: 'deadline', sent, ignored });
    const send = (gapMs: number): void => {
      if (done || request === undefined) return;
      sent++;
      socket.send(request, (err) => {
        if (err) finish({ kind: 'failed', error: err, sent });
      });
      resend = setTimeout(() => send(Math.min(gapMs * 2, exchange.retransmit.maxMs)), gapMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish({ kind: 'failed', error: err, sent }));
    // The callbacks run outside any promise chain, so a throw there must become an outcome here.
    socket.on('message', (datagram) => {
      try {
        const value = exchange.accept(datagram);
        if (value === undefined) ignored++;
        else finish({ kind: 'answer', value, sent });
      } catch (err) {
        finish({ kind: 'failed', error: err, sent });
      }
    });
    socket.connect(exchange.target.port, exchange.target.address, () => {
      if (done) return;
      try {
        const local = socket.address();
        request = exchange.request({ address: local.address, port: local.port });
      } catch (err) {
        finish({ kind: 'failed', error: err, sent });
        return;
      }
      send(exchange.retransmit.firstMs);
    });
  });
}

/** `1 query`, `2 queries`: how details count the copies sent (`noun` singular, `plural` if irregular). */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
