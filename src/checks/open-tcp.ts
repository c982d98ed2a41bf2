/**
 * A TCP connection that honours the check's deadline: resolves with the connected socket, or
 * rejects with the socket's error; when the signal fires first the half-open socket is destroyed
 * and the promise rejects (callers test `signal.aborted` to tell a deadline from a failure).
 */
import { Socket } from 'node:net';
import type { CheckTimer } from './check-timer.js';
import { deadlineText, describeNetError } from './net-error.js';
import type { CheckResult, CheckTarget } from './types.js';

/** Connects to `target`; the caller owns (and must destroy) the socket it resolves with. */
export function openTcp(target: CheckTarget, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = new Socket();
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', onConnect);
    socket.once('error', onError);
    socket.connect({ host: target.address, port: target.port, family: target.family });
  });
}

/**
 * openTcp for a checker: the socket, or the failed CheckResult (`<label>: connect: <why>`, a
 * timeout when the deadline fired first) to return as it is.
 */
export async function openTcpOrFail(target: CheckTarget, signal: AbortSignal, timer: CheckTimer, label: string): Promise<Socket | CheckResult> {
  try {
    return await openTcp(target, signal);
  } catch (err) {
    if (signal.aborted) return timer.down('timeout', `${label}: connect: ${deadlineText(signal)}`);
    const f = describeNetError(err);
    return timer.down(f.reason, `${label}: connect: ${f.text}`);
  }
}
