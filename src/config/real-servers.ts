/**
 * Turns the `real=` lines of one section into RealServer entries: parse (real-line.ts),
 * resolve host and port, expand `a->b` ranges (numerically; ldirectord compares the integers as
 * strings and silently drops some ranges), and drop repeated ip:port pairs with a warning.
 */
import { compact } from './compact.js';
import { LIMITS } from './defaults.js';
import type { ParseContext } from './context.js';
import type { RealTodo } from './drafts.js';
import type { Family, RealServer } from './model.js';
import { parseRealLine, type RealSpec } from './real-line.js';
import { translatePerlRegex } from './receive-regex.js';
import { resolveHost, resolvePort } from './resolve.js';
import { hostPort, intToIpv4, ipv4ToInt } from '../util/ip.js';
import type { At } from './values.js';

/** All reals of a section, in file order, duplicates removed. */
export function buildReals(todos: readonly RealTodo[], family: Family, ctx: ParseContext): RealServer[] {
  const reals: RealServer[] = [];
  const seen = new Map<string, number>();
  for (const todo of todos) {
    const at: At = { diag: ctx.diag, line: todo.line, directive: todo.directive, global: false };
    for (const real of realsOfLine(todo, family, at, ctx)) {
      const key = hostPort(real.address, real.port);
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.diag.warn(todo.line, todo.directive,
          `duplicate real server ${key} (first at line ${first}); ldirectord 4.12 accepts it, ldirectord-ng keeps only the first`);
        continue;
      }
      seen.set(key, todo.line);
      reals.push(real);
    }
  }
  return reals;
}

function realsOfLine(todo: RealTodo, family: Family, at: At, ctx: ParseContext): RealServer[] {
  const spec = parseRealLine(todo.value, at);
  if (!spec) return [];
  const first = resolveHost(ctx, spec.host, family);
  if (first === undefined) {
    ctx.diag.error(at.line, at.directive, `invalid address (${spec.host}) for real server (could not resolve host)${familyHint(spec.host, family)}`);
  }
  let port = 0;
  if (spec.portToken !== undefined) {
    const p = resolvePort(ctx, spec.portToken, 'any');
    if (p === undefined) {
      ctx.diag.error(at.line, at.directive, `invalid port (${spec.portToken}) for real server (could not resolve port)`);
      return [];
    }
    port = p;
  }
  const last = spec.lastHost === undefined ? undefined : resolveHost(ctx, spec.lastHost, family);
  if (spec.lastHost !== undefined && last === undefined) {
    ctx.diag.error(at.line, at.directive, `invalid address (${spec.lastHost}) for real server (could not resolve end host)`);
  }
  if (typeof first !== 'string' || (spec.lastHost !== undefined && typeof last !== 'string')) return [];
  if (!receiveOk(spec, at)) return [];
  const addresses = typeof last === 'string' ? expandRange(first, last, family, at) : [first];
  return addresses.map((address) => makeReal(spec, todo.line, family, address, port));
}

function makeReal(spec: RealSpec, line: number, family: Family, address: string, port: number): RealServer {
  const receive = spec.receive === undefined || spec.receive === '' ? undefined : translatePerlRegex(spec.receive);
  return compact<RealServer>({
    line,
    family,
    address,
    port,
    forward: spec.forward,
    weight: spec.weight,
    request: spec.request,
    receive: spec.receive,
    receiveRegExp: receive?.ok ? receive.pattern : undefined,
    lowerThreshold: spec.lower,
    upperThreshold: spec.upper,
  });
}

function receiveOk(spec: RealSpec, at: At): boolean {
  if (spec.receive === undefined || spec.receive === '') return true;
  const t = translatePerlRegex(spec.receive);
  if (t.ok) return true;
  at.diag.error(at.line, at.directive, `invalid receive string: ${t.reason}`);
  return false;
}

/** Addresses from `first` to `last` inclusive; [] after reporting a problem. */
function expandRange(first: string, last: string, family: Family, at: At): string[] {
  if (family === 6) {
    at.diag.error(at.line, at.directive, 'Address range for IPv6 is not supported yet');
    return [];
  }
  const a = ipv4ToInt(first);
  const b = ipv4ToInt(last);
  if (a > b) {
    at.diag.error(at.line, at.directive, `Invalid Range: ${first}-${last}: First value must be greater than or equal to the second value`);
    return [];
  }
  const count = b - a + 1;
  if (count > LIMITS.maxRangeAddresses) {
    at.diag.error(at.line, at.directive,
      `the range ${first}->${last} has ${count} addresses; at most ${LIMITS.maxRangeAddresses} are allowed in one range`);
    return [];
  }
  const ldirectordCount = stringCompareCount(a, b);
  if (ldirectordCount !== count) {
    at.diag.warn(at.line, at.directive,
      `the range ${first}->${last} has ${count} addresses, all used; ldirectord 4.12 compares them as strings `
      + `and uses ${ldirectordCount === 0 ? 'none of them' : ldirectordCount}`);
  }
  const out: string[] = [];
  for (let i = a; i <= b; i++) out.push(intToIpv4(i));
  return out;
}

/** How many addresses ldirectord's `while ($i le $last_i)` loop adds (string comparison). */
function stringCompareCount(a: number, b: number): number {
  const lastText = String(b);
  let n = 0;
  for (let i = a; i <= b && String(i) <= lastText; i++) n++;
  return n;
}

function familyHint(host: string, family: Family): string {
  const bare = host.replace(/^\[|\]$/g, '');
  if (family === 4 && bare.includes(':')) return '; IPv6 reals need a virtual6 section and real6=';
  if (family === 6 && /^\d+\.\d+\.\d+\.\d+$/.test(bare)) return '; IPv4 reals need a virtual section and real=';
  return '';
}
