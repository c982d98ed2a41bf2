/**
 * service=radius: one Access-Request for `login`/`passwd` with the shared `secret`, always over
 * UDP, as ldirectord's Authen::Radius `check_pwd` sends it (User-Name, User-Password, and the
 * local address as NAS-IP-Address, or NAS-IPv6-Address from an IPv6 socket). Only an
 * Access-Accept whose authenticator proves the server knows the secret is up. The request also
 * carries a Message-Authenticator, which servers hardened against BlastRADIUS (CVE-2024-3596)
 * demand.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import radius from 'radius';
import { hostPort, ipFamily, ipToBytes } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import { deadlineText, describeNetError } from '../net-error.js';
import type { CheckSpecOf, Checker } from '../types.js';
import { countOf, exchangeDatagram, type LocalEnd } from './udp-exchange.js';

/** RADIUS clients resend after a few seconds (RFC 5080 §2.2.1 starts at 2 s); an answer lost on loopback is rare (ms). */
const RETRANSMIT = { firstMs: 2000, maxMs: 8000 } as const;

const ACCESS_ACCEPT = 2;
const ACCESS_REJECT = 3;
const ACCESS_CHALLENGE = 11;

/** An answer to our identifier: its code, whether it verifies with our secret, and any Reply-Message. */
interface RadiusAnswer {
  readonly code: number;
  readonly verified: boolean;
  readonly replyMessage?: string;
}

/** Up only on a verified Access-Accept. */
export const radiusCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `radius ${hostPort(spec.target.address, spec.target.port)} user ${JSON.stringify(spec.login)}`;
  if (spec.secret === '') return timer.down('error', `${label}: no shared secret (set secret=)`);
  const identifier = randomInt(0, 256);
  let request: Buffer | undefined;
  const outcome = await exchangeDatagram<RadiusAnswer>(
    {
      target: spec.target,
      request: (local) => (request = accessRequest(spec, identifier, local)),
      accept: (datagram) => (request === undefined ? undefined : answerTo(request, datagram, spec.secret)),
      retransmit: RETRANSMIT,
    },
    signal,
  );
  switch (outcome.kind) {
    case 'deadline': {
      const stray = outcome.ignored > 0 ? `, ${countOf(outcome.ignored, 'unrelated datagram')} ignored` : '';
      return timer.down('timeout', `${label}: ${deadlineText(signal)} (${countOf(outcome.sent, 'Access-Request')} sent, no answer${stray})`);
    }
    case 'failed': {
      const f = describeNetError(outcome.error);
      return timer.down(f.reason, `${label}: ${f.text}`);
    }
    case 'answer':
      break;
  }
  const answer = outcome.value;
  const message = answer.replyMessage === undefined ? '' : ` (Reply-Message ${JSON.stringify(answer.replyMessage)})`;
  if (!answer.verified) {
    return timer.down('auth', `${label}: the ${codeName(answer.code)} does not verify with our secret (do the shared secrets differ?)`);
  }
  switch (answer.code) {
    case ACCESS_ACCEPT:
      return timer.up(`${label}: Access-Accept${message}`);
    case ACCESS_REJECT:
      return timer.down('auth', `${label}: Access-Reject${message}`);
    case ACCESS_CHALLENGE:
      return timer.down('auth', `${label}: Access-Challenge, which a health check cannot answer${message}`);
    default:
      return timer.down('protocol', `${label}: unexpected answer ${codeName(answer.code)}`);
  }
};

function accessRequest(spec: CheckSpecOf<'service'>, identifier: number, local: LocalEnd): Buffer {
  // The library takes IPv4 addresses as text but wants the 16 bytes of an IPv6 one.
  const nas = ipFamily(local.address) === 6 ? ['NAS-IPv6-Address', ipToBytes(local.address)] : ['NAS-IP-Address', local.address];
  return radius.encode({
    code: 'Access-Request',
    secret: spec.secret,
    identifier,
    attributes: [['User-Name', spec.login], ['User-Password', spec.passwd], nas],
    add_message_authenticator: true,
  });
}

/** Undefined for a datagram that is not an answer to `request` (too short, another identifier). */
function answerTo(request: Buffer, datagram: Buffer, secret: string): RadiusAnswer | undefined {
  // Code, identifier, length and the 16-byte authenticator come first (RFC 2865 §3).
  if (datagram.length < 20 || datagram[1] !== request[1]) return undefined;
  const length = datagram.readUInt16BE(2);
  if (length < 20 || length > datagram.length) return undefined;
  const packet = datagram.subarray(0, length);
  const code = packet[0] ?? 0;
  let attributes: Record<string, unknown> = {};
  try {
    attributes = radius.decode({ packet, secret }).attributes as Record<string, unknown>;
  } catch {
    // Attributes we cannot decode do not change the verdict, which the code and authenticator carry.
  }
  const verified = responseAuthenticatorOk(request, packet, secret) && (attributes['Message-Authenticator'] === undefined || messageAuthenticatorOk(request, packet, secret));
  const reply = attributes['Reply-Message'];
  return { code, verified, ...(verified && typeof reply === 'string' ? { replyMessage: reply } : {}) };
}

/** RFC 2865 §3: MD5(code, identifier, length, the request's authenticator, attributes, secret). */
function responseAuthenticatorOk(request: Buffer, packet: Buffer, secret: string): boolean {
  const expected = createHash('md5').update(packet.subarray(0, 4)).update(request.subarray(4, 20)).update(packet.subarray(20)).update(secret).digest();
  return timingSafeEqual(expected, packet.subarray(4, 20));
}

/** A Message-Authenticator is optional in an answer (RFC 3579 §3.2), but one that is there must verify. */
function messageAuthenticatorOk(request: Buffer, packet: Buffer, secret: string): boolean {
  try {
    // verify_response patches the buffer it is given while it works, so it gets a copy.
    return radius.verify_response({ request, response: Buffer.from(packet), secret });
  } catch {
    return false;
  }
}

function codeName(code: number): string {
  switch (code) {
    case ACCESS_ACCEPT:
      return 'Access-Accept';
    case ACCESS_REJECT:
      return 'Access-Reject';
    case ACCESS_CHALLENGE:
      return 'Access-Challenge';
    default:
      return `code ${code}`;
  }
}
