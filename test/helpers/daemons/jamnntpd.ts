/**
 * A private JamNNTPd (Debian's jamnntpd, a standalone NNTP server) with one empty group and all
 * its files in a temp dir. It speaks IPv4 only and binds every IPv4 address (it has no option to
 * bind one); tests talk to it on 127.0.0.1 only. `allowed: false` leaves 127.0.0.1 out of the
 * allow list, so the server greets with 502.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers } from './private-daemon.js';

export interface Jamnntpd {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts jamnntpd on a free port; `stop()` ends it. */
export async function startJamnntpd(options: { allowed: boolean }): Promise<Jamnntpd> {
  const port = await freeLoopbackPort();
  const dir = privateDir('jamnntpd');
  const f = (name: string): string => join(dir, name);
  mkdirSync(f('areas'));
  // <ip> <read groups> <post groups>; TEST-NET-1 admits nobody who can reach a loopback port.
  writeFileSync(f('allow'), `${options.allowed ? '127.0.0.1' : '192.0.2.1'} * *\n`);
  writeFileSync(f('groups'), `test.group A 2:1/1 ${f('areas')}/test\n`);
  writeFileSync(f('users'), '');
  copyFileSync('/etc/jamnntpd.xlat', f('xlat'));
  const daemon = await startPrivateDaemon({
    name: 'jamnntpd',
    command: '/usr/sbin/jamnntpd',
    args: ['-p', String(port), '-m', '20', '-a', f('allow'), '-g', f('groups'), '-u', f('users'), '-x', f('xlat'), '-l', f('log'), '-noecholog'],
    dir,
    ready: () => tcpAnswers('127.0.0.1', port),
  });
  return { port, stop: () => daemon.stop() };
}
