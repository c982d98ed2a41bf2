/**
 * The little of SIP (RFC 3261) the OPTIONS check needs: the request ldirectord sends, and the
 * start line and headers of what comes back. Header names are case-insensitive and have compact
 * forms (`i` for Call-ID, `l` for Content-Length, §7.3.3).
 */
import { randomBytes } from 'node:crypto';
import { hostPort } from '../../util/ip.js';
import type { LocalEnd } from './udp-exchange.js';

/** What identifies our request in a response: RFC 3261 §17.1.3 matches on branch and CSeq method; Call-ID is as good here. */
export interface SipRequest {
  readonly text: string;
  readonly callId: string;
}

/** The head of a SIP message: a response (with `code`) or a request the peer sent us. */
export interface SipMessage {
  /** `SIP/2.0 200 OK`, or `OPTIONS sip:x SIP/2.0` for a request. */
  readonly startLine: string;
  /** The status code of a response; undefined for a request. */
  readonly code?: number;
  /** Lower-case full names: `call-id`, `content-length`, ... (the first value of each). */
  readonly headers: ReadonlyMap<string, string>;
}

/** A message with a status code. */
export type SipResponse = SipMessage & { readonly code: number };

const COMPACT: Readonly<Record<string, string>> = { i: 'call-id', l: 'content-length', v: 'via', f: 'from', t: 'to', m: 'contact' };

/**
 * `OPTIONS sip:<login> SIP/2.0` with ldirectord's headers, except that Via names the transport
 * really used (ldirectord always writes UDP) and branch, tag and Call-ID are fresh each time.
 */
export function optionsRequest(login: string, transport: 'UDP' | 'TCP', local: LocalEnd): SipRequest {
  const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
  const callId = hex(8);
  const text = [
    `OPTIONS sip:${login} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${hostPort(local.address, local.port)};branch=z9hG4bK${hex(8)};rport`,
    'Max-Forwards: 70',
    `To: <sip:${login}>`,
    `From: <sip:${login}>;tag=${hex(4)}`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    `Contact: <sip:${login}>`,
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { text, callId };
}

/** Parses the head of a message (start line and headers, without the blank line); undefined if it is not SIP. */
export function parseSipMessage(head: string): SipMessage | undefined {
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const status = /^SIP\/2\.0 (\d{3})(?: |$)/.exec(startLine);
  if (status === null && !/^[A-Z]+ \S+ SIP\/2\.0$/.test(startLine)) return undefined;
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    // A line starting with white space continues the previous header (§7.3.1).
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    // Only the first of repeated headers is kept, continuation lines included.
    last = headers.has(name) ? undefined : name;
    if (last !== undefined) headers.set(last, line.slice(colon + 1).trim());
  }
  return { startLine, ...(status === null ? {} : { code: Number(status[1]) }), headers };
}

/** True when `message` is a response to `request` (its Call-ID, and a CSeq for OPTIONS). */
export function answers(message: SipMessage, request: SipRequest): message is SipResponse {
  return message.code !== undefined && message.headers.get('call-id') === request.callId && /\bOPTIONS$/i.test(message.headers.get('cseq') ?? '');
}
