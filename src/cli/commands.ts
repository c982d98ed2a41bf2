/**
 * ldirectord's verbs with its results (reference §5.3): start, stop, restart, try-restart,
 * reload, force-reload, status. The config is parsed first for every verb (exit 2 on errors, as
 * ldirectord), but unlike ldirectord a parse error never touches a live daemon's pid file.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatProblem, formatWarning } from '../config/format.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/model.js';
import { instanceRunner, type InstanceRunner } from '../daemon/execute.js';
import { claimPidFile, defaultPidFile, readPidFile, removePidFile } from '../daemon/pid-file.js';
import { createLogger } from '../observe/logger.js';
import type { Invocation } from './argv.js';
import type { CliIo } from './io.js';
import { writeLine } from './io.js';

type CommandInvocation = Extract<Invocation, { kind: 'command' }>;

/** How long `stop` and `restart` wait for the daemon to finish its cleanstop (ms). */
const STOP_WAIT_MS = 120_000;

export async function runCommand(inv: CommandInvocation, given: string, io: CliIo, argv0: string): Promise<number> {
  // The detached daemon starts in its invoker's directory (so a relative config path means the
  // same file), makes the path absolute for reloads, then leaves for / like any daemon.
  const path = inv.options.detached ? resolve(given) : given;
  if (inv.options.detached) process.chdir('/');
  const loaded = await loadConfig(path);
  if (!loaded.ok) {
    for (const w of loaded.warnings) writeLine(io.stderr, formatWarning(w, path));
    for (const p of loaded.problems) writeLine(io.stderr, formatProblem(p));
    writeLine(io.stderr, `Exiting with exit_status 2: config_error: Configuration Error`);
    return 2;
  }
  const config = loaded.config;
  const pidFile = inv.options.pidFile ?? defaultPidFile(inv.configName);
  const invokedAs = `Invoking ldirectord invoked as: ${argv0} ${inv.args.join(' ')} `;

  if (inv.options.detached) return runDetachedChild(inv, config, pidFile, invokedAs);

  const state = readPidFile(pidFile);
  const cliLog = (line: string): void => logOnce(config, inv, [invokedAs, line]);
  switch (inv.command) {
    case 'status':
      if (state.kind === 'running') {
        writeLine(io.stderr, `ldirectord for ${path} is running with pid: ${state.pid}`);
        for (const name of config.globals.execute) {
          const r = await instances(inv)(name, 'status');
          if (r.output) writeLine(io.stderr, r.output);
        }
        cliLog(`ldirectord for ${path} is running with pid: ${state.pid}`);
        return 0;
      }
      if (state.kind === 'stale') {
        writeLine(io.stderr, `ldirectord stale pid file ${pidFile} for ${path}`);
        cliLog(`ldirectord stale pid file ${pidFile} for ${path}`);
      }
      writeLine(io.stdout, `ldirectord is stopped for ${path}`);
      return state.kind === 'stale' ? 1 : 3;
    case 'reload':
    case 'force-reload':
      if (state.kind !== 'running') {
        cliLog(`ldirectord is stopped for ${path}`);
        writeLine(io.stderr, `ldirectord is stopped for ${path}`);
        return 1;
      }
      process.kill(state.pid, 'SIGHUP');
      return 0;
    case 'stop':
      if (state.kind !== 'running') return 0;
      return (await stopAndWait(state.pid, pidFile, io)) ? 0 : 1;
    case 'try-restart':
    case 'restart':
      if (state.kind === 'running') {
        if (!(await stopAndWait(state.pid, pidFile, io))) return 1;
      } else if (inv.command === 'try-restart') {
        return 0;
      }
      return start(inv, config, invokedAs, io);
    case 'start':
      if (state.kind === 'running') {
        writeLine(io.stderr, `ldirectord for ${path} is already running with pid: ${state.pid}`);
        return 0;
      }
      return start(inv, config, invokedAs, io);
    case 'configtest':
      throw new Error('configtest is handled before runCommand');
  }
}

