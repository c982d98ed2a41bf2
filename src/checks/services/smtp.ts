/**
 * service=smtp and service=submission, as ldirectord's Net::SMTP check: the 2xx greeting, then
 * EHLO (HELO if EHLO is refused) accepted, then QUIT. No AUTH and no STARTTLS, as ldirectord.
 */
import type { CheckSpecOf, Checker } from '../types.js';
import { LineFailure } from './line-failure.js';
import { runLineDialog } from './line-dialog.js';
import { quoted, type LineSession } from './line-session.js';

/** The name Net::SMTP introduces itself with, which ldirectord leaves at its default. */
const HELLO_NAME = 'localhost.localdomain';

/** An SMTP reply: its code and its last line. */
interface Reply {
  readonly code: number;
  /** The last line, which carries the code and the server's final words. */
  readonly last: string;
}

/** Up when the server greets with 2xx and accepts EHLO or HELO. */
export const smtpCheck: Checker<CheckSpecOf<'service'>> = (spec, signal) =>
  runLineDialog({ name: spec.service, target: spec.target }, signal, async (session) => {
    const greeting = await readReply(session, 'the greeting');
    if (!positive(greeting)) {
      throw new LineFailure('bad-status', `greeting refuses service: ${quoted(greeting.last)}`);
    }
    session.send(`EHLO ${HELLO_NAME}`);
    const ehlo = await readReply(session, 'the answer to EHLO');
    let hello = 'EHLO';
    if (!positive(ehlo)) {
      session.send(`HELO ${HELLO_NAME}`);
      const helo = await readReply(session, 'the answer to HELO');
      if (!positive(helo)) {
        await session.farewell('QUIT');
        throw new LineFailure('bad-status', `EHLO and HELO refused: ${quoted(ehlo.last)}, ${quoted(helo.last)}`);
      }
      hello = 'HELO';
    }
    await session.farewell('QUIT');
    return `greeting ${quoted(greeting.last)}, ${hello} accepted`;
  });

/** 2xx, which Net::SMTP calls CMD_OK. */
function positive(reply: Reply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

/** Reads one reply: `250-...` lines continue it, `250 ...` (or a bare `250`) ends it. */
async function readReply(session: LineSession, what: string): Promise<Reply> {
  for (;;) {
    const line = await session.readLine(what);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new LineFailure('protocol', `not an SMTP reply while waiting for ${what}: ${quoted(line)}`);
    if (m[2] !== '-') return { code: Number(m[1]), last: line };
  }
}
