/**
 * A private vsftpd on one loopback address, anonymous only, serving `files` from a temp dir
 * (read-only, passive mode). Any other login gets vsftpd's own 530.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoopbackHost } from '../servers.js';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers } from './private-daemon.js';

export interface Vsftpd {
  readonly host: LoopbackHost;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts vsftpd on `host` and a free port, with `files` (path under / -> content); `stop()` ends it. */
export async function startVsftpd(host: LoopbackHost, files: Readonly<Record<string, string | Buffer>>): Promise<Vsftpd> {
  const port = await freeLoopbackPort();
  const dir = privateDir('vsftpd');
  const f = (name: string): string => join(dir, name);
  // The anonymous session runs as the ftp user, which must read the files but may not write the root.
  chmodSync(dir, 0o755);
  for (const sub of ['anon', 'empty']) mkdirSync(f(sub), { mode: 0o755 });
  for (const [path, content] of Object.entries(files)) {
    const file = join(f('anon'), path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, content, { mode: 0o644 });
  }
  writeFileSync(f('vsftpd.conf'), [
    ...(host === '::1' ? ['listen=NO', 'listen_ipv6=YES', 'listen_address6=::1'] : ['listen=YES', 'listen_ipv6=NO', 'listen_address=127.0.0.1']),
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=YES',
    'local_enable=NO',
    'write_enable=NO',
    `anon_root=${f('anon')}`,
    'no_anon_password=YES',
    `secure_chroot_dir=${f('empty')}`,
    'pasv_enable=YES',
    'seccomp_sandbox=NO',
    'xferlog_enable=NO',
    'syslog_enable=NO',
    `vsftpd_log_file=${f('vsftpd.log')}`,
    'ftpd_banner=ldirectord-ng test FTP',
    '',
  ].join('\n'));
  const daemon = await startPrivateDaemon({
    name: 'vsftpd',
    command: '/usr/sbin/vsftpd',
    args: [f('vsftpd.conf')],
    dir,
    ready: () => tcpAnswers(host, port),
  });
  return { host, port, stop: () => daemon.stop() };
}
