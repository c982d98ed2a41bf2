/**
 * logfile="local0" end to end: a real daemon process (memory IPVS backend) logging into a real
 * rsyslogd (Debian's) on a private socket. Transitions must arrive with facility local0, the
 * `ldirectord` tag with the daemon's pid and ldirectord's exact texts, and a restart of rsyslogd
 * mid-run must lose nothing that happened after it came back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, runCli, waitFor } from '../helpers/cli.js';
import { linesOf, parseRecord, RsyslogInstance, type SyslogRecord } from '../observe/rsyslog-instance.js';

const SNIPPET = fileURLToPath(new URL('../../etc/rsyslog-ldirectord.conf', import.meta.url));

describe('syslog through a real rsyslogd (real daemon process)', () => {
  let dir: string;
  let rsyslog: RsyslogInstance;
  let server: http.Server;
  let status = 200;
  let port: number;
  let cf: string;
  let pidFile: string;
  let pid: number;

  const records = (): SyslogRecord[] => linesOf(rsyslog.allLog).map(parseRecord);
  const messages = (): string[] => records().map((r) => r.msg);
  const quiesced = (): string => `Quiescent real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 0)`;
  const restored = (): string => `Restored real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 1)`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ldng-syslog-'));
    rsyslog = new RsyslogInstance(dir, SNIPPET);
    await rsyslog.validate();
    await rsyslog.start();
    server = http.createServer((_q, s) => { s.statusCode = status; s.end('OK\n'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    cf = join(dir, 'syslog.cf');
    pidFile = join(dir, 'syslog.pid');
    writeFileSync(cf, `checkinterval=1
checktimeout=2
quiescent=yes
logfile="local0"

virtual=127.0.0.100:80
	real=127.0.0.1:${port} masq 1
	service=http
	receive="OK"
`);
    const r = await runCli(['--ipvs=memory', `--pid-file=${pidFile}`, `--syslog-socket=${rsyslog.socket}`, cf, 'start']);
    expect(r.code).toBe(0);
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  });
  afterAll(async () => {
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor('the daemon to exit', () => !alive(pid));
    }
    await rsyslog.stop();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('start-up and IPVS lines arrive as local0.info from ldirectord[<pid>] with ldirectord\'s texts', async () => {
    // quiescent=yes: the unchecked real goes in at weight 0, then its first good check restores it.
    await waitFor('the real to be restored', () => messages().includes(restored()));
    expect(messages()).toContain(`Readd Quiescent real server: 127.0.0.1:${port} (127.0.0.100:80) (Weight set to 0)`);
    const added = records().find((r) => r.msg.startsWith('Added virtual server'));
    expect(added).toEqual({ fac: 'local0', sev: 'info', tag: `ldirectord[${pid}]:`, app: 'ldirectord', pid: String(pid), msg: 'Added virtual server: 127.0.0.100:80' });
    expect(messages()).toContain('Starting Linux Director v1.186-ha as daemon');
    // The operator snippet routes them to their own file.
    expect(linesOf(rsyslog.ldirectordLog).some((l) => l.endsWith('Added virtual server: 127.0.0.100:80'))).toBe(true);
  });

  it('a failing real: the quiesce line arrives', async () => {
    status = 503;
    await waitFor('the quiesce line', () => messages().includes(quiesced()));
    expect(records().find((r) => r.msg === quiesced())).toMatchObject({ fac: 'local0', sev: 'info', tag: `ldirectord[${pid}]:` });
  });

  it('rsyslogd restarted mid-run: nothing logged after it came back is lost, and the outage is delivered late', async () => {
    const base = messages().length;
    const since = (): string[] => messages().slice(base).filter((m) => m === quiesced() || m === restored());
    await rsyslog.stop();
    status = 200; // recovers while syslog is down: the daemon queues the line
    await new Promise((r) => setTimeout(r, 2_500));
    await rsyslog.start();
    await waitFor('the queued restore line', () => since().length === 1);
    status = 503; // after syslog came back
    await waitFor('the quiesce line logged after the restart', () => since().length === 2);
    status = 200;
    await waitFor('the restore line logged after the restart', () => since().length === 3);
    expect(since()).toEqual([restored(), quiesced(), restored()]);
  });
});
