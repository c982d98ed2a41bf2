/**
 * autoreload=yes against a real detached daemon (memory IPVS backend): every way an editor or a
 * deploy tool saves a file reaches the daemon, a broken edit changes nothing, and the fix then
 * applies. What the daemon did is read from its log file, where IPVS lines appear only for ops
 * that succeeded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, logMessages, runCli, waitFor } from '../helpers/cli.js';

describe('autoreload (real daemon process, memory IPVS)', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  let cf: string;
  let pidFile: string;
  let logFile: string;

  const config = (weight: number, extra = ''): string => `checkinterval=1
checktimeout=2
autoreload=yes
logfile="${logFile}"
${extra}
virtual=127.0.0.100:80
	real=127.0.0.1:${port} masq ${weight}
	service=http
	receive="OK"
`;
  const restored = (w: number): string => `Restored real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to ${w})`;
  const ipvsLines = (): string[] => logMessages(logFile).filter((l) => /^(Added|Restored|Quiescent|Deleted|Purged|Changed|Readd)/.test(l));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ldng-autoreload-'));
    server = http.createServer((_q, s) => s.end('OK\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    cf = join(dir, 'auto.cf');
    pidFile = join(dir, 'auto.pid');
    logFile = join(dir, 'auto.log');
    writeFileSync(cf, config(1));
    const r = await runCli(['--ipvs=memory', `--pid-file=${pidFile}`, cf, 'start']);
    expect(r.code).toBe(0);
    await waitFor('the real to be added', () => logMessages(logFile).includes(`Added real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 1)`));
  });
  afterAll(async () => {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    process.kill(pid, 'SIGTERM');
    await waitFor('the daemon to exit', () => !alive(pid));
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('an in-place write is picked up', async () => {
    writeFileSync(cf, config(2));
    await waitFor('weight 2', () => logMessages(logFile).includes(restored(2)));
    const log = logMessages(logFile);
    expect(log).toContain(`Configuration file '${cf}' has changed on disk`);
    expect(log).toContain(' - reread new configuration');
  });

  it('write to a temporary file and rename over (editors, config management)', async () => {
    writeFileSync(`${cf}.tmp`, config(3));
    renameSync(`${cf}.tmp`, cf);
    await waitFor('weight 3', () => logMessages(logFile).includes(restored(3)));
  });

  it('sed -i', async () => {
    execFileSync('sed', ['-i', `s/masq 3$/masq 4/`, cf]);
    await waitFor('weight 4', () => logMessages(logFile).includes(restored(4)));
  });

  it('delete, then recreate a moment later', async () => {
    unlinkSync(cf);
    await sleep(700); // the file is really gone for a while: longer than chokidar's atomic window
    writeFileSync(cf, config(5));
    await waitFor('weight 5', () => logMessages(logFile).includes(restored(5)));
  });

  it('touch and a same-content save do not reload', async () => {
    const before = logMessages(logFile).length;
    utimesSync(cf, new Date(), new Date());
    await sleep(700); // longer than the 300 ms debounce: the touch is read and found unchanged
    writeFileSync(cf, config(5));
    await sleep(700);
    // A marker edit afterwards proves the watcher was alive and saw both events first.
    writeFileSync(cf, config(6));
    await waitFor('weight 6', () => logMessages(logFile).includes(restored(6)));
    const changes = logMessages(logFile).slice(before).filter((l) => l.includes('has changed on disk'));
    expect(changes).toHaveLength(1);
  });

  it('a broken edit changes nothing and keeps the old config running; the fix then applies', async () => {
    const ipvsBefore = ipvsLines().length;
    const good = config(7);
    writeFileSync(cf, good.replace('masq 7', 'masq 7 bogus'));
    await waitFor('the error to be logged', () => logMessages(logFile).some((l) => l.includes('Configuration not reloaded')));
    const errors = logMessages(logFile).filter((l) => l.startsWith('Error ['));
    expect(errors.at(-1)).toMatch(new RegExp(`^Error \\[\\d+\\] reading file ${cf} at line 7: `));
    expect(ipvsLines().length).toBe(ipvsBefore);
    // Health checking went on with the old config: the daemon is still up and answering USR1.
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    process.kill(pid, 'SIGUSR1');
    await waitFor('a state dump with weight 6 still in force', () => logMessages(logFile).some((l) => l.startsWith(`State dump: real 127.0.0.1:${port} (tcp:127.0.0.100:80) up`)));
    writeFileSync(cf, good);
    await waitFor('weight 7', () => logMessages(logFile).includes(restored(7)));
    expect(ipvsLines().slice(ipvsBefore)).toEqual([restored(7)]);
  });

  it('autoreload=no: a change is noticed and ignored until a reload is asked for', async () => {
    writeFileSync(cf, config(8).replace('autoreload=yes', 'autoreload=no'));
    await waitFor('weight 8', () => logMessages(logFile).includes(restored(8)));
    writeFileSync(cf, config(9).replace('autoreload=yes', 'autoreload=no'));
    await waitFor('the change to be ignored', () => logMessages(logFile).includes(' - ignore new configuration'));
    expect(logMessages(logFile)).not.toContain(restored(9));
    expect((await runCli(['--ipvs=memory', `--pid-file=${pidFile}`, cf, 'reload'])).code).toBe(0);
    await waitFor('weight 9 after reload', () => logMessages(logFile).includes(restored(9)));
  });
});
