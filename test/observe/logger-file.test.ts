import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import { Capture } from './capture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldng-logfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const clock = () => new Date(2026, 10, 21, 4, 16, 30);

function fileLogger(path: string, extra: { level?: 'debug' } = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const log = createLogger({ logfile: path, configName: 't2.cf', pid: 11590, supervised: false, debug: false, stdout, stderr, clock, ...extra });
  return { log, stdout, stderr };
}

describe('file destination', () => {
  it('appends [ctime|configName|pid] message lines, ldirectord format', async () => {
    const path = join(dir, 'ldirectord.log');
    const { log, stdout, stderr } = fileLogger(path);
    expect(log.destination).toEqual({ kind: 'file', path });
    log.info('Soft failure real server: 127.0.0.1:18082 (tcp:127.0.0.100:80) failure 1/2');
    log.warning('Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)');
    log.debug('Checking connect: real server=10.0.0.3:80 (virtual=tcp:192.168.1.10:80)');
    log.error('Exiting with exit_status 2: config_error: Configuration Error\n');
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '[Sat Nov 21 04:16:30 2026|t2.cf|11590] Soft failure real server: 127.0.0.1:18082 (tcp:127.0.0.100:80) failure 1/2\n' +
        '[Sat Nov 21 04:16:30 2026|t2.cf|11590] Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)\n' +
        '[Sat Nov 21 04:16:30 2026|t2.cf|11590] Exiting with exit_status 2: config_error: Configuration Error\n',
    );
    expect(stdout.text).toBe('');
    expect(stderr.text).toBe('');
  });

  it('appends to an existing file and writes each line before the call returns', () => {
    const path = join(dir, 'ldirectord.log');
    const first = fileLogger(path).log;
    first.info('one');
    const second = fileLogger(path).log;
    second.info('two');
    expect(readFileSync(path, 'utf8')).toBe('[Sat Nov 21 04:16:30 2026|t2.cf|11590] one\n[Sat Nov 21 04:16:30 2026|t2.cf|11590] two\n');
  });

  it('writes debug lines with a DEBUG: prefix when the level asks for them', () => {
    const path = join(dir, 'ldirectord.log');
    fileLogger(path, { level: 'debug' }).log.debug('Checking ping: real server=10.0.0.3');
    expect(readFileSync(path, 'utf8')).toBe('[Sat Nov 21 04:16:30 2026|t2.cf|11590] DEBUG: Checking ping: real server=10.0.0.3\n');
  });

  it('keeps logging after logrotate renames the file away: the next line starts a new file', () => {
    const path = join(dir, 'ldirectord.log');
    const { log } = fileLogger(path);
    log.info('before rotation');
    renameSync(path, `${path}.1`);
    log.info('after rotation');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('[Sat Nov 21 04:16:30 2026|t2.cf|11590] before rotation\n');
    expect(readFileSync(path, 'utf8')).toBe('[Sat Nov 21 04:16:30 2026|t2.cf|11590] after rotation\n');
  });

  it('falls back to stderr when the write fails, without throwing, and resumes the file later', () => {
    const path = join(dir, 'missing', 'ldirectord.log');
    const { log, stderr } = fileLogger(path);
    expect(() => {
      log.info('Added real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 1)');
      log.info('Deleted real server: 10.0.0.3:80 (192.168.1.10:80)');
    }).not.toThrow();
    const err = stderr.lines();
    expect(err).toHaveLength(3);
    expect(err[0]).toMatch(/^ldirectord-ng: cannot write log file .*\/missing\/ldirectord\.log: ENOENT.*; logging to stderr$/);
    expect(err.slice(1)).toEqual([
      'Added real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 1)',
      'Deleted real server: 10.0.0.3:80 (192.168.1.10:80)',
    ]);

    mkdirSync(join(dir, 'missing'));
    log.info('Restored real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 1)');
    expect(readFileSync(path, 'utf8')).toBe(
      `[Sat Nov 21 04:16:30 2026|t2.cf|11590] Log file ${path} was not writable; 2 line(s) went to stderr\n` +
        '[Sat Nov 21 04:16:30 2026|t2.cf|11590] Restored real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 1)\n',
    );
    expect(stderr.lines()).toHaveLength(3);
  });

  it('ignores lines logged after close', async () => {
    const path = join(dir, 'ldirectord.log');
    const { log } = fileLogger(path);
    log.info('kept');
    await log.close();
    log.info('ignored');
    expect(readFileSync(path, 'utf8')).toBe('[Sat Nov 21 04:16:30 2026|t2.cf|11590] kept\n');
  });
});
