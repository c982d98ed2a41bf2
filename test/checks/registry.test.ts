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

describe('service checks without a negotiate implementation', () => {
  const base = { request: '/', receive: '', login: '', passwd: '', database: '', secret: '' };

  it('connect over TCP and say so in the detail', async () => {
    const tcp = await startTcpServer('127.0.0.1', () => undefined);
    servers.push(tcp);
    const r = await within(2000, (sig) => runCheck({ kind: 'service', service: 'smtp', target: targetOf('127.0.0.1', tcp.port), protocol: 'tcp', ...base }, sig));
    expect(r).toMatchObject({ ok: true, detail: 'negotiate for smtp is not implemented; checked by TCP connect' });
  });

  it('report the connect failure with the same note', async () => {
    const tcp = await startTcpServer('::1', () => undefined);
    await tcp.close();
    const r = await within(2000, (sig) => runCheck({ kind: 'service', service: 'imap', target: targetOf('::1', tcp.port), protocol: 'tcp', ...base }, sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: `connect [::1]:${tcp.port}: connection refused (negotiate for imap is not implemented; checked by TCP connect)`,
    });
  });

  it('use a UDP connect for UDP services', async () => {
    const r = await within(2000, (sig) => runCheck({ kind: 'service', service: 'dns', target: targetOf('127.0.0.1', 53), protocol: 'udp', ...base }, sig));
    expect(r).toMatchObject({ ok: true, detail: 'negotiate for dns is not implemented; checked by UDP connect' });
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
