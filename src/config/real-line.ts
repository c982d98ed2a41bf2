/**
 * The value of a `real=`/`real6=` line, read as ldirectord 4.12 reads it (L2019 and
 * `add_real_server`), with the decided fixes:
 *
 *   HOST[->HOST2][:PORT] FWD [WEIGHT] ["REQUEST"[, ]"RECEIVE"] [l:LOWER] [u:UPPER]
 *
 * ldirectord's regexes are unanchored, so it silently skips text it cannot read in several
 * places (before the address, before the weight, before the request pair, before `l:`/`u:`);
 * we read the same things and warn about each skip. The matching is done by hand rather than
 * with ldirectord's regexes because those backtrack quadratically on long hostile lines.
 *
 * Fixes (see docs/compat.md): `HOST::PORT` (the upstream sample's SIP lines) is read as
 * `HOST:PORT`; a per-real request that starts with `/` keeps its receive and what follows it.
 */
import { intToIpv4 } from '../util/ip.js';
import { DEFAULTS, LIMITS } from './defaults.js';
import { FORWARDS } from './fallback-line.js';
import type { Forward } from './model.js';
import { show, type At } from './values.js';

/** A `real=` line as written, before resolution. */
export interface RealSpec {
  /** As written (`[v6]` keeps its brackets). */
  readonly host: string;
  /** End of an `a->b` range, as written. */
  readonly lastHost?: string;
  readonly portToken?: string;
  readonly forward: Forward;
  readonly weight: number;
  /** With a leading `/`. */
  readonly request?: string;
  readonly receive?: string;
  readonly lower: number;
  readonly upper: number;
}

const HOST = String.raw`\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\]`; // `A-f` as upstream writes it
const PORT = String.raw`\d+|[A-Za-z0-9_-]+`;
const BLANK = String.raw`[\t\n\f\r \x0B]`;
const ADDRESS = new RegExp(String.raw`(${HOST})(?:->(${HOST}))?(?::(${PORT}))?(?=${BLANK})`, 'y');
const DOUBLE_COLON = new RegExp(String.raw`(${HOST})(?:->(${HOST}))?::(${PORT})(?=${BLANK})`, 'y');
/** How far into the value we look for ldirectord's unanchored match (a real address is short). */
const SEARCH_LIMIT = 256;
/**
 * Longer address words are not tried: no such name resolves (DNS names stop at 253), so
 * ldirectord fails on them too, and trying them would make hostile lines slow.
 */
const MAX_ADDRESS = 1024;

/** Parse a `real=` value; reports a problem and returns undefined when it is invalid. */
export function parseRealLine(value: string, at: At): RealSpec | undefined {
  const address = matchAddress(value, at);
  if (!address) {
    at.diag.error(at.line, at.directive, `invalid address for real server (wrong format) (got ${show(value)})`);
    return undefined;
  }
  const flags = parseFlags(value.slice(skipBlanks(value, address.end)), at);
  if (!flags) return undefined;
  const spec: { -readonly [K in keyof RealSpec]: RealSpec[K] } = { host: address.host, ...flags };
  if (address.lastHost !== undefined) spec.lastHost = address.lastHost;
  if (address.portToken !== undefined) spec.portToken = address.portToken;
  return spec;
}

interface AddressMatch {
  host: string;
  lastHost?: string;
  portToken?: string;
  end: number;
}

function matchAddress(value: string, at: At): AddressMatch | undefined {
  const here = execAt(ADDRESS, value, 0);
  if (here) return here;
  const sip = execAt(DOUBLE_COLON, value, 0);
  if (sip) {
    // getaddrinfo reads a bare number as a 32-bit address: "5060" is 0.0.19.196.
    const port = sip.portToken ?? '';
    const bogus = /^\d+$/.test(port) && Number(port) <= 0xffffffff ? `${intToIpv4(Number(port))}:0` : `${port} (port 0)`;
    at.diag.warn(at.line, at.directive,
      `"${value.slice(0, sip.end)}" is read as ${value.slice(0, sip.end).replace('::', ':')}; ldirectord 4.12 reads `
      + `this line as the bogus real server ${bogus}`);
    return sip;
  }
  const limit = Math.min(value.length, SEARCH_LIMIT);
  for (let p = 1; p < limit; p++) {
    const later = execAt(ADDRESS, value, p);
    if (later) {
      at.diag.warn(at.line, at.directive,
        `ldirectord reads this real server from ${show(value.slice(p))}, skipping ${show(value.slice(0, p))}; `
        + 'ldirectord-ng does the same, check that it is what you meant');
      return later;
    }
  }
  return undefined;
}

function execAt(re: RegExp, value: string, p: number): AddressMatch | undefined {
  let w = p;
  while (w < value.length && !isBlank(value.charCodeAt(w))) w++;
  if (w - p > MAX_ADDRESS) return undefined;
  re.lastIndex = p;
  const m = re.exec(value);
  if (!m) return undefined;
  const match: AddressMatch = { host: m[1] as string, end: p + m[0].length };
  if (m[2] !== undefined) match.lastHost = m[2];
  if (m[3] !== undefined) match.portToken = m[3];
  return match;
}

type Flags = Pick<RealSpec, 'forward' | 'weight' | 'request' | 'receive' | 'lower' | 'upper'>;

