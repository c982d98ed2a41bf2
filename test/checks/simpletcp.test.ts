import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCheckPlans } from '../../src/checks/plan.js';
import { simpletcpCheck } from '../../src/checks/simpletcp.js';
import type { CheckSpecOf } from '../../src/checks/types.js';
import { LOOPBACKS, hostPort, startTcpServer, type LoopbackHost, type TestServer } from '../helpers/servers.js';
import { configOf, realOf, virtualOf } from './config-fixtures.js';
import { settles, targetOf, within } from './support.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Collects what the client sends until it half-closes, then answers with `reply(request)`. */
async function lineServer(host: LoopbackHost, reply: (request: string, socket: Socket) => void): Promise<{ server: TestServer; seen: string[] }> {
  const seen: string[] = [];
  const server = await startTcpServer(host, (socket) => {
    let request = '';
    socket.on('data', (d: Buffer) => (request += d.toString('utf8')));
    socket.on('end', () => {
      seen.push(request);
      reply(request, socket);
    });
  });
  servers.push(server);
  return { server, seen };
}

function spec(host: LoopbackHost, port: number, send: string, receive: string): CheckSpecOf<'simpletcp'> {
  return { kind: 'simpletcp', target: targetOf(host, port), send, receive };
}

describe.each(LOOPBACKS)('simpletcp check on %s', (host) => {
  it('sends the request, half-closes, and passes on the line that matches', async () => {
    const { server, seen } = await lineServer(host, (_req, s) => s.end('+BANNER\r\nstatus: ready\r\nbye\r\n'));
    const r = await within(2000, (sig) => simpletcpCheck(spec(host, server.port, 'STATUS\n', '^status: ready'), sig));
    expect(r).toMatchObject({ ok: true, detail: `simpletcp ${hostPort(host, server.port)}: received "status: ready"` });
    expect(seen).toEqual(['STATUS\n']);
  });

  it('lets $ match before the newline, as in Perl', async () => {
    const { server } = await lineServer(host, (_req, s) => s.end('one\nOK\ntwo\n'));
    const r = await within(2000, (sig) => simpletcpCheck(spec(host, server.port, 'x', '^OK$'), sig));
    expect(r).toMatchObject({ ok: true });
  });

  it('counts an unterminated last line', async () => {
    const { server } = await lineServer(host, (_req, s) => s.end('ERR busy\nnow ready'));
    const r = await within(2000, (sig) => simpletcpCheck(spec(host, server.port, 'STATUS\n', 'ready$'), sig));
    expect(r).toMatchObject({ ok: true, detail: `simpletcp ${hostPort(host, server.port)}: received "now ready"` });
  });

  it('fails with body-mismatch when no line matches before the server closes', async () => {
    const { server } = await lineServer(host, (_req, s) => s.end('ERR busy\nnot today\n'));
    const r = await within(2000, (sig) => simpletcpCheck(spec(host, server.port, 'STATUS\n', 'ready'), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'body-mismatch',
      detail: `simpletcp ${hostPort(host, server.port)}: receive /ready/ not found in 2 lines (19 bytes) before the server closed the connection`,
    });
  });

  it('sends the plan builder\'s translation of the request: \\n becomes a newline, \\r stays as written', async () => {
    const { server, seen } = await lineServer(host, (_req, s) => s.end('PONG\n'));
    const v = virtualOf({ service: 'simpletcp', request: '/PING\\r\\nQUIT\\n', receive: 'PONG', reals: [realOf(host, server.port)] });
    const plans = buildCheckPlans(configOf([v]), 'director');
    const plan = [...plans.plans.values()][0];
    if (plan?.mode.kind !== 'single' || plan.mode.spec.kind !== 'simpletcp') throw new Error('expected a simpletcp plan');
    const probe = plan.mode.spec;
    const r = await within(2000, (sig) => simpletcpCheck(probe, sig));
    expect(r).toMatchObject({ ok: true });
    expect(seen).toEqual(['PING\\r\nQUIT\n']);
  });

  it('times out on a server that keeps talking without ever matching, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (socket) => {
      socket.resume();
      const timer = setInterval(() => socket.write('still working\n'), 50);
      socket.on('close', () => clearInterval(timer));
    }, { allowHalfOpen: true });
    servers.push(server);
    const r = await within(300, (sig) => simpletcpCheck(spec(host, server.port, 'HELLO\n', 'OK'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(r.detail.startsWith(`simpletcp ${hostPort(host, server.port)}: deadline of 300 ms exceeded (`)).toBe(true);
    expect(r.detail).toMatch(/\(\d+ lines read, none matched \/OK\/\)$/);
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('fails with refused when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => simpletcpCheck(spec(host, server.port, 'x', 'y'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `simpletcp ${hostPort(host, server.port)}: connect: connection refused` });
  });
});
