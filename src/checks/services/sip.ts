/**
 * service=sip: send `OPTIONS sip:<login>` over the virtual's protocol (UDP, or TCP for a tcp
 * virtual) and wait for the final response; up on status 200. Provisional (1xx) responses are
 * passed over, as a SIP client must; ldirectord takes the first line it reads and wants it to be
 * exactly `SIP/2.0 200 OK`, so a `100 Trying` or a 200 with another reason phrase fails there.
 */
import { Socket } from 'node:net';
import { hostPort } from '../../util/ip.js';
import { startCheckTimer, type CheckTimer } from '../check-timer.js';
import { deadlineText, describeNetError } from '../net-error.js';
import { openTcpOrFail } from '../open-tcp.js';
import type { CheckResult, CheckSpecOf, Checker } from '../types.js';
import { answers, optionsRequest, parseSipMessage, type SipRequest, type SipResponse } from './sip-message.js';
import { countOf, exchangeDatagram } from './udp-exchange.js';

/** RFC 3261 §17.1.2.2: resend after T1 = 500 ms, doubling up to T2 = 4 s (ms). */
const RETRANSMIT = { firstMs: 500, maxMs: 4000 } as const;

/** Responses to OPTIONS are small; a TCP peer that sends this much without a final response is not answering (bytes). */
const READ_CAP_BYTES = 64 * 1024;

/** Up on a final response with status 200, whatever its reason phrase. */
export const sipCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `sip ${hostPort(spec.target.address, spec.target.port)}/${spec.protocol} OPTIONS sip:${spec.login}`;
  if (spec.login === '') return timer.down('error', `${label}: no login to put in the request URI (set login=)`);
  return spec.protocol === 'udp' ? overUdp(spec, signal, timer, label) : overTcp(spec, signal, timer, label);
};

function verdict(response: SipResponse, timer: CheckTimer, label: string): CheckResult {
  return response.code === 200 ? timer.up(`${label}: ${response.startLine}`) : timer.down('bad-status', `${label}: ${response.startLine}`);
}

function heard(provisional: string | undefined): string {
  return provisional === undefined ? '' : `, only a provisional ${JSON.stringify(provisional)}`;
}

async function overUdp(spec: CheckSpecOf<'service'>, signal: AbortSignal, timer: CheckTimer, label: string): Promise<CheckResult> {
  let request: SipRequest | undefined;
  let provisional: string | undefined;
  const outcome = await exchangeDatagram<SipResponse>(
    {
      target: spec.target,
      request: (local) => {
        request = optionsRequest(spec.login, 'UDP', local);
        return Buffer.from(request.text, 'utf8');
      },
      accept: (datagram) => {
        const head = datagram.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
        const message = parseSipMessage(head);
        if (message === undefined || request === undefined || !answers(message, request)) return undefined;
        if (message.code < 200) {
          provisional = message.startLine;
          return undefined;
        }
        return message;
      },
      retransmit: RETRANSMIT,
    },
    signal,
  );
  switch (outcome.kind) {
    case 'answer':
      return verdict(outcome.value, timer, label);
    case 'failed': {
      const f = describeNetError(outcome.error);
      return timer.down(f.reason, `${label}: ${f.text}`);
    }
    case 'deadline':
      return timer.down('timeout', `${label}: ${deadlineText(signal)} (${countOf(outcome.sent, 'request')} sent, no final response${heard(provisional)})`);
  }
}

async function overTcp(spec: CheckSpecOf<'service'>, signal: AbortSignal, timer: CheckTimer, label: string): Promise<CheckResult> {
  const socket = await openTcpOrFail(spec.target, signal, timer, label);
  if (!(socket instanceof Socket)) return socket;
  try {
    const request = optionsRequest(spec.login, 'TCP', { address: socket.localAddress ?? '', port: socket.localPort ?? 0 });
    return await new Promise<CheckResult>((resolve) => {
      let pending = '';
      let bytes = 0;
      let provisional: string | undefined;
      const finish = (result: CheckResult): void => {
        signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error');
        socket.on('error', () => undefined);
        resolve(result);
      };
      const onAbort = (): void => finish(timer.down('timeout', `${label}: ${deadlineText(signal)} (no final response${heard(provisional)})`));
      signal.addEventListener('abort', onAbort, { once: true });
      // One character per byte, so that Content-Length can be counted in characters.
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        bytes += chunk.length;
        pending += chunk;
        for (;;) {
          // CRLFs between messages are keep-alives (RFC 5626 §3.5.1).
          pending = pending.replace(/^(?:\r\n)+/, '');
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = pending.slice(0, end);
          const message = parseSipMessage(head);
          if (message === undefined) {
            finish(timer.down('protocol', `${label}: not a SIP message: ${JSON.stringify(head.split('\r\n', 1)[0])}`));
            return;
          }
          const bodyLength = Number(message.headers.get('content-length') ?? 0) || 0;
          if (pending.length < end + 4 + bodyLength) break;
          pending = pending.slice(end + 4 + bodyLength);
          // Requests from the server and answers to someone else are not ours to judge.
          if (!answers(message, request)) continue;
          if (message.code < 200) {
            provisional = message.startLine;
            continue;
          }
          finish(verdict(message, timer, label));
          return;
        }
        if (bytes > READ_CAP_BYTES) finish(timer.down('protocol', `${label}: ${bytes} bytes without a final response`));
      });
      socket.on('end', () => finish(timer.down('reset', `${label}: connection closed before a final response${heard(provisional)}`)));
      socket.on('error', (err) => {
        const f = describeNetError(err);
        finish(timer.down(f.reason, `${label}: ${f.text}`));
      });
      socket.write(request.text);
    });
  } finally {
    socket.destroy();
  }
}
