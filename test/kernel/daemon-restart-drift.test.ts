/**
 * Restart and drift against the real IPVS table: scenarios 6 and 5 of the kernel suite. A daemon
 * killed with SIGKILL and started again over healthy reals adopts the table: zero IPVS lines in
 * the second run's log and an identical table (the config mixes IPv4, IPv6 with a gate port
 * mapping and persistence, a fwmark, thresholds and a quiesced dead real, so any mismatch between
 * what the daemon wants and what it reads back would show as an op; a virtual whose only real is
 * dead has its fallback in, which a restart must leave in). Then changes made behind its
 * back (`ipvsadm -e`, `-d` of an up real, `-C`) are repaired by the periodic resync.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonUnderTest, report } from './helpers/daemon.js';
import type { KernelService } from './helpers/ipvsadm.js';
import { ipvsadm, resetIpvs } from './helpers/ipvsadm.js';
import { deadPort, HttpReal, stopReals } from './helpers/reals.js';
import { TCG_MARGIN_MS, dest, expectTable, service, waitForTable } from './helpers/table.js';

/** The daemon's resync period (Daemon's default; there is no directive for it yet). */
const RESYNC_MS = 30_000;

describe('daemon over the kernel table: SIGKILL and restart, drift repair', { timeout: 300_000 }, () => {
  const d = new DaemonUnderTest('drift');
  let a: HttpReal;
  let b: HttpReal;
  let v6: HttpReal;
  let zPort: number;

  const config = (): string => `checkinterval=1
checktimeout=1
negotiatetimeout=1
logfile="${d.logPath}"

virtual=10.1.3.1:80
	real=${a.hostPort} masq 2
	real=${b.hostPort} masq 3 l:1 u:30
	real=127.0.0.4:${zPort} masq 1
	service=http
	receive="OK"
	quiescent=yes

virtual6=[2001:db8::3]:80
	real6=${v6.hostPort} gate 2
	service=http
	receive="OK"
	scheduler=sh
	schedflags=sh-port
	persistent=120
	netmask=64

virtual=7
	real=${a.hostPort} ipip 4
	service=http
	receive="OK"
	scheduler=rr

virtual=10.1.3.9:80
	real=127.0.0.4:${zPort} masq 1
	fallback=127.0.0.5:80 gate
	service=http
	receive="OK"
`;
  const table = (withZ = true): KernelService[] => [
    service('TCP 10.1.3.1:80', 'wrr', [
      dest(a.hostPort, 'masq', 2),
      dest(b.hostPort, 'masq', 3, 30, 1),
      ...(withZ ? [dest(`127.0.0.4:${zPort}`, 'masq', 0)] : []),
    ]),
    service('TCP [2001:db8::3]:80', 'sh', [dest('[::1]:80', 'route', 2)], { schedFlags: ['sh-port'], persistent: 120, netmask: '64' }),
    service('FWM 7', 'rr', [dest(a.hostPort, 'tunnel', 4)]),
    service('TCP 10.1.3.9:80', 'wrr', [dest('127.0.0.5:80', 'route', 1)]),
  ];

  beforeAll(async () => {
    await resetIpvs();
    [a, b, v6] = await Promise.all([HttpReal.start('127.0.0.2'), HttpReal.start('127.0.0.3'), HttpReal.start('::1')]);
    zPort = await deadPort('127.0.0.4');
    d.writeConfig(config());
  });
  afterEach((ctx) => d.printLogIfFailed(ctx.task));
  afterAll(async () => {
    await d.dispose();
    await stopReals([a, b, v6]);
    await resetIpvs();
  });

  it('starts and programs the table', async () => {
    const run = await d.start();
    report(`drift: first \`start\` returned after ${(run.ms / 1000).toFixed(1)} s`);
    await waitForTable(table(), 'the first checks to be applied', 60_000);
    await expectTable(table());
  });

  it('6. SIGKILL leaves the table as it was; a restart over healthy reals changes nothing', async () => {
    const first = d.signal('SIGKILL');
    await d.waitExit(first, 10_000);
    await expectTable(table());

    const mark = d.mark();
    const run = await d.start();
    report(`drift: \`start\` over a stale pid file returned after ${(run.ms / 1000).toFixed(1)} s`);
    const second = d.pid();
    expect(second).not.toBe(first);
    expect(d.since(mark)).toContain('Starting Linux Director v1.186-ha as daemon');
    // Every real checked and decided, then two more rounds, so any pass a result caused has run.
    const dump = await d.waitForSettledChecks(60_000);
    expect(dump.reals.map((r) => `${r.endpoint} ${r.virtual} ${r.state}`).sort()).toEqual([
      `${a.hostPort} fwm:7 up`,
      `${a.hostPort} tcp:10.1.3.1:80 up`,
      `${b.hostPort} tcp:10.1.3.1:80 up`,
      `127.0.0.4:${zPort} tcp:10.1.3.1:80 down`,
      `127.0.0.4:${zPort} tcp:10.1.3.9:80 down`,
      `${v6.hostPort} tcp:[2001:db8::3]:80 up`,
    ]);
    expect(d.ipvsLines(mark)).toEqual([]);
    await expectTable(table());
  });

  it('5. a weight changed and an up real deleted behind its back are repaired within one resync period', async () => {
    const mark = d.mark();
    await ipvsadm('-e', '-t', '10.1.3.1:80', '-r', a.hostPort, '-m', '-w', '7');
    await ipvsadm('-d', '-t', '10.1.3.1:80', '-r', b.hostPort);
    await ipvsadm('-e', '-f', '7', '-r', a.hostPort, '-i', '-w', '1');
    const t0 = performance.now();
    await waitForTable(table(), 'the drift to be repaired', RESYNC_MS + TCG_MARGIN_MS);
    report(`drift: -e/-d repaired after ${((performance.now() - t0) / 1000).toFixed(1)} s (resync period ${RESYNC_MS / 1000} s)`);
    await expectTable(table());
    expect(d.ipvsLines(mark).sort()).toEqual([
      `Added real server: ${b.hostPort} (10.1.3.1:80) (Weight set to 3)`,
      `Restored real server: ${a.hostPort} (10.1.3.1:80) (Weight set to 2)`,
      `Restored real server: ${a.hostPort} (7) (Weight set to 4)`,
    ]);
  });

  it('5. `ipvsadm -C` is repaired within one resync period (the dead quiesced real is not re-added: readdquiescent=no)', async () => {
    const mark = d.mark();
    await ipvsadm('-C');
    const t0 = performance.now();
    await waitForTable(table(false), 'the cleared table to be rebuilt', RESYNC_MS + TCG_MARGIN_MS);
    report(`drift: -C repaired after ${((performance.now() - t0) / 1000).toFixed(1)} s (resync period ${RESYNC_MS / 1000} s)`);
    await expectTable(table(false));
    expect(d.ipvsLines(mark).sort()).toEqual([
      `Added fallback server: 127.0.0.5:80 (10.1.3.9:80) (Weight set to 1)`,
      `Added real server: ${a.hostPort} (10.1.3.1:80) (Weight set to 2)`,
      `Added real server: ${a.hostPort} (7) (Weight set to 4)`,
      `Added real server: ${b.hostPort} (10.1.3.1:80) (Weight set to 3)`,
      `Added real server: ${v6.hostPort} ([2001:db8::3]:80) (Weight set to 2)`,
      'Added virtual server: 10.1.3.1:80',
      'Added virtual server: 10.1.3.9:80',
      'Added virtual server: 7',
      'Added virtual server: [2001:db8::3]:80',
    ]);
  });

  it('stops on SIGTERM and purges (cleanstop=yes)', async () => {
    const mark = d.mark();
    const pid = d.signal('SIGTERM');
    await d.waitExit(pid, 60_000);
    await expectTable([]);
    expect(d.ipvsLines(mark).sort()).toEqual([
      'Purged virtual server (stop): 10.1.3.1:80',
      'Purged virtual server (stop): 10.1.3.9:80',
      'Purged virtual server (stop): 7',
      'Purged virtual server (stop): [2001:db8::3]:80',
    ]);
  });
});
