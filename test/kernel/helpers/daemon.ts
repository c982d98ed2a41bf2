/**
 * The real daemon in a kernel scenario: `scripts/ldirectord-ng.js` (CLI, netlink backend) run as the
 * init scripts run it, with its config, log file and pid file in a fresh temporary directory.
 * Two ways to run it:
 * - `start()`: the `start` verb, which detaches a daemon, writes the pid file and logs to
 *   `logfile=`; `stop`/`reload`/`status` go through `cli()`.
 * - `startSupervised()`: a config with `supervised=yes`; the daemon stays in the foreground as
 *   this process's child and logs `[<ctime>] <message>` to stdout (how systemd runs it).
 * Either way `messages()` returns the daemon's log lines without their prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, logMessages, runCli, type CliRun } from '../../helpers/cli.js';

/** A CLI run with its wall time. */
export interface TimedRun extends CliRun {
  readonly ms: number;
}

/** ldirectord's IPVS lines (reference §4.3), and our `Failed: <that line>` for a refused op. */
export const IPVS_LINE = /^(?:Added|Changed|Restored|Quiescent|Readd Quiescent|Deleted|Purged) (?:virtual|real|fallback) server|^Failed: /;

/** How long one CLI verb may take in the guest: it loads the whole daemon through tsx (ms). */
export const CLI_TIMEOUT_MS = 240_000;

/** One real's line of a SIGUSR1 state dump. */
export interface DumpedReal {
  readonly endpoint: string;
  readonly virtual: string;
  readonly state: string;
  readonly checked: boolean;
}

export interface StateDump {
  readonly reals: readonly DumpedReal[];
  readonly checksCompleted: number;
}

export class DaemonUnderTest {
  readonly dir: string;
  readonly configPath: string;
  readonly logPath: string;
  readonly pidPath: string;
  #child: ChildProcess | undefined;
  #stdout = '';
  /** Every daemon pid seen, so cleanup can kill what a failed test left running. */
  readonly #pids = new Set<number>();

