/**
 * The value of `fallback=`/`fallback6=` (ldirectord's `parse_fallback`, L2207):
 * `HOST[:PORT] [gate|masq|ipip]`. ldirectord takes the last two blank-separated words as the
 * server and the forwarding method and ignores anything before them; we warn about that.
 */
import { DEFAULTS } from './defaults.js';
import type { Forward } from './model.js';
import { show, type At } from './values.js';

/** A fallback as written, before resolution. */
export interface FallbackSpec {
  /** As written, brackets included (`[::1]`); resolved later. */
  readonly host: string;
  /** Number or service name; undefined when the line gave none. */
  readonly portToken?: string;
  readonly forward: Forward;
}

/** The forwarding words ldirectord accepts. */
export const FORWARDS: readonly Forward[] = ['gate', 'masq', 'ipip'];

/** Parse a fallback value; reports a problem and returns undefined when it is invalid. */
export function parseFallbackLine(value: string, at: At): FallbackSpec | undefined {
  const words = value.split(/[\t\n\f\r \x0B]+/).filter((w) => w !== '');
  const server = words.length >= 2 ? (words[words.length - 2] as string) : (words[0] ?? '');
  let fwd = words.length >= 2 ? words[words.length - 1] : undefined;
  if (words.length > 2) {
    at.diag.warn(at.line, at.directive, `ignored text before the fallback server, as ldirectord does: ${show(words.slice(0, -2).join(' '))}`);
  }
  // ldirectord's `if ($fwd)`: the word "0" is false in Perl and means "not given".
  if (fwd === '0') fwd = undefined;
  let forward: Forward = DEFAULTS.fallbackForward;
  if (fwd !== undefined) {
    if (!(FORWARDS as readonly string[]).includes(fwd)) {
      at.diag.error(at.line, at.directive, `forward method must be gate, masq or ipip (got ${show(fwd)})`);
      return undefined;
    }
    forward = fwd as Forward;
  }
  // `(:(\d+|[A-Za-z0-9-_]+))?$`: only the last colon can start a port.
  const colon = server.lastIndexOf(':');
  if (colon >= 0 && /^[A-Za-z0-9_-]+$/.test(server.slice(colon + 1))) {
    return { host: server.slice(0, colon), portToken: server.slice(colon + 1), forward };
  }
  return { host: server, forward };
}

/** ldirectord's `ld_gethostbyname` drops brackets anywhere in the name: `[::1]` → `::1`. */
export function stripBrackets(host: string): string {
  const m = /\[(.*)\]/.exec(host);
  return m ? (m[1] as string) : host;
}
