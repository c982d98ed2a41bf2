import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpCheck } from '../../src/checks/http.js';
import type { CheckSpecOf } from '../../src/checks/types.js';
import { LOOPBACKS, hostPort, respond, startHttpServer, startTcpServer, testCerts, type LoopbackHost, type TestCerts, type TestServer } from '../helpers/servers.js';
import { settles, targetOf, within } from './support.js';

let certs: TestCerts;
beforeAll(async () => {
  certs = await testCerts();
});
afterAll(() => certs.dispose());

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serveTls(host: LoopbackHost, which: 'selfSigned' | 'signed'): Promise<TestServer> {
  const s = await startHttpServer(host, respond(200, 'secure Test Page'), certs[which]);
  servers.push(s);
  return s;
}

function spec(host: LoopbackHost, s: TestServer, tls: CheckSpecOf<'http'>['tls'], more: Partial<CheckSpecOf<'http'>> = {}): CheckSpecOf<'http'> {
  return { kind: 'http', target: targetOf(host, s.port), url: s.url('/'), method: 'GET', receive: 'Test Page', tls, ...more };
}

describe.each(LOOPBACKS)('https check on %s', (host) => {
  it('passes on a self-signed certificate with verify off, sending no SNI for an IP URL', async () => {
    const s = await serveTls(host, 'selfSigned');
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { verify: false }), sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(s.requests[0]?.sni).toBe(false);
  });

  it('fails with tls on a self-signed certificate with verify on', async () => {
    const s = await serveTls(host, 'selfSigned');
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { verify: true }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail).toMatch(/^HTTP GET https:.*: connect .*: TLS: self-signed certificate$/);
    expect(s.requests).toHaveLength(0);
  });

  it('passes with verify on against the right CA file and name, and the server sees SNI and Host', async () => {
    const s = await serveTls(host, 'signed');
    const tls = { verify: true, caFile: certs.caFile, serverName: 'www.example.com' };
    const r = await within(2000, (sig) => httpCheck(spec(host, s, tls, { host: 'vhost.example.org' }), sig));
    expect(r).toMatchObject({ ok: true, detail: '200 OK' });
    expect(s.requests[0]).toMatchObject({ sni: 'www.example.com', host: 'vhost.example.org' });
  });

  it('fails with tls when verify is on and the name is not in the certificate', async () => {
    const s = await serveTls(host, 'signed');
    const tls = { verify: true, caFile: certs.caFile, serverName: 'other.example.com' };
    const r = await within(2000, (sig) => httpCheck(spec(host, s, tls), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail).toContain('other.example.com');
  });

  it('verifies an IP URL against the certificate IP SAN when no server name is given', async () => {
    const s = await serveTls(host, 'signed');
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { verify: true, caFile: certs.caFile }), sig));
    expect(r).toMatchObject({ ok: true });
    expect(s.requests[0]?.sni).toBe(false);
  });

  it('sends the SNI it is given even with verify off (tlsservername apart from virtualhost)', async () => {
    const s = await serveTls(host, 'selfSigned');
    const r = await within(2000, (sig) => httpCheck(spec(host, s, { verify: false, serverName: 'sni.example.net' }, { host: 'www.example.com' }), sig));
    expect(r).toMatchObject({ ok: true });
    expect(s.requests[0]).toMatchObject({ sni: 'sni.example.net', host: 'www.example.com' });
  });
});

describe.each(LOOPBACKS)('https check handshake failures on %s', (host) => {
  it('times out during the TLS handshake when the server accepts and never answers it, and closes the socket', async () => {
    const s = await startTcpServer(host, (socket) => socket.resume());
    servers.push(s);
    const url = `https://${hostPort(host, s.port)}/`;
    const r = await within(300, (sig) => httpCheck({ kind: 'http', target: targetOf(host, s.port), url, method: 'GET', receive: '', tls: { verify: false } }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `HTTP GET ${url}: deadline of 300 ms exceeded during the TLS handshake` });
    expect(await settles(s.allClosed(), 2000)).toBe(true);
  });

  it('fails with tls when the server speaks plain HTTP', async () => {
    const s = await startHttpServer(host, respond(200, 'plain'));
    servers.push(s);
    const url = `https://${hostPort(host, s.port)}/`;
    const r = await within(2000, (sig) => httpCheck({ kind: 'http', target: targetOf(host, s.port), url, method: 'GET', receive: '', tls: { verify: false } }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail.startsWith(`HTTP GET ${url}: connect ${hostPort(host, s.port)}: TLS`)).toBe(true);
  });
});

describe('https check CA file', () => {
  it('fails with tls, naming the file, when the CA file cannot be read', async () => {
    const s = await serveTls('127.0.0.1', 'signed');
    const r = await within(2000, (sig) => httpCheck(spec('127.0.0.1', s, { verify: true, caFile: '/nonexistent/ca.pem' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls' });
    expect(r.detail).toContain('cannot read CA file /nonexistent/ca.pem');
    expect(s.connections).toHaveLength(0);
  });
});
