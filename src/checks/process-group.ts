/**
 * Runs a command (no shell) as the leader of its own process group, so that at the deadline the
 * whole group can be signalled: SIGTERM first (ldirectord's courtesy), SIGKILL after a short grace.
 * When the leader exits, whatever it left behind in its group is killed too, so no check leaves a
 * process running. A descendant that escaped the group (setsid) is beyond reach; its open pipe
 * only delays the result by CLOSE_WAIT_MS.
 *
 * spawn rather than execFile: the outcome must follow the leader's exit and the group kill, not
 * wait for every holder of the output pipes, and output is capped here rather than killed for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export type ProcessOutcome =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'deadline'; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'spawn-failed'; readonly error: Error };

export interface ProcessGroupOptions {
  /** Bytes kept of each of stdout and stderr; the rest is read and dropped. Default 4096. */
  readonly captureBytes?: number;
  /** Milliseconds between SIGTERM and SIGKILL at the deadline. Default 200. */
  readonly graceMs?: number;
}

/** After the group is killed, how long to wait for the pipes to close before giving up on them (ms). */
const CLOSE_WAIT_MS = 100;

/** Runs `command args` in a new process group; resolves (never rejects) once it is over. */
export function runProcessGroup(command: string, args: readonly string[], signal: AbortSignal, options: ProcessGroupOptions = {}): Promise<ProcessOutcome> {
  const captureBytes = options.captureBytes ?? 4096;
  const graceMs = options.graceMs ?? 200;
  return new Promise<ProcessOutcome>((resolve) => {
    if (signal.aborted) {
      resolve({ kind: 'deadline', stdout: '', stderr: '' });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(command, args, { detached: true, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ kind: 'spawn-failed', error: err as Error });
      return;
    }
    const stdout = capture(child.stdout, captureBytes);
    const stderr = capture(child.stderr, captureBytes);
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      signal.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(exit === undefined
        ? { kind: 'deadline', stdout: stdout(), stderr: stderr() }
        : { kind: 'exited', code: exit.code, signal: exit.signal, stdout: stdout(), stderr: stderr() });
    };
    const onAbort = (): void => {
      if (exit !== undefined) return; // already over; only the pipes are still draining
      killGroup(child, 'SIGTERM');
      timers.push(setTimeout(() => {
        killGroup(child, 'SIGKILL');
        timers.push(setTimeout(finish, CLOSE_WAIT_MS));
      }, graceMs));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      if (child.pid !== undefined || settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve({ kind: 'spawn-failed', error });
    });
    child.once('exit', (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      // A leader killed by our deadline is reported as the deadline, not as its signal.
      if (!signal.aborted) exit = { code, signal: sig };
      killGroup(child, 'SIGKILL');
      timers.push(setTimeout(finish, CLOSE_WAIT_MS));
    });
    child.once('close', finish);
  });
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Keeps the first `limit` bytes of a stream and drains the rest. */
function capture(stream: Readable | null, limit: number): () => string {
  const kept: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    if (size >= limit) return;
    const part = chunk.subarray(0, limit - size);
    kept.push(part);
    size += part.length;
  });
  stream?.on('error', () => undefined);
  return () => Buffer.concat(kept).toString('utf8');
}
