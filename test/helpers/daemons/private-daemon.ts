/**
 * What the daemon helpers (dnsmasq, freeradius, mariadb, postgresql, kamailio) share: a free
 * loopback port, a private temp dir, and a child process that runs in the foreground, is waited
 * for until it answers, and is always stopped, even when the test process exits without cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A daemon started by a test; `stop()` ends it (SIGTERM, then SIGKILL) and removes its dir. */
export interface PrivateDaemon {
  readonly dir: string;
  readonly pid: number;
  /** Everything the daemon wrote to stdout and stderr so far (capped), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** For messages: `dnsmasq`, `mariadbd`, ... */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly dir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user (the test runs as root; postgres refuses root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Resolves true once the daemon serves (given its output so far); polled until `startMs` passes. */
  readonly ready: (output: string) => Promise<boolean>;
  /** Give up starting after this long (ms); default 15 s. */
  readonly startMs?: number;
  /** The signal that stops it at once; default SIGTERM (postgres wants SIGINT, SIGTERM waits for its clients). */
  readonly stopSignal?: NodeJS.Signals;
}

const OUTPUT_CAP = 64 * 1024;
const live = new Set<ChildProcess>();
let exitHook = false;

/** A fresh private dir under the system temp dir. */
export function privateDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ldng-${prefix}-`));
}

/** Starts the daemon and waits until `ready()`; rejects with its output if it exits or never gets ready. */
export async function startPrivateDaemon(options: DaemonOptions): Promise<PrivateDaemon> {
  if (!exitHook) {
    exitHook = true;
    // A worker that dies without afterAll must not leave daemons holding ports behind it.
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const child = spawn(options.command, [...options.args], {
    cwd: options.dir,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  live.add(child);
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString('utf8')).slice(-OUTPUT_CAP);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, sig) => {
      exited = `exited with ${sig ?? code}`;
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exited = `could not start: ${err.message}`;
      live.delete(child);
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill(options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(options.dir, { recursive: true, force: true });
  };
  const until = Date.now() + (options.startMs ?? 15_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`${options.name} ${exited}:\n${output}`);
    }
    if (await options.ready(output).catch(() => false)) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`${options.name} did not get ready in ${options.startMs ?? 15_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { dir: options.dir, pid: child.pid ?? -1, output: () => output, stop };
}

/**
 * A port free for TCP and UDP on both 127.0.0.1 and ::1 at the time of asking. Another process
 * could take it before the daemon binds; the helpers are fine with that rare failure.
 */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await ephemeralTcpPort();
    const held = await Promise.all([holdTcp('127.0.0.1', port), holdTcp('::1', port), holdUdp('udp4', '127.0.0.1', port), holdUdp('udp6', '::1', port)]);
    for (const release of held) release?.();
    if (held.every((release) => release !== undefined)) return port;
  }
  throw new Error('no loopback port free for both TCP and UDP on 127.0.0.1 and ::1');
}

/** True once a TCP connect to host:port succeeds (the daemon listens). */
export function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
    socket.connect({ host, port });
  });
}

function ephemeralTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function holdTcp(host: string, port: number): Promise<(() => void) | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(() => server.close()));
  });
}

function holdUdp(type: 'udp4' | 'udp6', host: string, port: number): Promise<(() => void) | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(type);
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, host, () => resolve(() => socket.close()));
  });
}
