import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Polls `probe` every 20 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lines of a file, or [] while it does not exist. */
export function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

/** One line of the `dbg` template, split into its fields. */
export interface SyslogRecord {
  fac: string;
  sev: string;
  tag: string;
  app: string;
  pid: string;
  msg: string;
}

const RECORD = /^fac=(\S+) sev=(\S+) tag=(\S+) app=(\S+) pid=(\S+) msg=(.*)$/;

export function parseRecord(line: string): SyslogRecord {
  const m = RECORD.exec(line);
  if (!m) throw new Error(`not a dbg template line: ${line}`);
  const [, fac, sev, tag, app, pid, msg] = m as unknown as [string, string, string, string, string, string, string];
  // rsyslog keeps the space that follows the tag's colon as the first character of msg.
  return { fac, sev, tag, app, pid, msg: msg.startsWith(' ') ? msg.slice(1) : msg };
}

/**
 * A private rsyslogd (the real one from Debian's package) on a unix socket in `dir`, configured
 * as reference stack.md §5 describes: no /dev/log, no systemd. Everything received is written to
 * `all.log` with the `dbg` template; the operator snippet `etc/rsyslog-ldirectord.conf` is
 * included after that, with its file redirected into `dir`, and whatever it does not stop lands
 * in `rest.log`.
 */
export class RsyslogInstance {
  readonly socket: string;
  readonly allLog: string;
  readonly ldirectordLog: string;
  readonly restLog: string;
  private readonly conf: string;
  private readonly pidFile: string;
  private running: { child: ChildProcess; exited: Promise<void> } | undefined;

  constructor(readonly dir: string, snippetPath: string) {
    this.socket = join(dir, 'log.sock');
    this.allLog = join(dir, 'all.log');
    this.ldirectordLog = join(dir, 'ldirectord.log');
    this.restLog = join(dir, 'rest.log');
    this.conf = join(dir, 'rsyslog.conf');
    this.pidFile = join(dir, 'rsyslog.pid');
    const snippet = join(dir, 'snippet.conf');
    writeFileSync(snippet, readFileSync(snippetPath, 'utf8').replaceAll('/var/log/ldirectord.log', this.ldirectordLog));
    writeFileSync(
      this.conf,
      [
        `global(workDirectory="${dir}")`,
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imuxsock" Socket="${this.socket}" CreatePath="on" RateLimit.Interval="0")`,
        'template(name="dbg" type="string" string="fac=%syslogfacility-text% sev=%syslogseverity-text% ' +
          'tag=%syslogtag% app=%app-name% pid=%procid% msg=%msg%\\n")',
        `*.* action(type="omfile" file="${this.allLog}" template="dbg")`,
        `include(file="${snippet}")`,
        `*.* action(type="omfile" file="${this.restLog}" template="dbg")`,
        '',
      ].join('\n'),
    );
  }

  /** Validates the configuration (rsyslogd -N1); throws with rsyslogd's output if it is bad. */
  async validate(): Promise<void> {
    await run('rsyslogd', ['-N1', '-f', this.conf]);
  }

  /**
   * Starts rsyslogd in the foreground (`-n`) as our child, so that it is ready in milliseconds
   * and reaped as soon as it exits (a daemonised rsyslogd lingers as a zombie until init reaps
   * it), and waits until its socket exists. It still writes its pid file.
   */
  async start(): Promise<void> {
    const child = spawn('rsyslogd', ['-n', '-f', this.conf, '-i', this.pidFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.running = { child, exited };
    await waitFor('rsyslogd socket', () => {
      if (child.exitCode !== null) throw new Error(`rsyslogd exited ${child.exitCode}: ${stderr}`);
      return existsSync(this.socket) && existsSync(this.pidFile) ? true : undefined;
    });
  }

  /**
   * Stops rsyslogd by the pid in its pid file and waits until it has exited. SIGTERM is an
   * orderly stop (rsyslogd removes its socket, so senders see ENOENT); SIGKILL is a crash that
   * leaves the socket file behind, so senders see ECONNREFUSED.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    const pid = existsSync(this.pidFile) ? Number(readFileSync(this.pidFile, 'utf8').trim()) : running.child.pid;
    if (running.child.exitCode === null && pid !== undefined) process.kill(pid, signal);
    if (signal === 'SIGKILL') rmSync(this.pidFile, { force: true });
    await running.exited;
  }

  /** Parsed records in all.log whose tag starts with `tagPrefix`. */
  records(tagPrefix: string): SyslogRecord[] {
    return linesOf(this.allLog)
      .map(parseRecord)
      .filter((r) => r.tag.startsWith(tagPrefix));
  }

  /** Waits until at least `n` records with the tag prefix have arrived, and returns them all. */
  async waitForRecords(tagPrefix: string, n: number, ms = 5_000): Promise<SyslogRecord[]> {
    return waitFor(`${n} syslog records tagged ${tagPrefix}`, () => {
      const got = this.records(tagPrefix);
      return got.length >= n ? got : undefined;
    }, ms);
  }
}
