/**
 * ldirectord's pid file: `/var/run/ldirectord.<config name>.pid`, one decimal pid and a newline.
 * A pid counts as ours only while `/proc/<pid>/cmdline` mentions ldirectord (as ldirectord
 * checks), so a recycled pid is read as a stale file rather than a running daemon.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export function defaultPidFile(configName: string): string {
  return `/var/run/ldirectord.${configName}.pid`;
}

export type PidFileState =
  | { readonly kind: 'running'; readonly pid: number }
  | { readonly kind: 'stale'; readonly pid: number | undefined }
  | { readonly kind: 'absent' };

export function readPidFile(path: string): PidFileState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { kind: 'absent' };
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: 'stale', pid: undefined };
  return isOurProcess(pid) ? { kind: 'running', pid } : { kind: 'stale', pid };
}

export function isOurProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ldirectord');
  } catch {
    return false;
  }
}

/**
 * Creates the pid file for `pid`. Fails (returns the running pid) if another live daemon holds
 * it; a stale file is replaced. The exclusive create closes the race between two starts.
 */
export function claimPidFile(path: string, pid: number): { ok: true } | { ok: false; runningPid: number } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return { ok: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const state = readPidFile(path);
      if (state.kind === 'running' && state.pid !== pid) return { ok: false, runningPid: state.pid };
      removePidFile(path);
    }
  }
  return { ok: false, runningPid: -1 };
}

/** Removes the file, ignoring its absence. */
export function removePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
