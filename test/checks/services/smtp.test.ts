import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planRealCheck } from '../../../src/checks/real-check.js';
import { serviceCheck } from '../../../src/checks/service.js';
import { smtpCheck } from '../../../src/checks/services/smtp.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startAiosmtpd, type Aiosmtpd } from '../../helpers/daemons/aiosmtpd.js';
import { LOOPBACKS, hostPort, startTcpServer, startUnacceptingListener, type LoopbackHost, type TestServer } from '../../helpers/servers.js';
import { realOf, virtualOf } from '../config-fixtures.js';
import { settles, targetOf, within } from '../support.js';

const smtpd = new Map<LoopbackHost, Aiosmtpd>();
let refusing: Aiosmtpd;
beforeAll(async () => {
  const [v4, v6, refuse] = await Promise.all([startAiosmtpd('127.0.0.1'), startAiosmtpd('::1'), startAiosmtpd('127.0.0.1', 'refuse-hello')]);
  smtpd.set('127.0.0.1', v4).set('::1', v6);
  refusing = refuse;
});
afterAll(async () => {
  await Promise.all([...smtpd.values(), refusing].map((d) => d?.stop()));
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function spec(host: LoopbackHost, port: number, service: 'smtp' | 'submission' = 'smtp'): CheckSpecOf<'service'> {
  return { kind: 'service', service, target: targetOf(host, port), protocol: 'tcp', request: '/', receive: '', login: '', passwd: '', database: '', secret: '' };
}

/** A scripted SMTP peer: `greeting` first, then `answer(line)` for every line; records the lines. */
async function scripted(host: LoopbackHost, greeting: string, answer: (line: string) => string | undefined): Promise<{ server: TestServer; seen: string[] }> {
  const seen: string[] = [];
  const server = await startTcpServer(host, (socket: Socket) => {
    socket.write(greeting);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        seen.push(line);
        const reply = answer(line);
        if (reply !== undefined) socket.write(reply);
        if (line === 'QUIT') socket.end();
      }
    });
  });
  servers.push(server);
  return { server, seen };
}

describe.each(LOOPBACKS)('smtp check on %s against aiosmtpd', (host) => {
  it('passes on the 220 greeting and an accepted EHLO (a multi-line reply)', async () => {
    const port = smtpd.get(host)!.port;
    const r = await within(5000, (sig) => smtpCheck(spec(host, port), sig));
    expect(r.ok).toBe(true);
    expect(r.detail).toMatch(new RegExp(`^smtp ${hostPort(host, port).replace(/[[\]]/g, '\\$&')}: greeting "220 .*", EHLO accepted$`));
  });

  it('runs service=submission through the dispatcher with the same check, named submission', async () => {
    const port = smtpd.get(host)!.port;
    const r = await within(5000, (sig) => serviceCheck(spec(host, port, 'submission'), sig));
    expect(r).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^submission ${hostPort(host, port).replace(/[[\]]/g, '\\$&')}: greeting "220 `)) });
  });

  it('fails with refused when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => smtpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `smtp ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never greets, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => smtpCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `smtp ${hostPort(host, server.port)}: deadline of 300 ms exceeded while waiting for the greeting` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('times out while connecting to a listener that never accepts', async () => {
    const listener = await startUnacceptingListener(host);
    try {
      const r = await within(300, (sig) => smtpCheck(spec(host, listener.port), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `smtp ${hostPort(host, listener.port)}: deadline of 300 ms exceeded while connecting` });
    } finally {
      await listener.close();
    }
  });
});

describe('smtp check: wrong answers', () => {
  it('fails with bad-status when aiosmtpd refuses both EHLO and HELO', async () => {
    const r = await within(5000, (sig) => smtpCheck(spec('127.0.0.1', refusing.port), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'bad-status',
      detail: `smtp 127.0.0.1:${refusing.port}: EHLO and HELO refused: "550 EHLO refused by the test handler", "550 HELO refused by the test handler"`,
    });
  });

  it('fails with bad-status on a 554 greeting (scripted server)', async () => {
    const { server, seen } = await scripted('::1', '554 no service here\r\n', () => '221 bye\r\n');
    const r = await within(2000, (sig) => smtpCheck(spec('::1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `smtp [::1]:${server.port}: greeting refuses service: "554 no service here"` });
    expect(seen).toEqual([]);
  });

  it('falls back to HELO when EHLO is refused, as Net::SMTP, and says QUIT (scripted server)', async () => {
    const { server, seen } = await scripted('127.0.0.1', '220-mail.test ESMTP\r\n220 second line\r\n', (line) =>
      line.startsWith('EHLO') ? '502 5.5.2 EHLO not implemented\r\n' : line.startsWith('HELO') ? '250 mail.test\r\n' : '221 bye\r\n');
    const r = await within(2000, (sig) => smtpCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: true, detail: `smtp 127.0.0.1:${server.port}: greeting "220 second line", HELO accepted` });
    expect(seen).toEqual(['EHLO localhost.localdomain', 'HELO localhost.localdomain', 'QUIT']);
  });

  it('fails with protocol on a server that does not speak SMTP (scripted server)', async () => {
    const { server } = await scripted('127.0.0.1', 'SSH-2.0-OpenSSH_9.2\r\n', () => undefined);
    const r = await within(2000, (sig) => smtpCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `smtp 127.0.0.1:${server.port}: not an SMTP reply while waiting for the greeting: "SSH-2.0-OpenSSH_9.2"` });
  });

  it('fails with reset when the server closes after the greeting (scripted server)', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.end('220 going away\r\n'));
    servers.push(server);
    const r = await within(2000, (sig) => smtpCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'reset', detail: `smtp 127.0.0.1:${server.port}: connection closed by the server while waiting for the answer to EHLO` });
  });
});

describe('smtp plan', () => {
  it('runs under negotiatetimeout, over TCP, with a warning on a UDP virtual', () => {
    const real = realOf('10.0.0.2', 25);
    const udp = virtualOf({ endpoint: { kind: 'addr', protocol: 'udp', address: '10.0.0.1', port: 25 }, service: 'smtp', negotiateTimeoutSec: 7, reals: [real] });
    const planned = planRealCheck(udp, real, 'director');
    expect(planned.plan.mode).toMatchObject({ kind: 'single', spec: { kind: 'service', service: 'smtp' }, timeoutMs: 7000 });
    expect(planned.warnings).toEqual(['virtual service udp:10.0.0.1:25: smtp is checked over TCP']);
    const tcp = virtualOf({ endpoint: { kind: 'addr', protocol: 'tcp', address: '10.0.0.1', port: 25 }, service: 'smtp', reals: [real] });
    expect(planRealCheck(tcp, real, 'director').warnings).toEqual([]);
  });
});

describe('service dispatcher', () => {
  it('routes each mail, news, ftp and ldap service to its own check, which names it in the detail', async () => {
    const server = await startTcpServer('127.0.0.1', () => undefined);
    await server.close();
    const services = ['smtp', 'submission', 'pop', 'pops', 'imap', 'imaps', 'nntp', 'ftp', 'ldap', 'ldaps'] as const;
    for (const service of services) {
      const r = await within(2000, (sig) => serviceCheck({ ...spec('127.0.0.1', server.port), service }, sig));
      expect({ service, ...r }).toMatchObject({ service, ok: false, reason: 'refused', detail: `${service} 127.0.0.1:${server.port}: connect: connection refused` });
    }
  });
});
