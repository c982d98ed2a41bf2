/**
 * ldirectord's resolution helpers (`ld_gethostbyname`, `ld_getservbyname`, fallback
 * resolution) over the parser's NameLookup. A `null` answer means the name is pending: the
 * caller stops quietly, because the loader will resolve it and parse again.
 */
import type { ParseContext } from './context.js';
import type { ResolvedFallback } from './drafts.js';
import { stripBrackets, type FallbackSpec } from './fallback-line.js';
import type { Family } from './model.js';

/** Address of a host as written (brackets allowed); undefined if it does not resolve, null if pending. */
export function resolveHost(ctx: ParseContext, host: string, family: Family): string | undefined | null {
  const answer = ctx.names.host(stripBrackets(host), family);
  switch (answer.kind) {
    case 'address': return answer.address;
    case 'unknown': return undefined;
    case 'pending': return null;
  }
}

/**
 * `ld_getservbyname`: digits are a port if below 65536; anything else is a service name for
 * the protocol (`any` tries tcp, then udp, as getservbyname with no protocol does).
 */
export function resolvePort(ctx: ParseContext, token: string, protocol: 'tcp' | 'udp' | 'fwm' | 'any'): number | undefined {
  if (/^[0-9]+$/.test(token)) {
    const n = Number(token);
    return n < 65536 ? n : undefined;
  }
  // getservbyname(name, "fwm") finds nothing.
  if (protocol === 'fwm') return undefined;
  if (protocol === 'any') return ctx.names.service(token, 'tcp') ?? ctx.names.service(token, 'udp');
  return ctx.names.service(token, protocol);
}

/** A family's name in ldirectord's fallback message. */
function ipVersion(family: Family): string {
  return family === 6 ? 'IPv6' : 'IPv4';
}

/**
 * `_ld_read_config_fallback_resolve`: the host must resolve in the family, and a port, when
 * given and not "0", must resolve for the protocol. Reports at `line`.
 */
export function resolveFallback(
  ctx: ParseContext, spec: FallbackSpec, line: number, directive: string, family: Family, protocols: readonly ('tcp' | 'udp' | 'fwm')[],
): ResolvedFallback | undefined | null {
  const address = resolveHost(ctx, spec.host, family);
  if (address === null) return null;
  if (address === undefined) {
    const hint = family === 4 && spec.host.includes(':') && !spec.host.startsWith('[')
      ? ' (write IPv6 fallbacks as fallback6=[address]:port)' : '';
    ctx.diag.error(line, directive, `invalid ${ipVersion(family)} address or could not resolve for fallback server: ${spec.host}${hint}`);
    return undefined;
  }
  const base = { line, family, address, forward: spec.forward };
  // ldirectord's `unless($fallback->{"port"})`: no port and "0" both mean none.
  if (spec.portToken === undefined || /^0+$/.test(spec.portToken)) return base;
  let port: number | undefined;
  for (const protocol of protocols) {
    const p = resolvePort(ctx, spec.portToken, protocol);
    if (p === undefined) {
      ctx.diag.error(line, directive, `invalid port for fallback server (${JSON.stringify(spec.portToken)} for ${protocol})`);
      return undefined;
    }
    port ??= p;
  }
  return port === undefined ? base : { ...base, port };
}
