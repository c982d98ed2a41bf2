import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../src/observe/logger.js';
import { Capture } from './capture.js';
import { RsyslogInstance, linesOf, parseRecord, waitFor } from './rsyslog-instance.js';

// A real rsyslogd (Debian's) on a private socket; nothing here touches /dev/log.
const dir = mkdtempSync(join(tmpdir(), 'ldng-rsyslog-'));
const rsyslog = new RsyslogInstance(dir, join(import.meta.dirname, '../../etc/rsyslog-ldirectord.conf'));

beforeAll(async () => {
  await rsyslog.validate();
  await rsyslog.start();
});

afterAll(async () => {
  await rsyslog.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Each test logs under its own pid, so its records are told apart by tag. */
function syslogLogger(pid: number, extra: Partial<LoggerOptions> = {}) {
  const stderr = new Capture();
  const stdout = new Capture();
  const log = createLogger({
    logfile: 'local0',
    configName: 'ldirectord.cf',
    pid,
    supervised: false,
    debug: false,
    syslogSocket: rsyslog.socket,
    stderr,
    stdout,
    ...extra,
  });
  return { log, stderr, stdout, tag: `ldirectord[${pid}]:` };
}

const texts = (records: { msg: string }[]) => records.map((r) => r.msg);

describe('syslog destination against a real rsyslogd', () => {
  it('delivers ldirectord lines as local0.info with tag ldirectord[<pid>]: and the exact text', async () => {
    const { log, stderr, stdout, tag } = syslogLogger(31001);
    expect(log.destination).toEqual({ kind: 'syslog', facility: 'local0', code: 16 });
    const lines = [
      'Added virtual server: 192.168.1.10:80',
      'Added real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 1)',
      'Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)',
      'Soft failure real server: 10.0.0.3:80 (tcp:192.168.1.10:80) failure 1/3',
      'Deleted fallback server: 127.0.0.1:80 mapped from 127.0.0.1:18089 (127.0.0.100:80)',
    ];
    lines.forEach((l) => log.info(l));
    const got = await rsyslog.waitForRecords(tag, lines.length);
    expect(got).toEqual(lines.map((msg) => ({ fac: 'local0', sev: 'info', tag, app: 'ldirectord', pid: '31001', msg })));
    await log.close();
    expect(stderr.text).toBe('');
    expect(stdout.text).toBe('');
  });

  it('maps error, warning and debug to err, warning and debug, and drops debug unless asked', async () => {
    const quiet = syslogLogger(31002);
    quiet.log.debug('not sent');
    quiet.log.error('IPVS: NEW_DEST failed: EEXIST');
    quiet.log.warning('Readd Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)');
    const verbose = syslogLogger(31003, { level: 'debug' });
    verbose.log.debug('Checking connect: real server=10.0.0.3:80 (virtual=tcp:192.168.1.10:80)');

    const q = await rsyslog.waitForRecords(quiet.tag, 2);
    expect(q.map((r) => [r.sev, r.msg])).toEqual([
      ['err', 'IPVS: NEW_DEST failed: EEXIST'],
      ['warning', 'Readd Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)'],
    ]);
    const v = await rsyslog.waitForRecords(verbose.tag, 1);
    expect(v.map((r) => [r.fac, r.sev, r.msg])).toEqual([
      ['local0', 'debug', 'Checking connect: real server=10.0.0.3:80 (virtual=tcp:192.168.1.10:80)'],
    ]);
    await quiet.log.close();
    await verbose.log.close();
  });

  it('uses the facility named by logfile, and the operator snippet routes only local0 ldirectord lines', async () => {
    const local0 = syslogLogger(31004);
    const daemon = syslogLogger(31005, { logfile: 'daemon' });
    const other = syslogLogger(31006, { syslogTag: 'keepalived' });
    local0.log.info('Restored real server: 10.0.0.4:80 (192.168.1.10:80) (Weight set to 1)');
    daemon.log.info('line on daemon');
    other.log.info('line from another program');
    await rsyslog.waitForRecords(local0.tag, 1);
    const [d] = await rsyslog.waitForRecords(daemon.tag, 1);
    expect(d!.fac).toBe('daemon');
    await rsyslog.waitForRecords('keepalived[31006]:', 1);

    // rest.log follows the snippet in the config: what the snippet stopped never reaches it.
    const rest = await waitFor('rest.log to hold the unrouted lines', () => {
      const msgs = linesOf(rsyslog.restLog).map((l) => parseRecord(l).msg);
      return msgs.includes('line on daemon') && msgs.includes('line from another program') ? msgs : undefined;
    });
    expect(rest).not.toContain('Restored real server: 10.0.0.4:80 (192.168.1.10:80) (Weight set to 1)');
    const routed = linesOf(rsyslog.ldirectordLog);
    expect(routed.some((l) => l.endsWith('ldirectord[31004]: Restored real server: 10.0.0.4:80 (192.168.1.10:80) (Weight set to 1)'))).toBe(true);
    expect(routed.some((l) => l.includes('line on daemon') || l.includes('line from another program'))).toBe(false);
    await Promise.all([local0.log.close(), daemon.log.close(), other.log.close()]);
  });

  it('keeps monitoring through a syslog restart: queued lines are re-sent in order, later ones all arrive', async () => {
    const { log, stderr, tag } = syslogLogger(31007, { syslogRetryMs: 60_000 });
    log.info('before the outage');
    await rsyslog.waitForRecords(tag, 1);

    await rsyslog.stop();
    const during = Array.from({ length: 50 }, (_, i) => `Soft failure real server: 10.0.0.${i}:80 (tcp:192.168.1.10:80) failure 1/3`);
    expect(() => during.forEach((l) => log.info(l))).not.toThrow();
    expect(log.pending()).toBe(50);
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.lines()[0]).toMatch(/^ldirectord-ng: syslog socket .*log\.sock not accepting log lines \((ENOENT|ECONNREFUSED)\); holding them until it does$/);

    await rsyslog.start();
    // The retry timer is a minute away: the next line alone must flush the queue ahead of itself.
    const after = Array.from({ length: 20 }, (_, i) => `Restored real server: 10.0.0.${i}:80 (192.168.1.10:80) (Weight set to 1)`);
    after.forEach((l) => log.info(l));

    const expected = ['before the outage', ...during, ...after];
    const got = await rsyslog.waitForRecords(tag, expected.length);
    expect(texts(got)).toEqual(expected);
    expect(stderr.lines()).toHaveLength(1);
    await log.close();
  });

  it('re-sends held lines on its own once syslog returns, with no new line to prompt it', async () => {
    const { log, stderr, tag } = syslogLogger(31008, { syslogRetryMs: 50 });
    await rsyslog.stop('SIGKILL');
    log.info('Deleted real server: 10.0.0.9:80 (192.168.1.10:80)');
    log.info('Added fallback server: 127.0.0.1:80 (192.168.1.10:80) (Weight set to 1)');
    expect(log.pending()).toBe(2);
    expect(stderr.lines()).toEqual([expect.stringMatching(/not accepting log lines \(ECONNREFUSED\)/)]);
    await rsyslog.start();
    const got = await rsyslog.waitForRecords(tag, 2);
    expect(texts(got)).toEqual([
      'Deleted real server: 10.0.0.9:80 (192.168.1.10:80)',
      'Added fallback server: 127.0.0.1:80 (192.168.1.10:80) (Weight set to 1)',
    ]);
    expect(log.pending()).toBe(0);
    await log.close();
  });

  it('bounds the queue: drops the oldest and says how many, ahead of what it kept', async () => {
    const { log, tag } = syslogLogger(31009, { syslogQueueLimit: 10, syslogRetryMs: 60_000 });
    await rsyslog.stop('SIGKILL');
    for (let i = 1; i <= 25; i++) log.info(`line ${i}`);
    expect(log.pending()).toBe(10);
    await rsyslog.start();
    log.info('line 26');
    const got = await rsyslog.waitForRecords(tag, 12);
    expect(got.map((r) => [r.sev, r.msg])).toEqual([
      ['warning', 'Syslog was unreachable; dropped the 15 oldest log line(s) of the outage'],
      ...Array.from({ length: 11 }, (_, i) => ['info', `line ${i + 16}`]),
    ]);
    await log.close();
  });

  it('delivers a burst larger than the socket receive queue, in order (EAGAIN is retried)', async () => {
    const { log, stderr, tag } = syslogLogger(31010, { syslogRetryMs: 60_000 });
    const burst = Array.from({ length: 3_000 }, (_, i) => `burst ${i}`);
    burst.forEach((l) => log.info(l));
    const got = await rsyslog.waitForRecords(tag, burst.length, 15_000);
    expect(texts(got)).toEqual(burst);
    // A full receive queue is back-pressure, not an outage worth reporting.
    expect(stderr.text).toBe('');
    await log.close();
  });
});

describe('syslog destination with no syslog at all', () => {
  it('never throws, and reports on close how many lines could not be delivered', async () => {
    const stderr = new Capture();
    const log = createLogger({
      logfile: 'local0',
      configName: 'ldirectord',
      pid: 31011,
      supervised: false,
      debug: false,
      syslogSocket: join(dir, 'no-such.sock'),
      stderr,
      stdout: new Capture(),
    });
    expect(() => {
      log.info('Starting Linux Director v1.186-ha as daemon');
      log.error('IPVS: NEW_SERVICE failed: ENOENT');
    }).not.toThrow();
    expect(log.pending()).toBe(2);
    await log.close();
    expect(stderr.lines()).toEqual([
      `ldirectord-ng: syslog socket ${join(dir, 'no-such.sock')} not accepting log lines (ENOENT); holding them until it does`,
      'ldirectord-ng: syslog unreachable at close; 2 log line(s) not delivered',
    ]);
  });
});
