/**
 * service=simpletcp: connect, send the request, half-close (SHUT_WR), then read lines until one
 * matches `receive`. The spec's `send` is already what goes on the wire (the plan builder strips
 * the leading `/` and turns the two characters `\n` into a newline, as ldirectord does).
 */
import { Socket } from 'node:net';
import { hostPort } from '../util/ip.js';
import { startCheckTimer, type CheckTimer } from './check-timer.js';
import { deadlineText, describeNetError } from './net-error.js';
import { openTcpOrFail } from './open-tcp.js';
import { compileReceive, showPattern } from './receive-pattern.js';
import type { CheckResult, CheckSpecOf, Checker } from './types.js';

/** Enough for any receive; a server that talks on beyond this without matching has failed. */
const READ_CAP_BYTES = 64 * 1024;

/** Up on the first line that matches; an empty `receive` matches any line. */
export const simpletcpCheck: Checker<CheckSpecOf<'simpletcp'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `simpletcp ${hostPort(spec.target.address, spec.target.port)}`;
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  const socket = await openTcpOrFail(spec.target, signal, timer, label);
  if (!(socket instanceof Socket)) return socket;
  try {
    return await exchange(socket, spec.send, receive.regex, signal, timer, label);
  } finally {
    socket.destroy();
  }
};

function exchange(socket: Socket, send: string, regex: RegExp | undefined, signal: AbortSignal, timer: CheckTimer, label: string): Promise<CheckResult> {
  const pattern = regex === undefined ? 'any line' : showPattern(regex);
  return new Promise<CheckResult>((resolve) => {
    let pending = Buffer.alloc(0);
    let lines = 0;
    let bytes = 0;
    let done = false;
    const finish = (result: CheckResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data').removeAllListeners('end');
      socket.on('error', () => undefined);
      resolve(result);
    };
    /** Perl's `/re/` sees the line with its newline; `$` there also matches before it. */
    const matches = (line: Buffer): boolean => {
      if (regex === undefined) return true;
      const text = line.toString('utf8');
      return regex.test(text) || (text.endsWith('\n') && regex.test(text.slice(0, -1)));
    };
    const onLine = (line: Buffer): boolean => {
      lines++;
      if (!matches(line)) return false;
      finish(timer.up(`${label}: received ${JSON.stringify(line.toString('utf8').replace(/\r?\n$/, ''))}`));
      return true;
    };
    const onAbort = (): void => {
      // We have already half-closed, so a plain close would leave a silent server holding its
      // half of the connection; a reset frees it at once.
      socket.resetAndDestroy();
      finish(timer.down('timeout', `${label}: ${deadlineText(signal)} (${lines} lines read, none matched ${pattern})`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
        const line = pending.subarray(0, nl + 1);
        pending = pending.subarray(nl + 1);
        if (onLine(line)) return;
      }
      if (bytes >= READ_CAP_BYTES) {
        finish(timer.down('body-mismatch', `${label}: receive ${pattern} not found in the first ${READ_CAP_BYTES} bytes (${lines} lines)`));
      }
    });
    socket.on('end', () => {
      if (pending.length > 0 && onLine(pending)) return;
      finish(timer.down('body-mismatch', `${label}: receive ${pattern} not found in ${lines} lines (${bytes} bytes) before the server closed the connection`));
    });
    socket.on('error', (err) => {
      const f = describeNetError(err);
      finish(timer.down(f.reason, `${label}: ${f.text} after ${lines} lines (${bytes} bytes)`));
    });
    socket.end(send);
  });
}