function parseFlags(flags: string, at: At): Flags | undefined {
  const fwd = /\w+/.exec(flags);
  if (!fwd || !(FORWARDS as readonly string[]).includes(fwd[0])) {
    at.diag.error(at.line, at.directive, `forward method must be gate, masq or ipip (got ${show(fwd?.[0] ?? flags)})`);
    return undefined;
  }
  warnSkipped(at, flags.slice(0, fwd.index), 'before the forwarding method');
  const out: { -readonly [K in keyof Flags]: Flags[K] } = { forward: fwd[0] as Forward, weight: DEFAULTS.weight, lower: 0, upper: 0 };
  let rest = flags.slice(fwd.index + fwd[0].length);

  const weight = afterBlanks(rest, (s, j) => isDigit(s.charCodeAt(j)));
  if (weight) {
    warnSkipped(at, rest.slice(0, weight.start), 'before the weight');
    const digits = digitRun(rest, weight.after);
    out.weight = clampInt(at, 'weight', digits, LIMITS.maxInt32);
    if (out.weight > LIMITS.maxIpvsadmWeight) {
      at.diag.warn(at.line, at.directive,
        `weight ${out.weight} is above ${LIMITS.maxIpvsadmWeight}, which ipvsadm (and so ldirectord 4.12) rejects`);
    }
    rest = rest.slice(weight.after + digits.length);
  }

  let ldirectordIgnoredPair = false;
  const pair = matchRequestPair(rest);
  if (pair) {
    warnSkipped(at, rest.slice(0, pair.start), 'before the request and receive');
    ldirectordIgnoredPair = pair.request.startsWith('/');
    out.request = pair.request.startsWith('/') ? pair.request : `/${pair.request}`;
    out.receive = pair.receive;
    rest = pair.rest;
    if (ldirectordIgnoredPair) {
      at.diag.warn(at.line, at.directive,
        `the per-real request ${show(pair.request)} and receive ${show(pair.receive)} are used; ldirectord 4.12 `
        + 'ignores them (and the rest of the line) when the request starts with "/", and checks with the '
        + "virtual's request and receive instead");
    }
  }

  for (const [key, prefix] of [['lower', 'l:'], ['upper', 'u:']] as const) {
    const t = afterBlanks(rest, (s, j) => s.startsWith(prefix, j) && isDigit(s.charCodeAt(j + 2)));
    if (!t) continue;
    warnSkipped(at, rest.slice(0, t.start), `before ${prefix}`);
    const digits = digitRun(rest, t.after + 2);
    out[key] = clampInt(at, prefix, digits, LIMITS.maxInt32);
    rest = rest.slice(t.after + 2 + digits.length);
  }

  if (/\S/.test(rest)) {
    if (ldirectordIgnoredPair) {
      at.diag.warn(at.line, at.directive, `ignored text after the request and receive: ${show(rest.trim())} (ldirectord 4.12 accepts it silently)`);
    } else {
      at.diag.error(at.line, at.directive, `Invalid real server line, around ${show(rest)}`);
      return undefined;
    }
  }
  return out;
}

/**
 * `\s+"(.*)"[, ]\s*"(.*)"(.*)`, leftmost and greedy like Perl: the first blank run followed by
 * `"` opens the request; the request then runs to the last `"` that is followed by `,` or a
 * space, blanks and another `"`, and the receive runs to the last `"` of the line. If the first
 * opening fails, every later one fails too (its candidates are a subset), so one try suffices.
 */
function matchRequestPair(s: string): { start: number; request: string; receive: string; rest: string } | undefined {
  const open = afterBlanks(s, (x, j) => x[j] === '"');
  if (!open) return undefined;
  const body = s.slice(open.after + 1);
  const lastQuote = body.lastIndexOf('"');
  for (let q = body.lastIndexOf('"', lastQuote - 1); q >= 0; q = q === 0 ? -1 : body.lastIndexOf('"', q - 1)) {
    const sep = body[q + 1];
    if (sep !== ',' && sep !== ' ') continue;
    const r = skipBlanks(body, q + 2);
    if (body[r] !== '"' || r >= lastQuote) continue;
    return { start: open.start, request: body.slice(0, q), receive: body.slice(r + 1, lastQuote), rest: body.slice(lastQuote + 1) };
  }
  return undefined;
}

/** The first run of blanks in `s` after which `ok(s, j)` holds; `after` is j. */
function afterBlanks(s: string, ok: (s: string, j: number) => boolean): { start: number; after: number } | undefined {
  let i = 0;
  while (i < s.length) {
    if (!isBlank(s.charCodeAt(i))) { i++; continue; }
    const j = skipBlanks(s, i);
    if (j < s.length && ok(s, j)) return { start: i, after: j };
    i = j;
  }
  return undefined;
}

function warnSkipped(at: At, text: string, where: string): void {
  if (/\S/.test(text)) {
    at.diag.warn(at.line, at.directive, `ignored text ${where}: ${show(text.trim())} (ldirectord 4.12 skips it silently)`);
  }
}

function clampInt(at: At, what: string, digits: string, max: number): number {
  const n = Number(digits);
  if (n <= max) return n;
  at.diag.warn(at.line, at.directive, `${what} ${digits} is too large; ${max} is used`);
  return max;
}

function digitRun(s: string, from: number): string {
  let j = from;
  while (j < s.length && isDigit(s.charCodeAt(j))) j++;
  return s.slice(from, j);
}

function skipBlanks(s: string, from: number): number {
  let j = from;
  while (j < s.length && isBlank(s.charCodeAt(j))) j++;
  return j;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Perl's `\s` on bytes: TAB, LF, VT, FF, CR, space. */
function isBlank(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
