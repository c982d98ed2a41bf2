/**
 * service=nntp, as ldirectord: connect and read the greeting; a greeting that starts with "2"
 * (200 posting allowed, 201 no posting) is up. ldirectord reads the first 64 bytes; this reads
 * the first line, then says QUIT.
 */
import type { CheckSpecOf, Checker } from '../types.js';
import { LineFailure } from './line-failure.js';
import { runLineDialog } from './line-dialog.js';
import { quoted } from './line-session.js';

/** Up on a 2xx greeting. */
export const nntpCheck: Checker<CheckSpecOf<'service'>> = (spec, signal) =>
  runLineDialog({ name: 'nntp', target: spec.target }, signal, async (session) => {
    const greeting = await session.readLine('the greeting');
    if (!greeting.startsWith('2')) {
      const reason = /^\d{3}\b/.test(greeting) ? 'bad-status' : 'protocol';
      throw new LineFailure(reason, `greeting ${quoted(greeting)} is not 2xx`);
    }
    await session.farewell('QUIT');
    return `greeting ${quoted(greeting)}`;
  });
