/**
 * checktype=connect (and the connect half of combined mode): open a connection to the check port
 * and close it at once, sending nothing. For UDP this is a datagram `connect()`, which only sets
 * the socket's peer and so always succeeds; that is ldirectord's combined-mode behaviour
 * (checktype=connect on a UDP virtual pings instead, which the plan builder decides).
 */
import { createSocket } from 'node:dgram';
import { hostPort } from '../util/ip.js';
import { startCheckTimer } from './check-timer.js';
import { deadlineText, describeNetError } from './net-error.js';
import { openTcp } from './open-tcp.js';
import type { CheckSpecOf, Checker } from './types.js';

/** TCP connect, closed at once; UDP connect, which passes unless the socket cannot be set up. */
export const connectCheck: Checker<CheckSpecOf<'connect'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const where = hostPort(spec.target.address, spec.target.port);
  if (spec.protocol === 'udp') {
    const failure = await udpConnect(spec, signal);
    if (failure === undefined) return timer.up(`udp connect ${where}: socket connected (nothing is sent over UDP)`);
    if (signal.aborted) return timer.down('timeout', `udp connect ${where}: ${deadlineText(signal)}`);
    const f = describeNetError(failure);
    return timer.down(f.reason, `udp connect ${where}: ${f.text}`);
  }
  try {
    const socket = await openTcp(spec.target, signal);
    socket.destroy();
    return timer.up(`connect ${where}: connected`);
  } catch (err) {
    if (signal.aborted) return timer.down('timeout', `connect ${where}: ${deadlineText(signal)}`);
    const f = describeNetError(err);
    return timer.down(f.reason, `connect ${where}: ${f.text}`);
  }
};

/** Resolves undefined on success, else the error; the socket is always closed. */
function udpConnect(spec: CheckSpecOf<'connect'>, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(signal.reason);
      return;
    }
    const socket = createSocket(spec.target.family === 6 ? 'udp6' : 'udp4');
    const finish = (outcome: unknown): void => {
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
    const onAbort = (): void => finish(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err) => finish(err));
    socket.connect(spec.target.port, spec.target.address, () => finish(undefined));
  });
}
