/**
 * The daemon process: builds the real implementations (logger, IPVS backend, checkers, shell),
 * runs the Daemon, and turns the outside world into calls on it: SIGHUP and autoreload reload,
 * TERM/INT and friends stop (honouring cleanstop), USR1 writes the state to the log. The only
 * place with process-wide effects besides the CLI commands.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Config } from '../config/model.js';
import { formatProblemLdirectord, formatWarning } from '../config/format.js';
import { loadConfigText } from '../config/load.js';
import { runCheck } from '../checks/registry.js';
import { Daemon } from '../daemon/daemon.js';
import { ConfigWatch, sha256 } from '../daemon/config-watch.js';
import { reconcileInstances, type InstanceRunner } from '../daemon/execute.js';
import { shellRunner } from '../daemon/shell.js';
import { statusLines } from '../daemon/status-lines.js';
import { SwitchableLog } from '../daemon/switchable-log.js';
import { MemoryIpvsBackend } from '../ipvs/memory-backend.js';
import type { IpvsBackend } from '../ipvs/types.js';
import { createLogger, type ClosableLog } from '../observe/logger.js';
import { systemClock } from '../util/clock.js';
import { LDIRECTORD_VERSION_STR } from '../version.js';
import type { IpvsChoice } from './argv.js';

export interface RunDaemonOptions {
  readonly config: Config;
  /** ldirectord's CFGNAME, stamped in log-file lines. */
  readonly configName: string;
  readonly debug: boolean;
  readonly ipvs: IpvsChoice;
  readonly syslogSocket?: string;
  /** True in the detached child: logs "as daemon" rather than "with pid". */
  readonly detached: boolean;
  /** Told the one-line reason when the daemon cannot start (the detached child reports it). */
  readonly onFailure?: (message: string) => void;
  /** Called once the table is programmed and checks run (the detached child reports readiness). */
  readonly onReady?: () => void;
  /** The "Invoking ldirectord invoked as" line, logged once the logger exists. */
  readonly invokedAs: string;
  /** Runs `execute=` instances; started after ours, reconciled on reload, stopped before we exit. */
  readonly instances: InstanceRunner;
}

/** Terminating signals, as ldirectord handles them (PIPE is ignored). */
const STOP_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGILL', 'SIGABRT', 'SIGFPE', 'SIGTERM', 'SIGBUS', 'SIGSYS', 'SIGXCPU', 'SIGXFSZ'] as const;

