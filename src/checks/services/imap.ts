/**
 * service=imap and service=imaps (TLS from the first byte), as ldirectord's Net::IMAP::Simple
 * check: an OK (or PREAUTH) greeting, then, when a login is configured, LOGIN accepted, then
 * LOGOUT.
 */
import type { CheckSpecOf, Checker } from '../types.js';
import { LineFailure } from './line-failure.js';
import { runLineDialog } from './line-dialog.js';
import { quoted, type LineSession } from './line-session.js';

/** Up on an OK greeting and, with a login, a tagged OK to LOGIN. */
export const imapCheck: Checker<CheckSpecOf<'service'>> = (spec, signal) =>
  runLineDialog(
    { name: spec.service, target: spec.target, ...(spec.service === 'imaps' ? { tls: spec.tls ?? { verify: false } } : {}) },
    signal,
    async (session) => {
      const greeting = await session.readLine('the greeting');
      const status = /^\* (OK|PREAUTH|BYE)\b/i.exec(greeting)?.[1]?.toUpperCase();
      if (status === 'BYE') throw new LineFailure('bad-status', `greeting refuses service: ${quoted(greeting)}`);
      if (status === undefined) throw new LineFailure('protocol', `not an IMAP greeting: ${quoted(greeting)}`);
      // A pre-authenticated session has nothing left to log in to.
      if (spec.login === '' || status === 'PREAUTH') {
        await session.farewell('a2 LOGOUT');
        return `greeting ${quoted(greeting)}`;
      }
      session.send(`a1 LOGIN ${imapString(spec.login)} ${imapString(spec.passwd)}`);
      const answer = await tagged(session, 'a1', 'the answer to LOGIN');
      if (!/^a1 OK\b/i.test(answer)) {
        await session.farewell('a2 LOGOUT');
        throw new LineFailure('auth', `login refused: ${quoted(answer)}`);
      }
      await session.farewell('a2 LOGOUT');
      return `logged in as ${quoted(spec.login)}`;
    },
  );

/** Skips untagged lines (`* CAPABILITY ...`) up to the one that answers `tag`. */
async function tagged(session: LineSession, tag: string, what: string): Promise<string> {
  for (;;) {
    const line = await session.readLine(what);
    if (line.toLowerCase().startsWith(`${tag} `)) return line;
    if (!line.startsWith('* ')) throw new LineFailure('protocol', `not an IMAP response while waiting for ${what}: ${quoted(line)}`);
  }
}

/** An IMAP quoted string: backslash and double quote escaped. */
function imapString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}