async function start(inv: CommandInvocation, config: Config, invokedAs: string, io: CliIo): Promise<number> {
  const foreground = inv.options.debug || config.globals.supervised;
  if (foreground) {
    // ldirectord writes no pid file in -d or supervised mode.
    const { runDaemon } = await import('./run-daemon.js');
    return runDaemon({ config, configName: inv.configName, debug: inv.options.debug, ipvs: inv.options.ipvs, syslogSocket: inv.options.syslogSocket, detached: false, invokedAs, instances: instances(inv) });
  }
  // The detached daemon logs the warnings too, but whoever ran `start` should see them.
  for (const w of config.warnings) writeLine(io.stderr, formatWarning(w, config.file));
  return detach(inv, io);
}

/**
 * Starts the daemon as a detached child in its own session and waits until it reports that the
 * table is programmed and checks run (ldirectord's parent returns before that, so its exit
 * status says nothing; ours does). The child's own failure text is printed here.
 */
function detach(inv: CommandInvocation, io: CliIo): Promise<number> {
  const script = process.argv[1] as string;
  const args = [...process.execArgv, script, '--detached', ...passThroughOptions(inv), ...inv.args];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  return new Promise((resolve) => {
    let settled = false;
    const done = (code: number): void => {
      if (settled) return;
      settled = true;
      child.unref();
      child.channel?.unref();
      resolve(code);
    };
    child.on('message', (m: { ready?: boolean; error?: string; code?: number }) => {
      if (m.error !== undefined) writeLine(io.stderr, m.error);
      if (m.ready) {
        child.disconnect();
        done(0);
      } else if (m.code !== undefined) {
        done(m.code);
      }
    });
    child.on('exit', (code) => done(code ?? 1));
    child.on('error', (e) => { writeLine(io.stderr, `could not start the daemon: ${e.message}`); done(1); });
  });
}

/** The detached child: claims the pid file, runs, and reports readiness over IPC. */
async function runDetachedChild(inv: CommandInvocation, config: Config, pidFile: string, invokedAs: string): Promise<number> {
  const report = (m: { ready?: boolean; error?: string; code?: number }): void => {
    if (process.connected) process.send?.(m);
  };
  const claim = claimPidFile(pidFile, process.pid);
  if (!claim.ok) {
    report({ error: `ldirectord for ${config.file} is already running with pid: ${claim.runningPid}`, code: 0 });
    return 0;
  }
  const { runDaemon } = await import('./run-daemon.js');
  try {
    return await runDaemon({
      config, configName: inv.configName, debug: false, ipvs: inv.options.ipvs, syslogSocket: inv.options.syslogSocket,
      detached: true, invokedAs, instances: instances(inv),
      onFailure: (error) => report({ error }),
      onReady: () => {
        report({ ready: true });
        if (process.connected) process.disconnect();
      },
    });
  } finally {
    removePidFile(pidFile);
  }
}

/** Sends TERM and waits for the daemon to finish its cleanstop and remove its pid file. */
async function stopAndWait(pid: number, pidFile: string, io: CliIo): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true;
  }
  const until = Date.now() + STOP_WAIT_MS;
  while (Date.now() < until) {
    if (readPidFile(pidFile).kind !== 'running' && !alive(pid)) return true;
    await sleep(100);
  }
  writeLine(io.stderr, `ldirectord-ng (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000} s`);
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function passThroughOptions(inv: CommandInvocation): string[] {
  const o = inv.options;
  return [
    `--ipvs=${o.ipvs}`,
    ...(o.pidFile !== undefined ? [`--pid-file=${o.pidFile}`] : []),
    ...(o.syslogSocket !== undefined ? [`--syslog-socket=${o.syslogSocket}`] : []),
  ];
}

/** Runs `execute=` instances with the options every instance shares (never our pid file). */
function instances(inv: CommandInvocation): InstanceRunner {
  return instanceRunner(passThroughOptions({ ...inv, options: { ...inv.options, pidFile: undefined } }));
}

/** Logs the CLI's own lines to the configured destination, as ldirectord's short-lived CLI does. */
function logOnce(config: Config, inv: CommandInvocation, lines: readonly string[]): void {
  try {
    const log = createLogger({
      logfile: config.globals.logfile,
      configName: inv.configName,
      pid: process.pid,
      supervised: false,
      debug: false,
      ...(inv.options.syslogSocket !== undefined ? { syslogSocket: inv.options.syslogSocket } : {}),
    });
    for (const line of lines) log.info(line);
    void log.close();
  } catch {
    // A CLI verb never fails because its log line could not be written.
  }
}
