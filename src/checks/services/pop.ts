/**
 * service=pop and service=pops (TLS from the first byte): the `+OK` greeting, then, when a login
 * is configured, USER and PASS accepted, then QUIT. Unlike ldirectord, whose Mail::POP3Client
 * check passes without a login even when nothing listens, the greeting is always required.
 */
import type { CheckSpecOf, Checker } from '../types.js';
import { LineFailure } from './line-failure.js';
import { runLineDialog } from './line-dialog.js';
import { quoted, type LineSession } from './line-session.js';

/** Up on a `+OK` greeting and, with a login, a `+OK` to PASS. */
export const popCheck: Checker<CheckSpecOf<'service'>> = (spec, signal) =>
  runLineDialog(
    { name: spec.service, target: spec.target, ...(spec.service === 'pops' ? { tls: spec.tls ?? { verify: false } } : {}) },
    signal,
    async (session) => {
      const greeting = await session.readLine('the greeting');
      expectOk(greeting, 'greeting');
      if (spec.login === '') {
        await session.farewell('QUIT');
        return `greeting ${quoted(greeting)}`;
      }
      session.send(`USER ${spec.login}`);
      const user = await session.readLine('the answer to USER');
      if (!isOk(user)) await refuse(session, 'USER', user);
      session.send(`PASS ${spec.passwd}`);
      const pass = await session.readLine('the answer to PASS');
      if (!isOk(pass)) await refuse(session, 'PASS', pass);
      await session.farewell('QUIT');
      return `logged in as ${quoted(spec.login)}`;
    },
  );

function isOk(line: string): boolean {
  return /^\+OK\b/.test(line);
}

function expectOk(line: string, what: string): void {
  if (isOk(line)) return;
  if (/^-ERR\b/.test(line)) throw new LineFailure('bad-status', `${what} refuses service: ${quoted(line)}`);
  throw new LineFailure('protocol', `not a POP3 ${what}: ${quoted(line)}`);
}

/** A refused USER or PASS fails the login; anything that is not -ERR is not POP3 at all. */
async function refuse(session: LineSession, command: string, line: string): Promise<never> {
  if (!/^-ERR\b/.test(line)) throw new LineFailure('protocol', `not a POP3 answer to ${command}: ${quoted(line)}`);
  await session.farewell('QUIT');
  throw new LineFailure('auth', `login refused at ${command}: ${quoted(line)}`);
}
