/**
 * service=ldap and service=ldaps (TLS from the first byte), as ldirectord's Net::LDAP check: bind
 * (simple bind with login and passwd when both are set, else anonymous), then a base-scope search
 * of `request` without its leading "/" for (objectClass=*). Up when exactly one entry comes back
 * and, when `receive` is set, its DN matches. A failed connect or bind counts once (ldirectord
 * counts it twice against failurecount).
 */
import type { Socket } from 'node:net';
import { Client, ResultCodeError, type ClientOptions } from 'ldapts';
import { hostPort } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import { deadlineText, describeNetError, type NetFailure } from '../net-error.js';
import { compileReceive, showPattern } from '../receive-pattern.js';
import type { CheckSpecOf, Checker } from '../types.js';
import { connectLine, type DialogPhase } from './line-connect.js';
import { LineFailure } from './line-failure.js';
import { quoted } from './line-session.js';

/** Up when the base entry is found (and its DN matches `receive`). */
export const ldapCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const scheme = spec.service === 'ldaps' ? 'ldaps' : 'ldap';
  const where = hostPort(spec.target.address, spec.target.port);
  const label = `${scheme} ${where}`;
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  const base = spec.request.startsWith('/') ? spec.request.slice(1) : spec.request;
  const phase: DialogPhase = { text: 'before connecting' };
  let socket: Socket | undefined;
  try {
    socket = await connectLine(spec.target, scheme === 'ldaps' ? (spec.tls ?? { verify: false }) : undefined, signal, phase);
    const client = new Client({ url: `${scheme}://${where}`, strictDN: false, ...handOver(socket) });
    const credentials = spec.login !== '' && spec.passwd !== '';
    phase.text = 'while binding';
    try {
      await abortable(credentials ? client.bind(spec.login, spec.passwd) : client.bind(''), signal);
    } catch (err) {
      if (err instanceof ResultCodeError) {
        throw new LineFailure('auth', `${credentials ? `bind as ${quoted(spec.login)}` : 'anonymous bind'} failed: ${resultText(err)}`);
      }
      throw err;
    }
    phase.text = `while searching ${quoted(base)}`;
    let entries: readonly { dn: string }[];
    try {
      // '1.1' asks for no attributes: only the DN is judged.
      entries = (await abortable(client.search(base, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }), signal)).searchEntries;
    } catch (err) {
      if (err instanceof ResultCodeError) throw new LineFailure('bad-status', `search of base ${quoted(base)} failed: ${resultText(err)}`);
      throw err;
    }
    const entry = entries[0];
    if (entries.length !== 1 || entry === undefined) {
      throw new LineFailure('body-mismatch', `search of base ${quoted(base)} returned ${entries.length} entries, not 1`);
    }
    if (receive.regex !== undefined && !receive.regex.test(entry.dn)) {
      throw new LineFailure('body-mismatch', `receive ${showPattern(receive.regex)} does not match the entry's DN ${quoted(entry.dn)}`);
    }
    phase.text = 'while unbinding';
    await abortable(client.unbind(), signal).catch(() => undefined);
    return timer.up(`${label}: found ${quoted(entry.dn)}`);
  } catch (err) {
    if (signal.aborted) return timer.down('timeout', `${label}: ${deadlineText(signal)} ${phase.text}`);
    if (err instanceof LineFailure) return timer.down(err.reason, `${label}: ${err.text}`);
    const f = describeLdapError(err);
    return timer.down(f.reason, `${label}: ${f.text} ${phase.text}`);
  } finally {
    socket?.on('error', () => undefined).destroy();
  }
};

/**
 * Gives ldapts the connection this check already made under its deadline (ldapts takes an open
 * socket as connected), so that the check, not the library, owns and destroys it.
 */
function handOver(socket: Socket): Pick<ClientOptions, 'createConnection' | 'createSecureConnection'> {
  const same = (() => socket) as unknown;
  return {
    createConnection: same as NonNullable<ClientOptions['createConnection']>,
    createSecureConnection: same as NonNullable<ClientOptions['createSecureConnection']>,
  };
}

/** ldapts reports a lost connection in words of its own; say it as the other checks do. */
function describeLdapError(err: unknown): NetFailure {
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('Connection closed before message response')) return { reason: 'reset', text: 'connection closed by the server' };
  if (message.startsWith('Socket error.')) {
    const cause = message.split('\n').at(-1) ?? '';
    return { reason: /ECONNRESET|EPIPE/.test(cause) ? 'reset' : 'error', text: `connection error: ${cause}` };
  }
  return describeNetError(err);
}

/** `invalid credentials (49)`, with the server's diagnostic message when it sent one. */
function resultText(err: ResultCodeError): string {
  const words = err.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const diagnostic = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
  return `${words || 'LDAP error'} (${err.code})${diagnostic === '' ? '' : `: ${diagnostic}`}`;
}

/** `work`, or the signal's reason once it fires (ldapts takes no AbortSignal). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}
