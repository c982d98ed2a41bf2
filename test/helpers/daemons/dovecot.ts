/**
 * A private Dovecot (IMAP, IMAPS, POP3, POP3S on 127.0.0.1 and ::1) with its whole state in a
 * temp dir: users from a passwd-file, mail as nobody, the test CA's certificate, and no delay or
 * penalty after a refused login.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testCerts } from '../servers.js';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers } from './private-daemon.js';

export interface Dovecot {
  readonly ports: { readonly imap: number; readonly imaps: number; readonly pop3: number; readonly pop3s: number };
  /** The one mailbox user and its password. */
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** The account the config knows. */
const USER = 'joe';
// Quotes, a backslash and spaces, which IMAP must quote and escape and POP3 sends as is.
const PASSWORD = 'pop "and" \\imap secret';
const NOBODY = 65534;

/** Starts Dovecot on four free ports; `stop()` ends it. */
export async function startDovecot(): Promise<Dovecot> {
  const ports = { imap: await freeLoopbackPort(), imaps: await freeLoopbackPort(), pop3: await freeLoopbackPort(), pop3s: await freeLoopbackPort() };
  const dir = privateDir('dovecot');
  const f = (name: string): string => join(dir, name);
  // Dovecot's unprivileged processes must reach their sockets and the mail dir.
  chmodSync(dir, 0o755);
  mkdirSync(f('mail'));
  chownSync(f('mail'), NOBODY, NOBODY);
  const certs = await testCerts();
  copyFileSync(join(certs.dir, 'server.pem'), f('server.pem'));
  copyFileSync(join(certs.dir, 'server.key'), f('server.key'));
  writeFileSync(f('passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
  const listener = (name: string, port: number, ssl: boolean): string =>
    `  inet_listener ${name} {\n    port = ${port}\n${ssl ? '    ssl = yes\n' : ''}  }\n`;
  writeFileSync(f('dovecot.conf'), [
    'protocols = imap pop3',
    'listen = 127.0.0.1, ::1',
    `base_dir = ${f('run')}`,
    `state_dir = ${f('state')}`,
    'log_path = /dev/stderr',
    'ssl = yes',
    `ssl_cert = <${f('server.pem')}`,
    `ssl_key = <${f('server.key')}`,
    'disable_plaintext_auth = no',
    // A refused login answers at once, not after Dovecot's usual two seconds.
    'auth_failure_delay = 0',
    // Nor does an earlier refused login slow down the next ones from the same address.
    'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}',
    `mail_location = maildir:${f('mail')}/%u`,
    `passdb {\n  driver = passwd-file\n  args = ${f('passwd')}\n}`,
    `userdb {\n  driver = static\n  args = uid=${NOBODY} gid=${NOBODY} home=${f('mail')}/%u\n}`,
    `service imap-login {\n${listener('imap', ports.imap, false)}${listener('imaps', ports.imaps, true)}}`,
    `service pop3-login {\n${listener('pop3', ports.pop3, false)}${listener('pop3s', ports.pop3s, true)}}`,
    '',
  ].join('\n'));
  const all = Object.values(ports);
  const daemon = await startPrivateDaemon({
    name: 'dovecot',
    command: '/usr/sbin/dovecot',
    args: ['-F', '-c', f('dovecot.conf')],
    dir,
    ready: async () => (await Promise.all(all.flatMap((p) => [tcpAnswers('127.0.0.1', p), tcpAnswers('::1', p)]))).every(Boolean),
  });
  return { ports, user: USER, password: PASSWORD, stop: () => daemon.stop() };
}
