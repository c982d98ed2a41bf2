/**
 * The end of a virtual section: what ldirectord does after the last line of a section
 * (`_ld_read_config_*_resolve`, L1656-1676): resolve the address and port (with the final
 * protocol), the per-virtual fallback, and the reals.
 */
import type { ParseContext } from './context.js';
import type { ResolvedFallback, VirtualDraft } from './drafts.js';
import { SERVICE_BY_PORT, type RealServer, type ServiceName, type VirtualEndpoint } from './model.js';
import { buildReals } from './real-servers.js';
import { resolveFallback, resolveHost, resolvePort } from './resolve.js';

/** A section after resolution, waiting for the globals (finalize.ts). */
export interface ResolvedSection {
  readonly draft: VirtualDraft;
  /** Undefined when the header or its resolution failed (already reported). */
  readonly endpoint?: VirtualEndpoint;
  readonly service: ServiceName;
  readonly fallback?: ResolvedFallback;
  readonly reals: readonly RealServer[];
}

/** Resolve a finished section; problems go to the context, failed parts are left out. */
export function resolveSection(v: VirtualDraft, ctx: ParseContext): ResolvedSection {
  const endpoint = resolveEndpoint(v, ctx);
  const service = v.service ?? deriveService(v, endpoint);
  const section: { -readonly [K in keyof ResolvedSection]: ResolvedSection[K] } = {
    draft: v, service, reals: buildReals(v.reals, v.family, ctx),
  };
  if (endpoint) section.endpoint = endpoint;
  const fallback = resolveOwnFallback(v, endpoint, ctx);
  if (fallback) section.fallback = fallback;
  return section;
}

function resolveEndpoint(v: VirtualDraft, ctx: ParseContext): VirtualEndpoint | undefined {
  const h = v.header;
  if (!h) return undefined;
  if (h.kind === 'fwmark') return { kind: 'fwmark', mark: h.mark };
  const protocol = v.protocol === 'udp' ? 'udp' : 'tcp';
  const address = resolveHost(ctx, h.host, v.family);
  const port = resolvePort(ctx, h.portToken, protocol);
  if (address === null) return undefined;
  if (address === undefined || port === undefined) {
    const why = address === undefined
      ? `could not resolve ${JSON.stringify(h.host)} to an IPv${v.family} address${familyHint(h.host, v.family)}`
      : `${JSON.stringify(h.portToken)} is not a port or a known ${protocol} service`;
    ctx.diag.error(v.line, v.directive, `invalid address for virtual service (${why})`);
    return undefined;
  }
  return { kind: 'addr', protocol, address, port };
}

/**
 * ldirectord compares the port as text (`$port eq 80`), so a port written with leading zeros
 * (`:080`) gets service none; kept for compatibility.
 */
function deriveService(v: VirtualDraft, endpoint: VirtualEndpoint | undefined): ServiceName {
  if (endpoint?.kind !== 'addr' || v.header?.kind !== 'addr') return 'none';
  if (/^0\d/.test(v.header.portToken)) return 'none';
  return SERVICE_BY_PORT.get(endpoint.port) ?? 'none';
}

function resolveOwnFallback(v: VirtualDraft, endpoint: VirtualEndpoint | undefined, ctx: ParseContext): ResolvedFallback | undefined {
  if (!v.fallback) return undefined;
  const { spec, line } = v.fallback;
  const directive = v.family === 6 ? 'fallback6' : 'fallback';
  const resolved = resolveFallback(ctx, spec, line, directive, v.family, [v.protocol]);
  if (!resolved) return undefined;
  if (resolved.port !== undefined || spec.portToken !== undefined) return resolved;
  // No port: the virtual's own (0 for a firewall mark).
  return endpoint?.kind === 'addr' ? { ...resolved, port: endpoint.port } : resolved;
}

function familyHint(host: string, family: 4 | 6): string {
  if (family === 6 && /^\d+\.\d+\.\d+\.\d+$/.test(host)) return '; use virtual= for IPv4';
  return '';
}
