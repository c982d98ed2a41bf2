import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imapCheck } from '../../../src/checks/services/imap.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startDovecot, type Dovecot } from '../../helpers/daemons/dovecot.js';
import { LOOPBACKS, hostPort, startTcpServer, testCerts, type LoopbackHost, type TestCerts, type TestServer } from '../../helpers/servers.js';
import { settles, targetOf, within } from '../support.js';

let dovecot: Dovecot;
let certs: TestCerts;
beforeAll(async () => {
  certs = await testCerts();
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
  certs?.dispose();
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function spec(host: LoopbackHost, port: number, more: Partial<CheckSpecOf<'service'>> = {}): CheckSpecOf<'service'> {
  return { kind: 'service', service: 'imap', target: targetOf(host, port), protocol: 'tcp', request: '/', receive: '', login: '', passwd: '', database: '', secret: '', ...more };
}

/** A scripted IMAP peer: `greeting`, then `answer(line)` for every line; records the lines. */
async function scripted(host: LoopbackHost, greeting: string, answer: (line: string, socket: Socket) => void = () => undefined): Promise<{ server: TestServer; seen: string[] }> {
  const seen: string[] = [];
  const server = await startTcpServer(host, (socket) => {
    socket.write(greeting);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        seen.push(line);
        answer(line, socket);
      }
    });
  });
  servers.push(server);
  return { server, seen };
}

describe.each(LOOPBACKS)('imap check on %s against dovecot', (host) => {
  const imap = (): number => dovecot.ports.imap;
  const imaps = (): number => dovecot.ports.imaps;

  it('passes on the OK greeting when no login is configured', async () => {
    const r = await within(5000, (sig) => imapCheck(spec(host, imap()), sig));
    expect(r.ok).toBe(true);
    expect(r.detail).toMatch(/^imap .*: greeting "\* OK \[CAPABILITY IMAP4rev1 .*\] Dovecot \(Debian\) ready\."$/);
  });

  it('logs in with a quoted, escaped password (quotes, a backslash and spaces)', async () => {
    const r = await within(5000, (sig) => imapCheck(spec(host, imap(), { login: dovecot.user, passwd: dovecot.password }), sig));
    expect(r).toMatchObject({ ok: true, detail: `imap ${hostPort(host, imap())}: logged in as "joe"` });
  });

  it('fails with auth on a wrong password', async () => {
    const r = await within(5000, (sig) => imapCheck(spec(host, imap(), { login: dovecot.user, passwd: 'wrong' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `imap ${hostPort(host, imap())}: login refused: "a1 NO [AUTHENTICATIONFAILED] Authentication failed."` });
  });

  it('speaks TLS from the first byte for imaps, verified against the test CA, and logs in', async () => {
    const tls = { verify: true, caFile: certs.caFile };
    const r = await within(5000, (sig) => imapCheck(spec(host, imaps(), { service: 'imaps', tls, login: dovecot.user, passwd: dovecot.password }), sig));
    expect(r).toMatchObject({ ok: true, detail: `imaps ${hostPort(host, imaps())}: logged in as "joe"` });
  });

  it('fails with tls when imaps verifies against no CA that knows the certificate', async () => {
    const r = await within(5000, (sig) => imapCheck(spec(host, imaps(), { service: 'imaps', tls: { verify: true } }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls', detail: `imaps ${hostPort(host, imaps())}: TLS: unable to verify the first certificate` });
  });

  it('fails with tls when the server name does not match the certificate', async () => {
    const tls = { verify: true, caFile: certs.caFile, serverName: 'other.example.com' };
    const r = await within(5000, (sig) => imapCheck(spec(host, imaps(), { service: 'imaps', tls }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail).toContain('other.example.com');
  });

  it('fails with refused when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => imapCheck(spec(host, server.port, { service: 'imaps' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `imaps ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never greets, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => imapCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `imap ${hostPort(host, server.port)}: deadline of 300 ms exceeded while waiting for the greeting` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });
});

describe('imap check: other servers (scripted)', () => {
  it('fails with bad-status on a BYE greeting', async () => {
    const { server } = await scripted('127.0.0.1', '* BYE too many connections\r\n');
    const r = await within(2000, (sig) => imapCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `imap 127.0.0.1:${server.port}: greeting refuses service: "* BYE too many connections"` });
  });

  it('skips untagged lines before the tagged answer, then says LOGOUT', async () => {
    const { server, seen } = await scripted('::1', '* OK ready\r\n', (line, s) => {
      if (line.startsWith('a1 ')) s.write('* CAPABILITY IMAP4rev1\r\n* OK still here\r\na1 OK done\r\n');
      if (line.startsWith('a2 ')) s.end('* BYE bye\r\na2 OK\r\n');
    });
    const r = await within(2000, (sig) => imapCheck(spec('::1', server.port, { login: 'we"ird\\user', passwd: 'p w' }), sig));
    expect(r).toMatchObject({ ok: true, detail: `imap [::1]:${server.port}: logged in as "we\\"ird\\\\user"` });
    expect(seen).toEqual(['a1 LOGIN "we\\"ird\\\\user" "p w"', 'a2 LOGOUT']);
  });

  it('takes a PREAUTH greeting as logged in', async () => {
    const { server, seen } = await scripted('127.0.0.1', '* PREAUTH welcome back\r\n', (_line, s) => s.end('* BYE\r\n'));
    const r = await within(2000, (sig) => imapCheck(spec('127.0.0.1', server.port, { login: 'joe', passwd: 'x' }), sig));
    expect(r).toMatchObject({ ok: true, detail: `imap 127.0.0.1:${server.port}: greeting "* PREAUTH welcome back"` });
    expect(seen).toEqual(['a2 LOGOUT']);
  });

  it('fails with protocol on a server that talks something else', async () => {
    const { server } = await scripted('127.0.0.1', '+OK POP3 ready\r\n');
    const r = await within(2000, (sig) => imapCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `imap 127.0.0.1:${server.port}: not an IMAP greeting: "+OK POP3 ready"` });
  });

  it('fails with protocol on a line longer than any IMAP server sends', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.write(Buffer.alloc(20_000, 'x')));
    servers.push(server);
    const r = await within(2000, (sig) => imapCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `imap 127.0.0.1:${server.port}: a line longer than 16384 bytes while waiting for the greeting` });
  });

  it('times out when the server never answers LOGIN', async () => {
    const { server } = await scripted('127.0.0.1', '* OK ready\r\n');
    const r = await within(300, (sig) => imapCheck(spec('127.0.0.1', server.port, { login: 'joe', passwd: 'x' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `imap 127.0.0.1:${server.port}: deadline of 300 ms exceeded while waiting for the answer to LOGIN` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });
});
