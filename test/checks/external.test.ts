import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalCheck } from '../../src/checks/external.js';
import { allGone, within } from './support.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldng-external-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Writes an executable shell script and returns its path. */
function script(body: string): string {
  const path = join(dir, `check-${++n}.sh`);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').split(/\s+/).filter((s) => s !== '').map(Number);
}

/** Every live (non-zombie) process in process group `pgid`. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

const ARGS = ['10.0.0.1', '80', '[2001:db8::2]', '8080'];

describe('external check', () => {
  it('passes on exit 0, with the arguments ldirectord passes, quoting the last line printed', async () => {
    const cmd = script('echo "args: $*"; exit 0');
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: cmd, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: true, detail: 'exit status 0: args: 10.0.0.1 80 [2001:db8::2] 8080' });
  });

  it('fails with exit-status on a non-zero exit, quoting stderr', async () => {
    const cmd = script('echo "checking" ; echo "backend says no" >&2; exit 3');
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: cmd, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status', detail: `external ${cmd} ${ARGS.join(' ')}: exit status 3: backend says no` });
  });

  it('fails with exit-status when the command dies of a signal', async () => {
    const cmd = script('kill -SEGV $$');
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: cmd, args: [] }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status', detail: `external ${cmd}: killed by SIGSEGV` });
  });

  it('kills a hanging command at the deadline', async () => {
    const pidFile = join(dir, 'hang.pids');
    const cmd = script(`echo $$ > ${pidFile}; exec sleep 60`);
    const r = await within(800, (sig) => externalCheck({ kind: 'external', command: cmd, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `external ${cmd} ${ARGS.join(' ')}: deadline of 800 ms exceeded; process group killed` });
    expect(await allGone(pidsIn(pidFile), 2000)).toBe(true);
  });

  it('kills grandchildren at the deadline too, including one that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'tree.pids');
    const cmd = script([
      `sleep 60 & echo $! >> ${pidFile}`,
      `sh -c 'trap "" TERM; sleep 60; true' & echo $! >> ${pidFile}`,
      `echo $$ >> ${pidFile}`,
      'trap "" TERM',
      'wait',
    ].join('\n'));
    const r = await within(1000, (sig) => externalCheck({ kind: 'external', command: cmd, args: [] }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(3);
    expect(await allGone(pids, 2000)).toBe(true);
    const leader = pids[2] ?? -1;
    expect(groupMembers(leader)).toEqual([]);
  });

  it('passes when the command exits 0, and kills what it left running in the background', async () => {
    const pidFile = join(dir, 'left.pids');
    const cmd = script(`sleep 60 & echo $! > ${pidFile}; exit 0`);
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: cmd, args: [] }, sig));
    expect(r).toMatchObject({ ok: true, detail: 'exit status 0' });
    expect(await allGone(pidsIn(pidFile), 2000)).toBe(true);
  });

  it('caps what it keeps of a flood of output', async () => {
    const cmd = script('head -c 1000000 /dev/zero | tr "\\000" x; echo; echo done; exit 1');
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: cmd, args: [] }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status' });
    expect(r.detail).toMatch(/^external \S+: exit status 1: x{200}\.\.\.$/);
  });

  it('fails with error when the command does not exist, without a shell in between', async () => {
    const r = await within(5000, (sig) => externalCheck({ kind: 'external', command: '/nonexistent/check --with-args', args: [] }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'error' });
    expect(r.detail).toMatch(/^external \/nonexistent\/check --with-args: cannot run: .*ENOENT/);
  });
});
