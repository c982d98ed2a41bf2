/**
 * The value of a `virtual=`/`virtual6=` line, matched the way ldirectord matches it (L1335-1365):
 * `a.b.c.d:port` (virtual only), `host:port`, a firewall mark (any value that starts with
 * digits), `[v6]:port` (virtual6 only). Only the start of the value has to match; ldirectord
 * ignores the rest, and so do we, with a warning.
 */
import { isIPv6 } from 'node:net';
import { LIMITS } from './defaults.js';
import type { Family } from './model.js';
import { got, show, type At } from './values.js';

/** A `virtual=` value as written, before resolution. */
export type VirtualHeader =
  /** `host` is a literal or a hostname, without brackets; `portToken` a number or service name. */
  | { readonly kind: 'addr'; readonly host: string; readonly portToken: string }
  | { readonly kind: 'fwmark'; readonly mark: number };

/** Parse a header value; reports a problem and returns undefined when it is invalid. */
export function parseVirtualHeader(value: string, family: Family, at: At): VirtualHeader | undefined {
  let m: RegExpExecArray | null;
  let header: VirtualHeader;
  if ((family === 4 && (m = /^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z_-]+)/.exec(value)))
    || (m = /^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)/.exec(value))) {
    header = { kind: 'addr', host: m[1] as string, portToken: m[2] as string };
  } else if ((m = /^(\d+)/.exec(value))) {
    const mark = Number(m[1]);
    if (mark > LIMITS.maxFwmark) {
      at.diag.error(at.line, at.directive, `invalid firewall mark ${m[1]} (at most ${LIMITS.maxFwmark})`);
      return undefined;
    }
    header = { kind: 'fwmark', mark };
    if (mark === 0) at.diag.warn(at.line, at.directive, 'firewall mark 0 is not valid in IPVS; this virtual service cannot be installed');
  } else if ((m = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z_-]+)/.exec(value))) {
    if (family === 4) {
      at.diag.error(at.line, at.directive, 'cannot specify an IPv6 address here. please use "virtual6" instead.');
      return undefined;
    }
    if (!isIPv6(m[1] as string)) {
      at.diag.error(at.line, at.directive, `invalid ipv6 address for virtual server (got ${show(m[1] as string)})`);
      return undefined;
    }
    header = { kind: 'addr', host: m[1] as string, portToken: m[2] as string };
  } else {
    at.diag.error(at.line, at.directive, got('invalid address for virtual server', value));
    return undefined;
  }
  const rest = value.slice(m[0].length);
  if (header.kind === 'fwmark' && /^\.\d/.test(rest)) {
    at.diag.warn(at.line, at.directive,
      `${at.directive}=${value} has no port, so it is read as firewall mark ${header.mark}, as ldirectord does; `
      + `write ${at.directive}=${value}:<port> for an address`);
  } else if (rest !== '') {
    at.diag.warn(at.line, at.directive, `text after the virtual service is ignored, as ldirectord does: ${show(rest)}`);
  }
  return header;
}