  constructor(name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `ldng-kernel-${name}-`));
    this.configPath = join(this.dir, `${name}.cf`);
    this.logPath = join(this.dir, 'ldirectord.log');
    this.pidPath = join(this.dir, `ldirectord.${name}.pid`);
  }

  writeConfig(text: string): void {
    writeFileSync(this.configPath, text);
  }

  /** Runs `ldirectord-ng --pid-file=<ours> [args] <config> <verb>`; never rejects for a non-zero exit. */
  async cli(verb: string, args: readonly string[] = []): Promise<TimedRun> {
    const t0 = performance.now();
    const run = await runCli([`--pid-file=${this.pidPath}`, ...args, this.configPath, verb], { timeoutMs: CLI_TIMEOUT_MS });
    const pid = this.pid();
    if (pid !== undefined) this.#pids.add(pid);
    return { ...run, ms: performance.now() - t0 };
  }

  /** The `start` verb; rejects unless it exits 0 with a live daemon behind the pid file. */
  async start(): Promise<TimedRun> {
    const run = await this.cli('start');
    const pid = this.pid();
    if (run.code !== 0 || pid === undefined || !isAlive(pid)) {
      throw new Error(`start failed (exit ${run.code}): ${run.stderr}\nlog:\n${this.messages().join('\n')}`);
    }
    return run;
  }

  /**
   * Starts the daemon in the foreground (the config must say `supervised=yes`) and resolves once
   * it has logged its start line; the table is programmed shortly after.
   */
  async startSupervised(): Promise<{ pid: number; ms: number }> {
    if (this.#child) throw new Error('a supervised daemon is already running');
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, this.configPath, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#stdout = '';
    child.stdout?.on('data', (d: Buffer) => { this.#stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.#stdout += d.toString(); });
    const pid = child.pid as number;
    this.#pids.add(pid);
    const line = `Starting Linux Director v1.186-ha with pid: ${pid}`;
    while (!this.messages().includes(line)) {
      if (child.exitCode !== null || performance.now() - t0 > CLI_TIMEOUT_MS) {
        throw new Error(`the supervised daemon did not start (exit ${child.exitCode}); output:\n${this.#stdout}`);
      }
      await sleep(50); // pacing between polls
    }
    return { pid, ms: performance.now() - t0 };
  }

  /** Resolves with the supervised daemon's exit code. */
  async supervisedExit(timeoutMs: number): Promise<number | null> {
    const child = this.#child;
    if (!child) throw new Error('no supervised daemon');
    const code = child.exitCode ?? (await withTimeout(new Promise<number | null>((r) => child.once('exit', (c) => r(c))), timeoutMs, 'the supervised daemon to exit'));
    this.#child = undefined;
    return code;
  }

  /** The pid in the pid file, if there is one. */
  pid(): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(this.pidPath, 'utf8'), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The daemon's log lines so far, without the `[ctime|cfg|pid] ` (or `[ctime] `) prefix. */
  messages(): string[] {
    if (this.#child !== undefined || this.#stdout !== '') {
      return this.#stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]*\] /, ''));
    }
    return logMessages(this.logPath);
  }

  /** A position in the log; `since(mark)` returns what came after it. */
  mark(): number {
    return this.messages().length;
  }

  since(mark: number): string[] {
    return this.messages().slice(mark);
  }

  /** IPVS lines after `mark`, in the order they were logged. */
  ipvsLines(mark = 0): string[] {
    return this.since(mark).filter((l) => IPVS_LINE.test(l));
  }

  /** Polls the log until a line after `from` equals `line` (or matches it); returns that line. */
  async waitForLog(line: string | RegExp, timeoutMs: number, from = 0): Promise<string> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const found = this.since(from).find((l) => (typeof line === 'string' ? l === line : line.test(l)));
      if (found !== undefined) return found;
      if (performance.now() > until) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for log line ${String(line)}; log:\n${this.messages().join('\n')}`);
      }
      await sleep(50); // pacing between polls
    }
  }

  /** Sends `signal` to the running daemon (pid file, else the supervised child). */
  signal(signal: NodeJS.Signals): number {
    const pid = this.pid() ?? this.#child?.pid;
    if (pid === undefined) throw new Error(`no daemon to send ${signal} to`);
    process.kill(pid, signal);
    return pid;
  }

  /**
   * SIGUSR1, then the state dump it writes: each real's state and whether it has a check result,
   * and the scheduler's completed-checks counter.
   */
  async stateDump(timeoutMs = 60_000): Promise<StateDump> {
    const from = this.mark();
    this.signal('SIGUSR1');
    const counters = await this.waitForLog(/^State dump: checks started/, timeoutMs, from);
    const lines = this.since(from);
    const reals: DumpedReal[] = [];
    for (const l of lines) {
      const m = /^State dump: real (\S+) \((\S+)\) (\S+) since .*, last check (.*)$/.exec(l);
      if (m) reals.push({ endpoint: m[1] as string, virtual: m[2] as string, state: m[3] as string, checked: m[4] !== 'no result yet' });
    }
    const completed = /completed (\d+)/.exec(counters);
    return { reals, checksCompleted: Number(completed?.[1] ?? 0) };
  }

  /**
   * Waits until every real has a check result and is up or down, then until `rounds` more full
   * rounds of checks have completed, so any reconcile pass those results caused has run.
   */
  async waitForSettledChecks(timeoutMs: number, rounds = 2): Promise<StateDump> {
    const until = performance.now() + timeoutMs;
    let dump = await this.stateDump();
    while (dump.reals.length === 0 || dump.reals.some((r) => !r.checked || r.state === 'unknown')) {
      if (performance.now() > until) throw new Error(`checks did not settle: ${JSON.stringify(dump.reals)}`);
      await sleep(200);
      dump = await this.stateDump();
    }
    const target = dump.checksCompleted + rounds * dump.reals.length;
    while (dump.checksCompleted < target) {
      if (performance.now() > until) throw new Error(`checks stopped completing: ${dump.checksCompleted} < ${target}`);
      await sleep(200);
      dump = await this.stateDump();
    }
    return dump;
  }

  /** For `afterEach`: a failed step prints the daemon's whole log, which says what it did and why. */
  printLogIfFailed(task: { readonly result?: { readonly state?: string } }): void {
    if (task.result?.state !== 'fail') return;
    report(`daemon log (${this.messages().length} lines):\n${this.messages().map((l) => `  | ${l}`).join('\n')}`);
  }

  /** Resolves once `pid` has exited (a zombie counts as exited). */
  async waitExit(pid: number, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (isAlive(pid)) {
      if (performance.now() > until) throw new Error(`pid ${pid} still running after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** SIGKILL to whatever daemon this test started and is still running; removes the directory. */
  async dispose(): Promise<void> {
    const child = this.#child;
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of this.#pids) {
      if (!isAlive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone in the meantime.
      }
      await this.waitExit(pid, 10_000);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped) is not running. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

/** Prints a figure the suite's output should carry (latencies, start times). */
export function report(text: string): void {
  process.stdout.write(`[kernel scenario] ${text}\n`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
