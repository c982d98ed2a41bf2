import { afterEach, describe, expect, it } from 'vitest';
import { httpProxyCheck } from '../../src/checks/http-proxy.js';
import { LOOPBACKS, hang, respond, startHttpServer, type TestServer } from '../helpers/servers.js';
import { settles, targetOf, within } from './support.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe.each(LOOPBACKS)('http_proxy check through a proxy on %s', (host) => {
  it('asks the real, as a proxy, for the absolute URL with the URL host as Host', async () => {
    const proxy = await startHttpServer(host, respond(200, 'proxied Test Page'));
    servers.push(proxy);
    const url = 'http://origin.example.com:8080/status?full=1';
    const r = await within(2000, (sig) => httpProxyCheck({ kind: 'http-proxy', target: targetOf(host, proxy.port), url, method: 'GET', receive: 'Test Page' }, sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(proxy.requests[0]).toMatchObject({ method: 'GET', url, host: 'origin.example.com:8080' });
  });

  it('fails with body-mismatch and names the proxy', async () => {
    const proxy = await startHttpServer(host, respond(200, 'an error page from the proxy'));
    servers.push(proxy);
    const r = await within(2000, (sig) =>
      httpProxyCheck({ kind: 'http-proxy', target: targetOf(host, proxy.port), url: 'http://origin.example.com/', method: 'GET', receive: 'Test Page' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'body-mismatch' });
    expect(r.detail).toMatch(/^HTTP GET http:\/\/origin\.example\.com\/ via proxy \S+: receive \/Test Page\/ not found/);
  });

  it('times out on a proxy that never answers and closes the socket', async () => {
    const proxy = await startHttpServer(host, hang());
    servers.push(proxy);
    const r = await within(300, (sig) =>
      httpProxyCheck({ kind: 'http-proxy', target: targetOf(host, proxy.port), url: 'http://origin.example.com/', method: 'GET', receive: '' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(await settles(proxy.allClosed(), 2000)).toBe(true);
  });
});

describe('http_proxy request', () => {
  it('fails with error, without connecting, when the request is not an absolute URL', async () => {
    const proxy = await startHttpServer('127.0.0.1', respond(200));
    servers.push(proxy);
    const r = await within(2000, (sig) =>
      httpProxyCheck({ kind: 'http-proxy', target: targetOf('127.0.0.1', proxy.port), url: 'index.html', method: 'GET', receive: '' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(r.detail).toContain('must be an absolute http URL');
    expect(proxy.connections).toHaveLength(0);
  });
});
