import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BODY_CAP_BYTES } from '../../../src/checks/http-exchange.js';
import { planRealCheck } from '../../../src/checks/real-check.js';
import { ftpCheck } from '../../../src/checks/services/ftp.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startVsftpd, type Vsftpd } from '../../helpers/daemons/vsftpd.js';
import { LOOPBACKS, hostPort, startTcpServer, type LoopbackHost, type TestServer } from '../../helpers/servers.js';
import { realOf, virtualOf } from '../config-fixtures.js';
import { settles, targetOf, within } from '../support.js';

/** Bigger than the cap, with a marker at the start and another past the cap. */
const BIG = Buffer.concat([Buffer.from('BEGIN\n'), Buffer.alloc(BODY_CAP_BYTES * 2, 'x'), Buffer.from('\nEND\n')]);
const FILES = { 'index.html': 'Test Page ok\n', 'status/health.txt': 'state: ready\n', 'big.bin': BIG };

const ftpd = new Map<LoopbackHost, Vsftpd>();
beforeAll(async () => {
  const [v4, v6] = await Promise.all([startVsftpd('127.0.0.1', FILES), startVsftpd('::1', FILES)]);
  ftpd.set('127.0.0.1', v4).set('::1', v6);
});
afterAll(async () => {
  await Promise.all([...ftpd.values()].map((d) => d.stop()));
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** As the plan builds it for service=ftp with no login: anonymous, ldirectord@<hostname>. */
function spec(host: LoopbackHost, port: number, request: string, receive: string, more: Partial<CheckSpecOf<'service'>> = {}): CheckSpecOf<'service'> {
  return {
    kind: 'service', service: 'ftp', target: targetOf(host, port), protocol: 'tcp', request, receive,
    login: 'anonymous', passwd: 'ldirectord@director', database: '', secret: '', ...more,
  };
}

describe.each(LOOPBACKS)('ftp check on %s against vsftpd', (host) => {
  const port = (): number => ftpd.get(host)!.port;
  const label = (): string => `ftp ${hostPort(host, port())}`;

  it('logs in anonymously, fetches the request (passive mode) and finds receive in it', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/index.html', 'Test Page'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label()}: fetched /index.html (13 bytes), receive /Test Page/ found` });
  });

  it('fetches a file below / with an empty receive, and passes on any content', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/status/health.txt', ''), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label()}: fetched /status/health.txt (13 bytes)` });
  });

  it('fails with body-mismatch when the file does not match receive', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/status/health.txt', '^state: up'), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'body-mismatch',
      detail: `${label()}: receive /^state: up/ not found in /status/health.txt (13 bytes) "state: ready\\n"`,
    });
  });

  it('honours the receive flags the config layer translated', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/status/health.txt', '^STATE: READY$', { receiveFlags: 'im' }), sig));
    expect(r).toMatchObject({ ok: true });
  });

  it('fails with bad-status when the file is missing, even with an empty receive (ldirectord passes it)', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/missing.html', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label()}: RETR /missing.html refused: "550 Failed to open file."` });
  });

  it('fails with auth when the login is refused', async () => {
    const r = await within(5000, (sig) => ftpCheck(spec(host, port(), '/index.html', '', { login: 'joe', passwd: 'secret' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `${label()}: login as "joe" refused: "530 This FTP server is anonymous only."` });
  });

  it('judges the first 64 KiB of a big file and stops the download there', async () => {
    const head = await within(5000, (sig) => ftpCheck(spec(host, port(), '/big.bin', '^BEGIN'), sig));
    expect(head).toMatchObject({ ok: true, detail: `${label()}: fetched the first ${BODY_CAP_BYTES} bytes of /big.bin, receive /^BEGIN/ found` });
    const tail = await within(5000, (sig) => ftpCheck(spec(host, port(), '/big.bin', 'END'), sig));
    expect(tail).toMatchObject({ ok: false, reason: 'body-mismatch' });
    expect(tail.detail.startsWith(`${label()}: receive /END/ not found in the first ${BODY_CAP_BYTES} bytes of /big.bin `)).toBe(true);
  });

  it('fails with refused when nothing listens, even with an empty receive (ldirectord passes it)', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => ftpCheck(spec(host, server.port, '/index.html', ''), sig));
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ reason: 'refused', detail: `ftp ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never greets, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => ftpCheck(spec(host, server.port, '/index.html', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `ftp ${hostPort(host, server.port)}: deadline of 300 ms exceeded while waiting for the greeting` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });
});

describe('ftp check: other servers (scripted)', () => {
  it('fails with bad-status on a 421 greeting', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.end('421 Too many users\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => ftpCheck(spec('127.0.0.1', server.port, '/index.html', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `ftp 127.0.0.1:${server.port}: greeting refuses service: "421 Too many users"` });
  });

  it('times out when the server never answers the password, and closes the connection', async () => {
    const server = await startTcpServer('::1', (s) => {
      s.write('220 hello\r\n');
      s.once('data', () => s.write('331 password please\r\n'));
    });
    servers.push(server);
    const r = await within(300, (sig) => ftpCheck(spec('::1', server.port, '/index.html', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `ftp [::1]:${server.port}: deadline of 300 ms exceeded while logging in` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('fails with error on a receive that is not a valid regular expression, without connecting', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.end('220 hello\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => ftpCheck(spec('127.0.0.1', server.port, '/index.html', 'Test('), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(server.connections).toHaveLength(0);
  });
});

describe('ftp plan', () => {
  it('fills the anonymous login and hands the request over with its leading /', () => {
    const real = realOf('10.0.0.2', 21);
    const v = virtualOf({ endpoint: { kind: 'addr', protocol: 'tcp', address: '10.0.0.1', port: 21 }, service: 'ftp', request: '/pub/status.txt', receive: 'ok', reals: [real] });
    expect(planRealCheck(v, real, 'director1').plan.mode).toMatchObject({
      kind: 'single',
      spec: { kind: 'service', service: 'ftp', request: '/pub/status.txt', receive: 'ok', login: 'anonymous', passwd: 'ldirectord@director1' },
      timeoutMs: 30_000,
    });
  });
});
