import { afterEach, describe, expect, it } from 'vitest';
import { httpCheck } from '../../src/checks/http.js';
import type { CheckSpecOf } from '../../src/checks/types.js';
import {
  LOOPBACKS, hang, hostPort, hugeBody, resetMidResponse, respond, startGarbageServer, startHttpServer, startUnacceptingListener, trickle,
  type LoopbackHost, type TestServer,
} from '../helpers/servers.js';
import { settles, targetOf, within } from './support.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(host: LoopbackHost, handler: Parameters<typeof startHttpServer>[1]): Promise<TestServer> {
  const s = await startHttpServer(host, handler);
  servers.push(s);
  return s;
}

function spec(host: LoopbackHost, server: { port: number; url(path?: string): string }, more: Partial<CheckSpecOf<'http'>> = {}): CheckSpecOf<'http'> {
  return { kind: 'http', target: targetOf(host, server.port), url: server.url('/health'), method: 'GET', receive: '', ...more };
}

describe.each(LOOPBACKS)('http check on %s', (host) => {
  it('passes on 200 with the receive string in the body, sending Host = virtualhost', async () => {
    const s = await serve(host, respond(200, '<html>Test Page</html>'));
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'Test Page', host: 'www.example.com' }), sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ method: 'GET', url: '/health', host: 'www.example.com' });
    expect(s.requests[0]?.headers.connection).toBe('close');
  });

  it('fails with body-mismatch when receive is not in the body, quoting the body', async () => {
    const s = await serve(host, respond(200, 'Hello|world\n'));
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'Test Page' }), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'body-mismatch',
      detail: `HTTP GET ${s.url('/health')}: receive /Test Page/ not found in the 12-byte body "Hello|world\\n"`,
    });
  });

  it('applies the receive flags (a translated Perl (?i))', async () => {
    const s = await serve(host, respond(200, 'TEST PAGE'));
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'test page', receiveFlags: 'i' }), sig));
    expect(r).toMatchObject({ ok: true });
    const strict = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'test page' }), sig));
    expect(strict).toMatchObject({ ok: false, reason: 'body-mismatch' });
    expect(strict.detail).toContain('receive /test page/ not found');
  });

  it('fails with bad-status on a 503, naming the status line', async () => {
    const s = await serve(host, respond(503, 'down for maintenance'));
    const r = await within(2000, (sig) => httpCheck(spec(host, s), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `HTTP GET ${s.url('/health')}: status 503 Service Unavailable` });
  });

  it('does not follow a redirect: a 302 fails and the target is never fetched', async () => {
    const s = await serve(host, (req, res) => {
      if (req.url === '/health') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end('fine');
    });
    const r = await within(2000, (sig) => httpCheck(spec(host, s), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status' });
    expect(r.detail).toBe(`HTTP GET ${s.url('/health')}: status 302 Found (redirect to /elsewhere not followed)`);
    expect(s.requests.map((q) => q.url)).toEqual(['/health']);
  });

  it('sends HEAD when asked and passes on 200', async () => {
    const s = await serve(host, respond(200, 'body that HEAD does not get'));
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { method: 'HEAD' }), sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(s.requests[0]?.method).toBe('HEAD');
  });

  it('fails with refused when nothing listens', async () => {
    const s = await serve(host, respond(200));
    await s.close();
    const r = await within(2000, (sig) => httpCheck(spec(host, s), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: `HTTP GET ${s.url('/health')}: connect ${hostPort(host, s.port)}: connection refused`,
    });
  });

  it('fails with reset when the server resets mid-response', async () => {
    const s = await serve(host, resetMidResponse());
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'never' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'reset' });
    expect(r.detail).toMatch(/while reading the body \(\d+ bytes read\)$/);
  });

  it('times out at the deadline on a server that accepts and never answers, and closes the socket', async () => {
    const s = await serve(host, hang());
    const r = await within(300, (sig) => httpCheck(spec(host, s), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `HTTP GET ${s.url('/health')}: deadline of 300 ms exceeded while waiting for the response`,
    });
    expect(s.connections).toHaveLength(1);
    expect(await settles(s.allClosed(), 2000)).toBe(true);
  });

  it('times out while connecting to a listener whose accept queue is full', async () => {
    const l = await startUnacceptingListener(host);
    try {
      const url = `http://${hostPort(host, l.port)}/health`;
      const r = await within(300, (sig) => httpCheck({ kind: 'http', target: targetOf(host, l.port), url, method: 'GET', receive: '' }, sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `HTTP GET ${url}: deadline of 300 ms exceeded while connecting` });
    } finally {
      await l.close();
    }
  });

  it('times out on a body that arrives one byte per second, and closes the socket', async () => {
    const s = await serve(host, trickle());
    const r = await within(400, (sig) => httpCheck(spec(host, s, { receive: 'y' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(r.detail).toMatch(/^HTTP GET .*: deadline of 400 ms exceeded while reading the body \(\d+ bytes read\)$/);
    expect(await settles(s.allClosed(), 2000)).toBe(true);
  });

  it('reads at most 64 KiB of a 1 GiB body and closes the connection long before the end', async () => {
    const s = await serve(host, hugeBody());
    const r = await within(5000, (sig) => httpCheck(spec(host, s, { receive: 'needle' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'body-mismatch' });
    expect(r.detail).toContain('receive /needle/ not found in the first 65536 bytes of the body "aaaa');
    expect(await settles(s.allClosed(), 5000)).toBe(true);
    expect(s.connections[0]?.bytesWritten).toBeLessThan(64 * 1024 * 1024);
  });

  it('passes on a huge body when receive is in the first 64 KiB', async () => {
    const s = await serve(host, hugeBody());
    const r = await within(5000, (sig) => httpCheck(spec(host, s, { receive: '^a{100}' }), sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(await settles(s.allClosed(), 5000)).toBe(true);
  });

  it('fails with protocol on a response that is not HTTP', async () => {
    const g = await startGarbageServer(host);
    servers.push(g);
    const url = `http://${hostPort(host, g.port)}/`;
    const r = await within(2000, (sig) => httpCheck({ kind: 'http', target: targetOf(host, g.port), url, method: 'GET', receive: '' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol' });
    expect(r.detail).toMatch(/^HTTP GET .*: invalid HTTP response: /);
  });

  it('fails with error, without connecting, on a receive that is not a valid regular expression', async () => {
    const s = await serve(host, respond(200, 'Test('));
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { receive: 'Test(' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(r.detail).toContain('receive /Test(/ is not a valid regular expression');
    expect(s.connections).toHaveLength(0);
  });
});

describe('http check deadline', () => {
  it('resolves as timeout at once when the signal has already fired', async () => {
    const s = await serve('127.0.0.1', respond(200));
    const ctl = new AbortController();
    ctl.abort(new Error('deadline of 0 ms exceeded'));
    const r = await httpCheck(spec('127.0.0.1', s), ctl.signal);
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(s.requests).toHaveLength(0);
  });
});
