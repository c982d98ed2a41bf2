/**
 * A private PostgreSQL on 127.0.0.1 and ::1: initdb into a fresh dir (as the `postgres` user,
 * since PostgreSQL refuses to run as root), password logins over TCP (scram-sha-256), the
 * server in the foreground, and the test's setup SQL run as the superuser over its Unix socket.
 */
import { execFile } from 'node:child_process';
import { chownSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers, type PrivateDaemon } from './private-daemon.js';

export interface PostgreSql {
  readonly port: number;
  stop(): Promise<void>;
}

/** The newest installed server's bin dir (Debian keeps one per major version). */
function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').map(Number).filter((v) => v > 0).sort((a, b) => b - a);
  if (versions[0] === undefined) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export interface PostgreSqlOptions {
  /** Statements run as the superuser once it is up, each in the database it names. */
  readonly setup: readonly { database: string; sql: string }[];
  /** Serve TLS with this key and certificate (ssl=on). */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** pg_hba.conf lines put before initdb's, e.g. `hostnossl all alice 127.0.0.1/32 reject`. */
  readonly hba?: readonly string[];
}

/** Starts postgres on a free port and runs the setup statements. */
export async function startPostgreSql(options: PostgreSqlOptions): Promise<PostgreSql> {
  const port = await freeLoopbackPort();
  const dir = privateDir('postgresql');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await idsOf('postgres') : { uid: userInfo().uid, gid: userInfo().gid };
  if (asRoot) chownSync(dir, owner.uid, owner.gid);
  const bin = binDir();
  try {
    await promisify(execFile)(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C'], {
      uid: owner.uid,
      gid: owner.gid,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const hbaFile = join(data, 'pg_hba.conf');
  writeFileSync(hbaFile, [...(options.hba ?? []), readFileSync(hbaFile, 'utf8')].join('\n'));
  const tlsArgs: string[] = [];
  if (options.tls !== undefined) {
    // postgres refuses a key file that others can read, or that another user owns.
    for (const [name, pem] of [['server.key', options.tls.key], ['server.crt', options.tls.cert]] as const) {
      writeFileSync(join(dir, name), pem, { mode: 0o600 });
      if (asRoot) chownSync(join(dir, name), owner.uid, owner.gid);
    }
    tlsArgs.push('-c', 'ssl=on', '-c', `ssl_key_file=${join(dir, 'server.key')}`, '-c', `ssl_cert_file=${join(dir, 'server.crt')}`);
  }
  const daemon: PrivateDaemon = await startPrivateDaemon({
    name: 'postgres',
    command: `${bin}/postgres`,
    args: ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1,::1', '-c', 'fsync=off', '-c', 'shared_buffers=8MB', ...tlsArgs],
    dir,
    uid: owner.uid,
    gid: owner.gid,
    stopSignal: 'SIGINT',
    ready: async (output) => output.includes('ready to accept connections') && (await tcpAnswers('127.0.0.1', port)) && (await tcpAnswers('::1', port)),
  });
  try {
    for (const step of options.setup) {
      const client = new pg.Client({ host: dir, port, user: 'postgres', database: step.database });
      await client.connect();
      try {
        await client.query(step.sql);
      } finally {
        await client.end();
      }
    }
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return { port, stop: () => daemon.stop() };
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
