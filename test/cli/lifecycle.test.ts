/**
 * The real CLI and a real detached daemon (memory IPVS backend), driven the way init scripts,
 * systemd and pacemaker drive ldirectord: start, status, reload, stop, with the pid file in a
 * temporary directory. Real servers are real HTTP servers on loopback.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, logMessages, runCli, waitFor } from '../helpers/cli.js';

describe('CLI lifecycle: start, status, reload, stop (real processes)', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  let cf: string;
  let pidFile: string;
  let logFile: string;
  const opts = (): string[] => ['--ipvs=memory', `--pid-file=${pidFile}`];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ldng-cli-'));
    server = http.createServer((_req, res) => res.end('OK\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    cf = join(dir, 'lvs.cf');
    pidFile = join(dir, 'ldirectord.lvs.cf.pid');
    logFile = join(dir, 'ldirectord.log');
    writeFileSync(cf, config(1));
  });
  afterAll(async () => {
    const pid = Number.parseInt(readOr(pidFile, ''), 10);
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  function config(weight: number): string {
    return `checkinterval=1
checktimeout=2
logfile="${logFile}"

virtual=127.0.0.100:80
	real=127.0.0.1:${port} masq ${weight}
	service=http
	request="/"
	receive="OK"
`;
  }

  it('status before start: stopped, exit 3', async () => {
    const r = await runCli([...opts(), cf, 'status']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`ldirectord is stopped for ${cf}\n`);
  });

  it('start detaches, returns 0 once the table is programmed, and writes the pid file', async () => {
    const r = await runCli([...opts(), cf, 'start']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    expect(alive(pid)).toBe(true);
    expect(logMessages(logFile)).toContain('Added virtual server: 127.0.0.100:80');
    await waitFor('the real to be added', () => logMessages(logFile).includes(`Added real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 1)`));
    expect(logMessages(logFile)).toContain('Starting Linux Director v1.186-ha as daemon');
  });

  it('status while running: exit 0, ldirectord\'s text on stderr', async () => {
    const pid = readFileSync(pidFile, 'utf8').trim();
    const r = await runCli([...opts(), cf, 'status']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`ldirectord for ${cf} is running with pid: ${pid}\n`);
  });

  it('a second start refuses to run a second daemon', async () => {
    const pid = readFileSync(pidFile, 'utf8').trim();
    const r = await runCli([...opts(), cf, 'start']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`ldirectord for ${cf} is already running with pid: ${pid}\n`);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(pid);
  });

  it('reload signals the daemon, which applies the edited file', async () => {
    writeFileSync(cf, config(4));
    const r = await runCli([...opts(), cf, 'reload']);
    expect(r.code).toBe(0);
    await waitFor('the reload to apply', () => logMessages(logFile).includes(`Restored real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 4)`));
    expect(logMessages(logFile)).toContain('Reloading Linux Director Daemon config on signal');
  });

  it('status with a broken config exits 2 and leaves the live daemon\'s pid file alone', async () => {
    const good = readFileSync(cf, 'utf8');
    writeFileSync(cf, `${good}\tbogus=1\n`);
    const r = await runCli([...opts(), cf, 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cf}:10: `);
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    expect(alive(pid)).toBe(true);
    writeFileSync(cf, good);
  });

  it('USR1 writes the state to the log', async () => {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    process.kill(pid, 'SIGUSR1');
    await waitFor('the state dump', () => logMessages(logFile).some((l) => l.startsWith(`State dump: real 127.0.0.1:${port} (tcp:127.0.0.100:80) up`)));
  });

  it('stop waits for the daemon to finish its cleanstop and exit', async () => {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    const r = await runCli([...opts(), cf, 'stop']);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    const log = logMessages(logFile);
    expect(log).toContain('Purged virtual server (stop): 127.0.0.100:80');
    expect(log.at(-1)).toBe('Linux Director Daemon terminated on signal: TERM');
  });

  it('status after stop: exit 3; reload when stopped: exit 1', async () => {
    expect((await runCli([...opts(), cf, 'status'])).code).toBe(3);
    const r = await runCli([...opts(), cf, 'reload']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ldirectord is stopped for ${cf}\n`);
  });

  it('a stale pid file: status says so and exits 1', async () => {
    writeFileSync(pidFile, '999999\n');
    const r = await runCli([...opts(), cf, 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ldirectord stale pid file ${pidFile} for ${cf}\n`);
    expect(r.stdout).toBe(`ldirectord is stopped for ${cf}\n`);
    rmSync(pidFile);
  });

  it('start with a broken config exits 2 with the line-numbered error and starts nothing', async () => {
    const bad = join(dir, 'bad.cf');
    writeFileSync(bad, 'checkinterval=1\n\nvirtual=127.0.0.100:80\n\treal=127.0.0.1:80 gateway\n');
    const r = await runCli([...opts(), bad, 'start']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${bad}:4: real: forward method must be gate, masq or ipip`, 'm'));
    expect(readOr(pidFile, 'absent')).toBe('absent');
  });

  it('execute= starts, reports and stops a second instance along with the first', async () => {
    const other = join(dir, 'other.cf');
    const otherPid = '/var/run/ldirectord.other.cf.pid';
    writeFileSync(other, config(1).replace('127.0.0.100:80', '127.0.0.101:80'));
    const main = join(dir, 'main.cf');
    writeFileSync(main, `execute=${other}\n${config(1)}`);
    const mainOpts = ['--ipvs=memory', `--pid-file=${join(dir, 'main.pid')}`];
    try {
      const started = await runCli([...mainOpts, main, 'start']);
      expect(started.code).toBe(0);
      await waitFor('the executed instance to run', () => readOr(otherPid, '') !== '' && alive(Number.parseInt(readOr(otherPid, '0'), 10)));
      const status = await runCli([...mainOpts, main, 'status']);
      expect(status.code).toBe(0);
      expect(status.stderr).toContain(`ldirectord for ${other} is running with pid: `);
      const otherProcess = Number.parseInt(readOr(otherPid, '0'), 10);
      expect((await runCli([...mainOpts, main, 'stop'])).code).toBe(0);
      await waitFor('the executed instance to stop', () => !alive(otherProcess));
      expect(readOr(otherPid, 'absent')).toBe('absent');
    } finally {
      const leftover = Number.parseInt(readOr(otherPid, '0'), 10);
      if (leftover > 0 && alive(leftover)) process.kill(leftover, 'SIGKILL');
      rmSync(otherPid, { force: true });
    }
  });

  it('a relative config path names the file in the invoker\'s directory, for start and for reloads', async () => {
    writeFileSync(join(dir, 'rel.cf'), config(1).replace('127.0.0.100:80', '127.0.0.102:80'));
    const relOpts = ['--ipvs=memory', `--pid-file=${join(dir, 'rel.pid')}`];
    expect((await runCli([...relOpts, 'rel.cf', 'start'], { cwd: dir })).code).toBe(0);
    const pid = Number.parseInt(readFileSync(join(dir, 'rel.pid'), 'utf8'), 10);
    try {
      writeFileSync(join(dir, 'rel.cf'), config(6).replace('127.0.0.100:80', '127.0.0.102:80'));
      expect((await runCli([...relOpts, 'rel.cf', 'reload'], { cwd: dir })).code).toBe(0);
      await waitFor('the reload to apply', () => logMessages(logFile).includes(`Restored real server: 127.0.0.1:${port} (127.0.0.102:80) (Weight set to 6)`));
      expect((await runCli([...relOpts, 'rel.cf', 'stop'], { cwd: dir })).code).toBe(0);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('usage errors exit 255; a missing config exits 1', async () => {
    expect((await runCli(['--bogus', cf, 'status'])).code).toBe(255);
    expect((await runCli([cf, 'explode'])).code).toBe(255);
    const r = await runCli([join(dir, 'nope.cf'), 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Config file ${join(dir, 'nope.cf')} not found\n`);
  });
});

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
