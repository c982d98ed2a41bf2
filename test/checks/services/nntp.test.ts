import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nntpCheck } from '../../../src/checks/services/nntp.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startJamnntpd, type Jamnntpd } from '../../helpers/daemons/jamnntpd.js';
import { LOOPBACKS, hostPort, startTcpServer, startUnacceptingListener, type LoopbackHost, type TestServer } from '../../helpers/servers.js';
import { settles, targetOf, within } from '../support.js';

let open: Jamnntpd;
let closed: Jamnntpd;
beforeAll(async () => {
  [open, closed] = await Promise.all([startJamnntpd({ allowed: true }), startJamnntpd({ allowed: false })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), closed?.stop()]);
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function spec(host: LoopbackHost, port: number): CheckSpecOf<'service'> {
  return { kind: 'service', service: 'nntp', target: targetOf(host, port), protocol: 'tcp', request: '/', receive: '', login: '', passwd: '', database: '', secret: '' };
}

describe('nntp check against jamnntpd (IPv4 only)', () => {
  it('passes on the 200 greeting', async () => {
    const r = await within(5000, (sig) => nntpCheck(spec('127.0.0.1', open.port), sig));
    expect(r).toMatchObject({
      ok: true,
      detail: `nntp 127.0.0.1:${open.port}: greeting "200 Welcome to JamNNTPd/Linux 1.3 (posting may or may not be allowed, try your luck)"`,
    });
  });

  it('fails with bad-status when the server refuses the client with 502', async () => {
    const r = await within(5000, (sig) => nntpCheck(spec('127.0.0.1', closed.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `nntp 127.0.0.1:${closed.port}: greeting "502 Access denied." is not 2xx` });
  });
});

describe.each(LOOPBACKS)('nntp check on %s', (host) => {
  it('passes on a 201 greeting and says QUIT (scripted server: jamnntpd has no IPv6)', async () => {
    const seen: string[] = [];
    const server = await startTcpServer(host, (s) => {
      s.write('201 news.test ready (no posting)\r\n');
      s.on('data', (d: Buffer) => {
        seen.push(d.toString('utf8'));
        s.end('205 bye\r\n');
      });
    });
    servers.push(server);
    const r = await within(2000, (sig) => nntpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: true, detail: `nntp ${hostPort(host, server.port)}: greeting "201 news.test ready (no posting)"` });
    expect(seen).toEqual(['QUIT\r\n']);
  });

  it('fails with protocol on a greeting that is no NNTP reply (scripted server)', async () => {
    const server = await startTcpServer(host, (s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => nntpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `nntp ${hostPort(host, server.port)}: greeting "SSH-2.0-OpenSSH_9.2" is not 2xx` });
  });

  it('fails with reset when the server closes without a word', async () => {
    const server = await startTcpServer(host, (s) => s.end());
    servers.push(server);
    const r = await within(2000, (sig) => nntpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'reset', detail: `nntp ${hostPort(host, server.port)}: connection closed by the server while waiting for the greeting` });
  });

  it('fails with refused when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => nntpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `nntp ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never greets, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => nntpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `nntp ${hostPort(host, server.port)}: deadline of 300 ms exceeded while waiting for the greeting` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('times out while connecting to a listener that never accepts', async () => {
    const listener = await startUnacceptingListener(host);
    try {
      const r = await within(300, (sig) => nntpCheck(spec(host, listener.port), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `nntp ${hostPort(host, listener.port)}: deadline of 300 ms exceeded while connecting` });
    } finally {
      await listener.close();
    }
  });
});
