import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/registry.js';
import type { CheckSpec } from '../../src/checks/types.js';
import { hostPort, respond, startHttpServer, startTcpServer, type TestServer } from '../helpers/servers.js';
import { targetOf, within } from './support.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('runCheck routes each kind to its checker', () => {
  it('runs every kind against real things on 127.0.0.1', async () => {
    const web = await startHttpServer('127.0.0.1', respond(200, 'Test Page'));
    const tcp = await startTcpServer('127.0.0.1', (s) => s.on('end', () => s.end('OK\n')).resume());
    servers.push(web, tcp);
    const t = (port: number) => targetOf('127.0.0.1', port);
    const cases: [CheckSpec, string][] = [
      [{ kind: 'connect', target: t(tcp.port), protocol: 'tcp' }, `connect ${hostPort('127.0.0.1', tcp.port)}: connected`],
      [{ kind: 'ping', target: t(0), count: 1, attemptTimeoutMs: 2000 }, 'echo reply from 127.0.0.1'],
      [{ kind: 'http', target: t(web.port), url: web.url('/'), method: 'GET', receive: 'Test' }, '200 OK'],
      [{ kind: 'http-proxy', target: t(web.port), url: 'http://example.com/', method: 'GET', receive: 'Test' }, '200 OK'],
      [{ kind: 'simpletcp', target: t(tcp.port), send: 'hi\n', receive: 'OK' }, 'received "OK"'],
      [{ kind: 'external', command: '/bin/true', args: [] }, 'exit status 0'],
      [{ kind: 'none' }, 'service none: nothing to check'],
    ];
    for (const [spec, detail] of cases) {
      const r = await within(5000, (sig) => runCheck(spec, sig));
      expect({ kind: spec.kind, ok: r.ok, detail: r.detail }).toMatchObject({ kind: spec.kind, ok: true, detail: expect.stringContaining(detail) });
    }
  });
});

describe('runCheck routes service specs to their protocol checks', () => {
  const base = { request: '/', receive: '', login: '', passwd: '', database: '', secret: '' };

  it('an SMTP check of a TCP server that never greets fails at the deadline, naming smtp', async () => {
    const tcp = await startTcpServer('127.0.0.1', () => undefined);
    servers.push(tcp);
    const r = await within(500, (sig) => runCheck({ kind: 'service', service: 'smtp', target: targetOf('127.0.0.1', tcp.port), protocol: 'tcp', ...base }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(r.detail).toMatch(/^smtp /);
  });

  it('an IMAP check of a closed port is refused, naming imap and the address', async () => {
    const tcp = await startTcpServer('::1', () => undefined);
    await tcp.close();
    const r = await within(2000, (sig) => runCheck({ kind: 'service', service: 'imap', target: targetOf('::1', tcp.port), protocol: 'tcp', ...base }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused' });
    expect(r.detail).toContain(`[::1]:${tcp.port}`);
    expect(r.detail).toMatch(/^imap /);
  });
});

describe('runCheck turns a checker exception (our bug) into reason error', () => {
  it('for a kind no checker knows', async () => {
    const r = await within(2000, (sig) => runCheck({ kind: 'gopher' } as unknown as CheckSpec, sig));
    expect(r).toMatchObject({ ok: false, reason: 'error', detail: 'internal error in the gopher check: unknown check kind "gopher"' });
  });

  it('for a malformed spec that makes a checker throw', async () => {
    const r = await within(2000, (sig) => runCheck({ kind: 'connect', protocol: 'tcp' } as unknown as CheckSpec, sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(r.detail).toMatch(/^internal error in the connect check: /);
  });
});
