/**
 * service=http and service=https: one request over a fresh connection, redirects not followed
 * (a 3xx fails; ldirectord's LWP would follow it), success = 2xx and `receive` found in the body.
 * TLS verification, CA bundle and SNI come from the spec; see http-exchange.ts for the exchange.
 */
import { readFile } from 'node:fs/promises';
import { startCheckTimer } from './check-timer.js';
import { exchangeHttp, type HttpExchange } from './http-exchange.js';
import { compileReceive } from './receive-pattern.js';
import type { CheckSpecOf, Checker } from './types.js';

/** HTTP(S) GET or HEAD of `spec.url`; the detail on success is the status line (`200 OK`). */
export const httpCheck: Checker<CheckSpecOf<'http'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `HTTP ${spec.method} ${spec.url}`;
  const url = URL.canParse(spec.url) ? new URL(spec.url) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return timer.down('error', `${label}: not an http or https URL`);
  }
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  let tls: HttpExchange['tls'];
  if (scheme === 'https') {
    let ca: Buffer | undefined;
    if (spec.tls?.caFile !== undefined) {
      try {
        ca = await readFile(spec.tls.caFile);
      } catch (err) {
        return timer.down('tls', `${label}: cannot read CA file ${spec.tls.caFile}: ${(err as Error).message}`);
      }
    }
    tls = { verify: spec.tls?.verify ?? false, ...(ca ? { ca } : {}), ...(spec.tls?.serverName ? { serverName: spec.tls.serverName } : {}) };
  }
  return exchangeHttp(
    {
      connectTo: { scheme, address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || (scheme === 'https' ? 443 : 80) },
      path: `${url.pathname}${url.search}`,
      method: spec.method,
      ...(spec.host === undefined ? {} : { host: spec.host }),
      ...(receive.regex ? { receive: receive.regex } : {}),
      ...(tls ? { tls } : {}),
      label,
    },
    signal,
    timer,
  );
};