/** Runs until a stop signal; resolves with the exit status. */
export async function runDaemon(o: RunDaemonOptions): Promise<number> {
  const clock = systemClock;
  let config = o.config;
  const makeLogger = (c: Config): ClosableLog =>
    createLogger({
      logfile: c.globals.logfile,
      configName: o.configName,
      pid: process.pid,
      supervised: c.globals.supervised,
      debug: o.debug,
      ...(o.syslogSocket !== undefined ? { syslogSocket: o.syslogSocket } : {}),
    });
  let logger = makeLogger(config);
  const log = new SwitchableLog(logger);
  log.info(o.invokedAs);
  log.info(o.detached ? `Starting ${LDIRECTORD_VERSION_STR} as daemon` : `Starting ${LDIRECTORD_VERSION_STR} with pid: ${process.pid}`);
  for (const w of config.warnings) log.warning(formatWarning(w, config.file));

  let backend: IpvsBackend;
  try {
    backend = await openBackend(o.ipvs);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.error(message);
    log.info('Exiting with exit_status 1: Initialisation Error');
    o.onFailure?.(message);
    await logger.close();
    return 1;
  }

  const shell = shellRunner();
  const daemon = new Daemon(config, {
    backend,
    clock,
    log,
    runCheck,
    shell,
    hostname: hostname(),
    pid: process.pid,
  });
  try {
    await daemon.start();
  } catch (e) {
    const message = `Could not read the IPVS table: ${e instanceof Error ? e.message : String(e)}`;
    log.error(message);
    o.onFailure?.(message);
    await backend.close();
    await logger.close();
    return 1;
  }

  // Reloads are serialised: one at a time, in arrival order.
  let reloading: Promise<void> = Promise.resolve();
  const reload = (why: 'signal' | 'watch', content?: Buffer): void => {
    reloading = reloading.then(() => reloadFrom(why, content)).catch((e: unknown) => {
      log.error(`Reload failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  };
  const reloadFrom = async (why: 'signal' | 'watch', given?: Buffer): Promise<void> => {
    if (why === 'signal') log.info('Reloading Linux Director Daemon config on signal');
    let content = given;
    if (content === undefined) {
      try {
        content = await readFile(config.file);
      } catch (e) {
        log.error(`can not open file ${config.file} for checking: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
    const hash = sha256(content);
    watch?.accept(hash);
    if (hash === config.hash) {
      log.debug('Configuration unchanged; nothing to reload');
      return;
    }
    if (config.globals.callback !== undefined) {
      void shell(`${config.globals.callback} ${config.file}`);
    }
    if (why === 'watch') {
      log.info(`Configuration file '${config.file}' has changed on disk`);
      if (!config.globals.autoreload) {
        log.info(' - ignore new configuration');
        return;
      }
      log.info(' - reread new configuration');
    }
    const result = await loadConfigText(content, config.file);
    if (!result.ok) {
      for (const p of result.problems) log.error(formatProblemLdirectord(p, process.pid));
      log.error(`Configuration not reloaded: ${result.problems.length} error(s); the previous configuration keeps running`);
      return;
    }
    const next = result.config;
    for (const w of next.warnings) log.warning(formatWarning(w, next.file));
    if (next.globals.logfile !== config.globals.logfile || next.globals.supervised !== config.globals.supervised) {
      const old = log.switchTo((logger = makeLogger(next)));
      void (old as ClosableLog).close();
    }
    const before = config.globals.execute;
    config = next;
    await daemon.reload(next);
    await reconcileInstances(before, next.globals.execute, o.instances);
    if (watch === undefined && next.globals.autoreload) watch = startWatch();
  };

  const startWatch = (): ConfigWatch =>
    new ConfigWatch({
      path: config.file,
      initialHash: config.hash,
      clock,
      onChange: (content) => reload('watch', content),
      onError: (e) => log.debug(`Configuration file watch: ${e instanceof Error ? e.message : String(e)}`),
    });
  // ldirectord checks the file every pass whatever autoreload says: a change then runs the
  // callback and logs "ignore new configuration" when autoreload=no.
  let watch: ConfigWatch | undefined = startWatch();
  await watch.ready();

  const onHup = (): void => reload('signal');
  const onUsr1 = (): void => {
    for (const line of statusLines(daemon.status(), clock.wallNow())) log.info(line);
  };
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  process.on('SIGPIPE', () => undefined);

  o.onReady?.();
  await reconcileInstances([], config.globals.execute, o.instances);

  const signal = await new Promise<string>((resolve) => {
    for (const s of STOP_SIGNALS) process.once(s, () => resolve(s.slice(3)));
  });
  process.off('SIGHUP', onHup);
  process.off('SIGUSR1', onUsr1);
  // A second terminating signal while cleaning up exits at once, as ldirectord does.
  for (const s of STOP_SIGNALS) process.once(s, () => process.exit(1));
  await watch?.close();
  await reloading;
  await daemon.stop();
  await reconcileInstances(config.globals.execute, [], o.instances);
  log.info(`Linux Director Daemon terminated on signal: ${signal}`);
  await backend.close();
  await logger.close();
  return 0;
}

async function openBackend(choice: IpvsChoice): Promise<IpvsBackend> {
  if (choice === 'memory') return new MemoryIpvsBackend();
  const { NetlinkIpvsBackend } = await import('../ipvs/netlink/netlink-backend.js');
  return NetlinkIpvsBackend.open();
}
