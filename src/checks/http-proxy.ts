/**
 * service=http_proxy: the real is an HTTP proxy; the check asks it for the absolute URL in the
 * request and judges the answer like an http check (2xx, then `receive` on the body). The Host
 * header is the URL's host, as LWP sends it through a proxy.
 */
import { hostPort } from '../util/ip.js';
import { startCheckTimer } from './check-timer.js';
import { exchangeHttp } from './http-exchange.js';
import { compileReceive } from './receive-pattern.js';
import type { CheckSpecOf, Checker } from './types.js';

/** GET or HEAD of `spec.url` through the proxy at `spec.target`. */
export const httpProxyCheck: Checker<CheckSpecOf<'http-proxy'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `HTTP ${spec.method} ${spec.url} via proxy ${hostPort(spec.target.address, spec.target.port)}`;
  const url = URL.canParse(spec.url) ? new URL(spec.url) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return timer.down('error', `${label}: the request must be an absolute http URL`);
  }
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  return exchangeHttp(
    {
      connectTo: { scheme: 'http', address: spec.target.address, port: spec.target.port },
      path: url.href,
      method: spec.method,
      host: url.host,
      ...(receive.regex ? { receive: receive.regex } : {}),
      label,
    },
    signal,
    timer,
  );
};
