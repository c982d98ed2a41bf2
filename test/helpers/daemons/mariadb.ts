/**
 * A private MariaDB on 127.0.0.1 and ::1: a fresh data dir made by mariadb-install-db, then
 * mariadbd in the foreground with an init file that creates the test's users, databases and
 * tables before it accepts connections.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers, type PrivateDaemon } from './private-daemon.js';

export interface MariaDb {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts mariadbd on a free port, having run `initSql` (CREATE USER, CREATE TABLE, ...) as root. */
export async function startMariaDb(initSql: string): Promise<MariaDb> {
  const port = await freeLoopbackPort();
  const dir = privateDir('mariadb');
  const data = join(dir, 'data');
  try {
    await promisify(execFile)('/usr/bin/mariadb-install-db', [
      '--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  writeFileSync(join(dir, 'init.sql'), initSql);
  const daemon: PrivateDaemon = await startPrivateDaemon({
    name: 'mariadbd',
    command: '/usr/sbin/mariadbd',
    args: [
      '--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--port=${port}`, '--bind-address=127.0.0.1,::1', '--user=root', '--skip-name-resolve', '--skip-log-bin',
      `--init-file=${join(dir, 'init.sql')}`, '--innodb-buffer-pool-size=8M',
    ],
    dir,
    ready: async (output) => output.includes('ready for connections') && (await tcpAnswers('127.0.0.1', port)) && (await tcpAnswers('::1', port)),
  });
  return { port, stop: () => daemon.stop() };
}
