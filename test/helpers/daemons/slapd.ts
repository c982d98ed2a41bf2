/**
 * A private OpenLDAP slapd with an mdb database in a temp dir, answering ldap:// and ldaps:// on
 * 127.0.0.1 and ::1. The directory holds `dc=example,dc=com` and `ou=people` under it; the
 * rootdn binds with a password, anonymous binds may read.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testCerts } from '../servers.js';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers } from './private-daemon.js';

export interface Slapd {
  readonly ldapPort: number;
  readonly ldapsPort: number;
  readonly suffix: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  stop(): Promise<void>;
}

const SUFFIX = 'dc=example,dc=com';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = 'ldap-admin-secret';

/** Loads the base entries and starts slapd on two free ports; `stop()` ends it. */
export async function startSlapd(): Promise<Slapd> {
  const ldapPort = await freeLoopbackPort();
  const ldapsPort = await freeLoopbackPort();
  const dir = privateDir('slapd');
  const f = (name: string): string => join(dir, name);
  mkdirSync(f('db'));
  const certs = await testCerts();
  copyFileSync(join(certs.dir, 'server.pem'), f('server.pem'));
  copyFileSync(join(certs.dir, 'server.key'), f('server.key'));
  writeFileSync(f('slapd.conf'), [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    `pidfile ${f('slapd.pid')}`,
    `TLSCertificateFile ${f('server.pem')}`,
    `TLSCertificateKeyFile ${f('server.key')}`,
    'database mdb',
    'maxsize 10485760',
    `suffix "${SUFFIX}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${f('db')}`,
    '',
  ].join('\n'));
  writeFileSync(f('base.ldif'), [
    `dn: ${SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'o: Example', 'dc: example', '',
    `dn: ou=people,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: people', '',
  ].join('\n'));
  await promisify(execFile)('/usr/sbin/slapadd', ['-f', f('slapd.conf'), '-l', f('base.ldif')]);
  const urls = [`ldap://127.0.0.1:${ldapPort}/`, `ldap://[::1]:${ldapPort}/`, `ldaps://127.0.0.1:${ldapsPort}/`, `ldaps://[::1]:${ldapsPort}/`];
  const daemon = await startPrivateDaemon({
    name: 'slapd',
    // -d 0 keeps slapd in the foreground without debug output.
    command: '/usr/sbin/slapd',
    args: ['-d', '0', '-f', f('slapd.conf'), '-h', urls.join(' ')],
    dir,
    ready: async () => (await Promise.all([ldapPort, ldapsPort].flatMap((p) => [tcpAnswers('127.0.0.1', p), tcpAnswers('::1', p)]))).every(Boolean),
  });
  return { ldapPort, ldapsPort, suffix: SUFFIX, adminDn: ADMIN_DN, adminPassword: ADMIN_PASSWORD, stop: () => daemon.stop() };
}
