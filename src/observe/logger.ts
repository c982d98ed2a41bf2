import type { Writable } from 'node:stream';
import winston from 'winston';
import type TransportStream from 'winston-transport';
import { formatCtime } from './ctime.js';
import { FileTransport } from './file-transport.js';
import { chooseDestination, type LogDestination } from './log-destination.js';
import type { Log, LogLevel } from './log.js';
import { SafeWriter } from './safe-writer.js';
import { StreamTransport, type RenderLine } from './stream-transport.js';
import { SyslogTransport } from './syslog-transport.js';

export interface LoggerOptions {
  /** `logfile=`: a path starting with `/`, or a syslog facility name (`local0`, `daemon`, ...). */
  readonly logfile: string;
  /** Basename of the config file, or `ldirectord` when none was given; stamped in file lines. */
  readonly configName: string;
  /** Stamped in file lines and syslog tags; the daemon passes process.pid. */
  readonly pid: number;
  /** `supervised=yes`: `[<ctime>] <message>` on stdout. */
  readonly supervised: boolean;
  /** `-d`: every line once on stdout, debug lines too, as `DEBUG: <message>`. */
  readonly debug: boolean;
  /** Lowest level written. Default: `debug` with `-d`, else `info` (ldirectord's debug lines are -d only). */
  readonly level?: LogLevel;
  /** The syslog socket. Default `/dev/log`. */
  readonly syslogSocket?: string;
  /** Program name in syslog tags. Default `ldirectord`, so existing rsyslog rules keep matching. */
  readonly syslogTag?: string;
  /** Most lines held while syslog is unreachable. Default 10,000. */
  readonly syslogQueueLimit?: number;
  /** Milliseconds between delivery attempts while syslog is unreachable. Default 1,000. */
  readonly syslogRetryMs?: number;
  /** Default process.stdout. */
  readonly stdout?: Writable;
  /** Where a failing destination falls back to and reports itself. Default process.stderr. */
  readonly stderr?: Writable;
  /** Wall clock for timestamps. Default `() => new Date()`. */
  readonly clock?: () => Date;
}

/** A {@link Log} that owns resources: close it on shutdown. */
export interface ClosableLog extends Log {
  readonly destination: LogDestination;
  /** Lines waiting for an unreachable syslog (0 for the other destinations). */
  pending(): number;
  /** Delivers what it can and releases the destination; later calls to the log are ignored. */
  close(): Promise<void>;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { error: 0, warning: 1, info: 2, debug: 3 };

/**
 * The daemon's logger: winston in front, one transport chosen as ldirectord chooses it
 * (reference §4.1). Every destination is synchronous up to the kernel, so a line is written (or
 * held for syslog) before the call returns, and none of them ever throws or emits an unhandled
 * error: logging trouble is reported on stderr and monitoring goes on.
 *
 * Throws {@link LogFacilityError} for a `logfile` that is neither a path nor a facility.
 */
export function createLogger(opts: LoggerOptions): ClosableLog {
  const destination = chooseDestination(opts);
  const clock = opts.clock ?? (() => new Date());
  const stdout = new SafeWriter(opts.stdout ?? process.stdout);
  const stderr = new SafeWriter(opts.stderr ?? process.stderr);
  const transport = buildTransport(destination, opts, clock, stdout, stderr);
  const level = opts.level ?? (opts.debug ? 'debug' : 'info');

  const logger = winston.createLogger({
    levels: winston.config.syslog.levels,
    level,
    format: winston.format((info) => info)(),
    transports: [transport],
  });
  // winston re-emits transport errors on the logger; with no listener that is a crash.
  logger.on('error', (err: unknown) => stderr.writeLine(`ldirectord-ng: logging failed: ${String(err)}`));

  let closed = false;
  const write = (lvl: LogLevel, message: string): void => {
    if (closed || LEVEL_RANK[lvl] > LEVEL_RANK[level]) return;
    try {
      // ldirectord chomps each message once; a text with embedded newlines stays one entry.
      logger.log(lvl, message.endsWith('\n') ? message.slice(0, -1) : message);
    } catch (err) {
      stderr.writeLine(`ldirectord-ng: logging failed: ${String(err)}`);
    }
  };

  return {
    destination,
    error: (m) => write('error', m),
    warning: (m) => write('warning', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    pending: () => (transport instanceof SyslogTransport ? transport.pending : 0),
    async close() {
      if (closed) return;
      closed = true;
      // Unpiping calls the transport's close(): the last syslog attempt happens here.
      logger.close();
      stdout.detach();
      stderr.detach();
    },
  };
}

function buildTransport(
  destination: LogDestination,
  opts: LoggerOptions,
  clock: () => Date,
  stdout: SafeWriter,
  stderr: SafeWriter,
): TransportStream {
  const plain: RenderLine = (lvl, m) => (lvl === 'debug' ? `DEBUG: ${m}` : m);
  switch (destination.kind) {
    case 'debug':
      return new StreamTransport(stdout, plain);
    case 'supervised':
      return new StreamTransport(stdout, (lvl, m) => `[${formatCtime(clock())}] ${plain(lvl, m)}`);
    case 'file':
      return new FileTransport(
        destination.path,
        (lvl, m) => `[${formatCtime(clock())}|${opts.configName}|${opts.pid}] ${plain(lvl, m)}`,
        stderr,
      );
    case 'syslog':
      return new SyslogTransport({
        socketPath: opts.syslogSocket ?? '/dev/log',
        facility: destination.code,
        tag: opts.syslogTag ?? 'ldirectord',
        pid: opts.pid,
        clock,
        stderr,
        queueLimit: opts.syslogQueueLimit ?? 10_000,
        retryMs: opts.syslogRetryMs ?? 1_000,
      });
  }
}
