/**
 * One DNS question to the real's name server, over UDP or TCP (RFC 1035 §4.2; TCP messages carry
 * a two-byte length). A truncated UDP answer is asked again over TCP, as Net::DNS does. Only the
 * answer to this question counts: the id, the QR bit and the question must match.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type Question } from 'dns-packet';
import { deadlineText, describeNetError } from '../net-error.js';
import { openTcp } from '../open-tcp.js';
import type { CheckTarget, FailureReason } from '../types.js';
import { countOf, exchangeDatagram } from './udp-exchange.js';

export type DnsAnswer =
  | { readonly ok: true; readonly packet: DecodedPacket; readonly transport: 'udp' | 'tcp' }
  | { readonly ok: false; readonly reason: FailureReason; readonly text: string };

/** Stub resolvers resend after about a second; doubling keeps a slow server from being flooded (ms). */
const RETRANSMIT = { firstMs: 1000, maxMs: 4000 } as const;

/** Asks `question` (recursion desired, as Net::DNS) and resolves with the matching answer or why there is none. */
export async function askDns(target: CheckTarget, protocol: 'udp' | 'tcp', question: Question, signal: AbortSignal): Promise<DnsAnswer> {
  const query = queryOf(question);
  if (protocol === 'tcp') return askTcp(target, query, signal);
  const outcome = await exchangeDatagram(
    {
      target,
      request: () => dnsPacket.encode(packetOf(query)),
      accept: (datagram) => answerTo(query.id, query.question, datagram),
      retransmit: RETRANSMIT,
    },
    signal,
  );
  switch (outcome.kind) {
    case 'answer':
      if (!outcome.value.flag_tc) return { ok: true, packet: outcome.value, transport: 'udp' };
      return askTcp(target, queryOf(question), signal);
    case 'failed': {
      const f = describeNetError(outcome.error);
      return { ok: false, reason: f.reason, text: f.text };
    }
    case 'deadline': {
      const stray = outcome.ignored > 0 ? `, ${countOf(outcome.ignored, 'unrelated datagram')} ignored` : '';
      return { ok: false, reason: 'timeout', text: `${deadlineText(signal)} (${countOf(outcome.sent, 'query', 'queries')} sent, no answer${stray})` };
    }
  }
}

interface DnsQuery {
  readonly id: number;
  readonly question: Question;
}

function queryOf(question: Question): DnsQuery {
  return { id: randomInt(0, 0x10000), question };
}

function packetOf(query: DnsQuery): Packet {
  return { type: 'query', id: query.id, flags: dnsPacket.RECURSION_DESIRED, questions: [query.question] };
}

/** The decoded answer when `message` answers query `id` for `question`; undefined otherwise. */
function answerTo(id: number, question: Question, message: Buffer): DecodedPacket | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const asked = packet.questions?.[0];
  const same = asked !== undefined && asked.type === question.type && asked.name.toLowerCase() === question.name.toLowerCase();
  return packet.id === id && packet.flag_qr && same ? packet : undefined;
}

async function askTcp(target: CheckTarget, query: DnsQuery, signal: AbortSignal): Promise<DnsAnswer> {
  let socket: Socket;
  try {
    socket = await openTcp(target, signal);
  } catch (err) {
    if (signal.aborted) return { ok: false, reason: 'timeout', text: `connect: ${deadlineText(signal)}` };
    const f = describeNetError(err);
    return { ok: false, reason: f.reason, text: `connect: ${f.text}` };
  }
  try {
    return await new Promise<DnsAnswer>((resolve) => {
      let pending = Buffer.alloc(0);
      const finish = (answer: DnsAnswer): void => {
        signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error');
        socket.on('error', () => undefined);
        resolve(answer);
      };
      const onAbort = (): void => finish({ ok: false, reason: 'timeout', text: `${deadlineText(signal)} (connected, no answer)` });
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 2) return;
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) return;
        const packet = answerTo(query.id, query.question, pending.subarray(2, 2 + length));
        // One query on the connection, so the first message is its answer or the server is confused.
        finish(packet === undefined
          ? { ok: false, reason: 'protocol', text: `the server sent a ${length}-byte message that does not answer the query` }
          : { ok: true, packet, transport: 'tcp' });
      });
      socket.on('end', () => finish({ ok: false, reason: 'reset', text: 'connection closed before an answer arrived' }));
      socket.on('error', (err) => {
        const f = describeNetError(err);
        finish({ ok: false, reason: f.reason, text: f.text });
      });
      socket.write(dnsPacket.streamEncode(packetOf(query)));
    });
  } finally {
    socket.destroy();
  }
}
