import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planRealCheck } from '../../../src/checks/real-check.js';
import { popCheck } from '../../../src/checks/services/pop.js';
import type { CheckSpecOf, TlsCheckOptions } from '../../../src/checks/types.js';
import { startDovecot, type Dovecot } from '../../helpers/daemons/dovecot.js';
import { LOOPBACKS, hostPort, startTcpServer, testCerts, type LoopbackHost, type TestCerts, type TestServer } from '../../helpers/servers.js';
import { realOf, virtualOf } from '../config-fixtures.js';
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
  return { kind: 'service', service: 'pop', target: targetOf(host, port), protocol: 'tcp', request: '/', receive: '', login: '', passwd: '', database: '', secret: '', ...more };
}

const GREETING = '"+OK Dovecot (Debian) ready."';

describe.each(LOOPBACKS)('pop check on %s against dovecot', (host) => {
  const pop3 = (): number => dovecot.ports.pop3;
  const pop3s = (): number => dovecot.ports.pop3s;

  it('passes on the +OK greeting when no login is configured', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3()), sig));
    expect(r).toMatchObject({ ok: true, detail: `pop ${hostPort(host, pop3())}: greeting ${GREETING}` });
  });

  it('logs in with USER and PASS (a password with quotes, a backslash and spaces)', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3(), { login: dovecot.user, passwd: dovecot.password }), sig));
    expect(r).toMatchObject({ ok: true, detail: `pop ${hostPort(host, pop3())}: logged in as "joe"` });
  });

  it('fails with auth on a wrong password', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3(), { login: dovecot.user, passwd: 'wrong' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `pop ${hostPort(host, pop3())}: login refused at PASS: "-ERR [AUTH] Authentication failed."` });
  });

  it('speaks TLS from the first byte for pops, and logs in', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3s(), { service: 'pops', login: dovecot.user, passwd: dovecot.password }), sig));
    expect(r).toMatchObject({ ok: true, detail: `pops ${hostPort(host, pop3s())}: logged in as "joe"` });
  });

  it('verifies the certificate against a CA file when asked (its SAN carries the loopback address)', async () => {
    const tls: TlsCheckOptions = { verify: true, caFile: certs.caFile };
    const r = await within(5000, (sig) => popCheck(spec(host, pop3s(), { service: 'pops', tls }), sig));
    expect(r).toMatchObject({ ok: true, detail: `pops ${hostPort(host, pop3s())}: greeting ${GREETING}` });
  });

  it('fails with tls when verification is on and the CA is unknown', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3s(), { service: 'pops', tls: { verify: true } }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls', detail: `pops ${hostPort(host, pop3s())}: TLS: unable to verify the first certificate` });
  });

  it('fails with tls when pops meets a plain POP3 port', async () => {
    const r = await within(5000, (sig) => popCheck(spec(host, pop3(), { service: 'pops' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail.startsWith(`pops ${hostPort(host, pop3())}: `)).toBe(true);
  });

  it('fails with refused when nothing listens, even without a login (ldirectord passes it)', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => popCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `pop ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never greets, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => popCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `pop ${hostPort(host, server.port)}: deadline of 300 ms exceeded while waiting for the greeting` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('times out in the TLS handshake with a pops server that never answers it', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => popCheck(spec(host, server.port, { service: 'pops' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `pops ${hostPort(host, server.port)}: deadline of 300 ms exceeded during the TLS handshake` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });
});

describe('pop check: wrong answers (scripted servers)', () => {
  it('fails with bad-status on an -ERR greeting', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.end('-ERR too many connections\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => popCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `pop 127.0.0.1:${server.port}: greeting refuses service: "-ERR too many connections"` });
  });

  it('fails with protocol on a greeting that is not POP3', async () => {
    const server = await startTcpServer('::1', (s) => s.end('220 smtp.test ESMTP\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => popCheck(spec('::1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `pop [::1]:${server.port}: not a POP3 greeting: "220 smtp.test ESMTP"` });
  });
});

describe('pop plan', () => {
  it('gives pops the virtual\'s TLS policy, SNI from virtualhost, and plain pop none', () => {
    const real = realOf('10.0.0.2', 995);
    const tls = { verify: true, caFile: '/etc/ca.pem' };
    const pops = virtualOf({ service: 'pops', virtualhost: 'mail.example.com', tls, reals: [real] });
    expect(planRealCheck(pops, real, 'director').plan.mode).toMatchObject({
      kind: 'single',
      spec: { kind: 'service', service: 'pops', tls: { verify: true, caFile: '/etc/ca.pem', serverName: 'mail.example.com' } },
      timeoutMs: 30_000,
    });
    const pop = virtualOf({ service: 'pop', reals: [real] });
    const mode = planRealCheck(pop, real, 'director').plan.mode;
    expect(mode.kind === 'single' && mode.spec.kind === 'service' && mode.spec.tls).toBe(undefined);
  });
});
