import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planRealCheck } from '../../../src/checks/real-check.js';
import { ldapCheck } from '../../../src/checks/services/ldap.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startSlapd, type Slapd } from '../../helpers/daemons/slapd.js';
import { LOOPBACKS, hostPort, startTcpServer, testCerts, type LoopbackHost, type TestCerts, type TestServer } from '../../helpers/servers.js';
import { realOf, virtualOf } from '../config-fixtures.js';
import { settles, targetOf, within } from '../support.js';

let slapd: Slapd;
let certs: TestCerts;
beforeAll(async () => {
  certs = await testCerts();
  slapd = await startSlapd();
});
afterAll(async () => {
  await slapd?.stop();
  certs?.dispose();
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The request carries the leading "/" the config layer adds, as ldirectord's does. */
function spec(host: LoopbackHost, port: number, more: Partial<CheckSpecOf<'service'>> = {}): CheckSpecOf<'service'> {
  return {
    kind: 'service', service: 'ldap', target: targetOf(host, port), protocol: 'tcp', request: '/dc=example,dc=com', receive: '',
    login: '', passwd: '', database: '', secret: '', ...more,
  };
}

describe.each(LOOPBACKS)('ldap check on %s against slapd', (host) => {
  const ldap = (): number => slapd.ldapPort;
  const ldaps = (): number => slapd.ldapsPort;

  it('binds anonymously and finds the base entry', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap()), sig));
    expect(r).toMatchObject({ ok: true, detail: `ldap ${hostPort(host, ldap())}: found "dc=example,dc=com"` });
  });

  it('binds with login and passwd, and matches receive against the DN', async () => {
    const more = { request: '/ou=people,dc=example,dc=com', receive: '^ou=people,', login: slapd.adminDn, passwd: slapd.adminPassword };
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap(), more), sig));
    expect(r).toMatchObject({ ok: true, detail: `ldap ${hostPort(host, ldap())}: found "ou=people,dc=example,dc=com"` });
  });

  it('binds anonymously when only the login is set, as ldirectord', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap(), { login: slapd.adminDn }), sig));
    expect(r).toMatchObject({ ok: true });
  });

  it('fails with auth on a wrong password', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap(), { login: slapd.adminDn, passwd: 'wrong' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `ldap ${hostPort(host, ldap())}: bind as "cn=admin,dc=example,dc=com" failed: invalid credentials (49)` });
  });

  it('fails with body-mismatch when the DN does not match receive', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap(), { receive: '^ou=' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'body-mismatch', detail: `ldap ${hostPort(host, ldap())}: receive /^ou=/ does not match the entry's DN "dc=example,dc=com"` });
  });

  it('fails with bad-status when the base does not exist', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldap(), { request: '/ou=nobody,dc=example,dc=com' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `ldap ${hostPort(host, ldap())}: search of base "ou=nobody,dc=example,dc=com" failed: no such object (32)` });
  });

  it('speaks TLS from the first byte for ldaps, verified against the test CA', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldaps(), { service: 'ldaps', tls: { verify: true, caFile: certs.caFile } }), sig));
    expect(r).toMatchObject({ ok: true, detail: `ldaps ${hostPort(host, ldaps())}: found "dc=example,dc=com"` });
  });

  it('fails with tls when ldaps verifies against no CA that knows the certificate', async () => {
    const r = await within(5000, (sig) => ldapCheck(spec(host, ldaps(), { service: 'ldaps', tls: { verify: true } }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'tls', detail: `ldaps ${hostPort(host, ldaps())}: TLS: unable to verify the first certificate` });
  });

  it('fails with refused when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => ldapCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `ldap ${hostPort(host, server.port)}: connect: connection refused` });
  });

  it('times out on a server that accepts and never answers the bind, and the server sees the socket go', async () => {
    const server = await startTcpServer(host, (s) => s.resume());
    servers.push(server);
    const r = await within(300, (sig) => ldapCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `ldap ${hostPort(host, server.port)}: deadline of 300 ms exceeded while binding` });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });
});

describe('ldap check: other servers (scripted)', () => {
  it('fails (not hangs) when the server closes the connection during the bind', async () => {
    const server = await startTcpServer('127.0.0.1', (s) => s.once('data', () => s.end()));
    servers.push(server);
    const r = await within(2000, (sig) => ldapCheck(spec('127.0.0.1', server.port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'reset', detail: `ldap 127.0.0.1:${server.port}: connection closed by the server while binding` });
  });

  it('fails with error on a receive that is not a valid regular expression, without connecting', async () => {
    const server = await startTcpServer('127.0.0.1', () => undefined);
    servers.push(server);
    const r = await within(2000, (sig) => ldapCheck(spec('127.0.0.1', server.port, { receive: 'dc=(' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(server.connections).toHaveLength(0);
  });
});

describe('ldap plan', () => {
  it('runs ldap under checktimeout and gives ldaps the virtual\'s TLS policy', () => {
    const real = realOf('10.0.0.2', 636);
    const v = virtualOf({ service: 'ldaps', checkTimeoutSec: 4, negotiateTimeoutSec: 30, tls: { verify: true, serverName: 'ldap.example.com' }, reals: [real] });
    expect(planRealCheck(v, real, 'director').plan.mode).toMatchObject({
      kind: 'single',
      spec: { kind: 'service', service: 'ldaps', tls: { verify: true, serverName: 'ldap.example.com' } },
      timeoutMs: 4000,
    });
  });
});
