/**
 * service=dns: ask the real's name server for `request` (minus its leading `/`), over TCP when the
 * virtual is tcp and UDP otherwise, as ldirectord's Net::DNS check does. A name is looked up as A
 * and, when no A answer passes, as AAAA (ldirectord ignores AAAA); an address is looked up as PTR.
 * Up when an answer's address (or PTR name) matches `receive`; with an empty `receive`, any such
 * answer passes (ldirectord never passes then, reference §7 item 4).
 */
import type { Question } from 'dns-packet';
import { hostPort, ipFamily, ipToBytes } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import { compileReceive, showPattern } from '../receive-pattern.js';
import type { CheckSpecOf, Checker } from '../types.js';
import { askDns } from './dns-query.js';

type AskedType = 'A' | 'AAAA' | 'PTR';

const RCODES: Readonly<Record<number, string>> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/** Up on the first A, AAAA or PTR answer that matches `receive` (any, when it is empty). */
export const dnsCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const name = spec.request.replace(/^\//, '');
  const label = `dns ${hostPort(spec.target.address, spec.target.port)}/${spec.protocol} ${JSON.stringify(name)}`;
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  if (name === '') return timer.down('error', `${label}: no name to look up (set request= to a name or an address)`);
  const questions = questionsFor(name);
  const seen: string[] = [];
  for (const question of questions) {
    const type = question.type as AskedType;
    const answer = await askDns(spec.target, spec.protocol, question, signal);
    if (!answer.ok) return timer.down(answer.reason, `${label}: ${type} query: ${answer.text}${seenSoFar(seen)}`);
    const rcode = (answer.packet.flags ?? 0) & 0xf;
    // NXDOMAIN and the like answer for every type of the name, so asking AAAA next would change nothing.
    if (rcode !== 0) return timer.down('bad-status', `${label}: ${type} query answered ${RCODES[rcode] ?? `rcode ${rcode}`}${seenSoFar(seen)}`);
    const values = (answer.packet.answers ?? []).flatMap((rr) => (rr.type === type && typeof rr.data === 'string' ? [rr.data] : []));
    const match = values.find((value) => receive.regex === undefined || receive.regex.test(value));
    if (match !== undefined) {
      const how = receive.regex === undefined ? '' : ` matches ${showPattern(receive.regex)}`;
      const via = answer.transport === spec.protocol ? '' : ' (the UDP answer was truncated, so it was asked again over TCP)';
      return timer.up(`${label}: ${type} ${match}${how}${via}`);
    }
    seen.push(...values.map((value) => `${type} ${value}`));
  }
  const asked = questions.map((q) => q.type).join(' and ');
  // An empty receive passes on any record, so records that are left all failed the pattern.
  if (seen.length === 0 || receive.regex === undefined) return timer.down('body-mismatch', `${label}: no ${asked} records in the answer`);
  return timer.down('body-mismatch', `${label}: no answer matches ${showPattern(receive.regex)} (answers: ${seen.join(', ')})`);
};

/** PTR for an address literal (as Net::DNS's search does), else A then AAAA. */
function questionsFor(name: string): Question[] {
  const family = ipFamily(name);
  if (family === undefined) return [{ type: 'A', name }, { type: 'AAAA', name }];
  return [{ type: 'PTR', name: reverseName(name, family) }];
}

/** `7.2.0.192.in-addr.arpa` or the nibble form under `ip6.arpa`. */
function reverseName(address: string, family: 4 | 6): string {
  const bytes = [...ipToBytes(address)].reverse();
  if (family === 4) return `${bytes.join('.')}.in-addr.arpa`;
  return `${bytes.flatMap((b) => [(b & 0xf).toString(16), (b >> 4).toString(16)]).join('.')}.ip6.arpa`;
}

function seenSoFar(seen: readonly string[]): string {
  return seen.length === 0 ? '' : ` (earlier answers, none matching: ${seen.join(', ')})`;
}
