/**
 * Config edits reaching a running daemon (the `start` verb, netlink backend) and the real IPVS
 * table: scenarios 4 and 9 of the kernel suite. An edit with autoreload=no is only noticed; the
 * `reload` verb (SIGHUP) applies it; with autoreload=yes the next edit applies by itself. Each
 * reload touches only what changed: the log shows exactly those IPVS lines and every other entry
 * of the table is identical. An edit that empties the config is refused by the maxpurge guard
 * with its loud line and the table stays as it was; with maxpurge=100% the same edit purges.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonUnderTest, report } from './helpers/daemon.js';
import type { KernelService } from './helpers/ipvsadm.js';
import { resetIpvs } from './helpers/ipvsadm.js';
import { HttpReal, stopReals } from './helpers/reals.js';
import { TCG_MARGIN_MS, dest, expectTable, service, waitForTable } from './helpers/table.js';

/**
 * A reload must show within the watcher's debounce and one check round for new reals (2 s), plus
 * TCG. That stays below the 30 s resync, so a reload that only the resync completes fails here.
 */
const RELOAD_DEADLINE_MS = 2_000 + TCG_MARGIN_MS;

describe('daemon over the kernel table: reload by signal and by autoreload, maxpurge', { timeout: 300_000 }, () => {
  const d = new DaemonUnderTest('reload');
  let a: HttpReal;
  let b: HttpReal;
  let c: HttpReal;
  let g: HttpReal;
  let e: HttpReal;
  let f: HttpReal;

  const globals = (extra: string): string => `checkinterval=1
checktimeout=1
negotiatetimeout=1
logfile="${d.logPath}"
${extra}
`;
  const v1 = (bWeight: number, withE: boolean): string => `
virtual=10.1.2.1:80
	real=${a.hostPort} masq 1
	real=${b.hostPort} masq ${bWeight}
${withE ? `	real=${e.hostPort} masq 1\n` : ''}	service=http
	receive="OK"
`;
  const v2 = (scheduler: string, real: string): string => `
virtual=10.1.2.2:80
	real=${real}
	service=http
	receive="OK"
	scheduler=${scheduler}
`;
  const v3 = (): string => `
virtual=10.1.2.3:80
	real=${g.hostPort} gate 3
	service=http
	receive="OK"
	persistent=120
`;
  const svc3 = (): KernelService => service('TCP 10.1.2.3:80', 'wrr', [dest('127.0.0.5:80', 'route', 3)], { persistent: 120 });

  beforeAll(async () => {
    await resetIpvs();
    [a, b, c, g, e, f] = await Promise.all([
      HttpReal.start('127.0.0.2'), HttpReal.start('127.0.0.3'), HttpReal.start('127.0.0.4'),
      HttpReal.start('127.0.0.5'), HttpReal.start('127.0.0.6'), HttpReal.start('127.0.0.7'),
    ]);
    d.writeConfig(globals('autoreload=no') + v1(2, false) + v2('wrr', `${c.hostPort} masq 1`) + v3());
  });
  afterEach((ctx) => d.printLogIfFailed(ctx.task));
  afterAll(async () => {
    await d.dispose();
    await stopReals([a, b, c, g, e, f]);
    await resetIpvs();
  });

  const table1 = (): KernelService[] => [
    service('TCP 10.1.2.1:80', 'wrr', [dest(a.hostPort, 'masq', 1), dest(b.hostPort, 'masq', 2)]),
    service('TCP 10.1.2.2:80', 'wrr', [dest(c.hostPort, 'masq', 1)]),
    svc3(),
  ];
  const table2 = (): KernelService[] => [
    service('TCP 10.1.2.1:80', 'wrr', [dest(a.hostPort, 'masq', 1), dest(b.hostPort, 'masq', 4)]),
    service('TCP 10.1.2.2:80', 'lc', [dest(c.hostPort, 'masq', 1)]),
    svc3(),
  ];
  const table3 = (): KernelService[] => [
    service('TCP 10.1.2.1:80', 'wrr', [dest(a.hostPort, 'masq', 1), dest(b.hostPort, 'masq', 4), dest(e.hostPort, 'masq', 1)]),
    service('TCP 10.1.2.2:80', 'lc', [dest(f.hostPort, 'masq', 2)]),
    svc3(),
  ];

  it('starts and programs the table', async () => {
    const run = await d.start();
    report(`reload: \`start\` returned after ${(run.ms / 1000).toFixed(1)} s`);
    await waitForTable(table1(), 'the first checks to be applied', 60_000);
  });

  it('4. with autoreload=no an edit is only noticed; the `reload` verb (SIGHUP) applies exactly the change', async () => {
    const mark = d.mark();
    d.writeConfig(globals('autoreload=yes') + v1(4, false) + v2('lc', `${c.hostPort} masq 1`) + v3());
    await d.waitForLog(' - ignore new configuration', RELOAD_DEADLINE_MS, mark);
    expect(d.since(mark)).toContain(`Configuration file '${d.configPath}' has changed on disk`);
    await expectTable(table1());

    const run = await d.cli('reload');
    report(`reload: \`reload\` verb returned after ${(run.ms / 1000).toFixed(1)} s`);
    expect(run.code).toBe(0);
    await d.waitForLog('Reloading Linux Director Daemon config on signal', RELOAD_DEADLINE_MS, mark);
    await waitForTable(table2(), 'the signalled reload to apply', RELOAD_DEADLINE_MS);
    await expectTable(table2());
    expect(d.ipvsLines(mark)).toEqual([
      'Changed virtual server: 10.1.2.2:80',
      `Restored real server: ${b.hostPort} (10.1.2.1:80) (Weight set to 4)`,
    ]);
  });

  it('4. with autoreload=yes an edit applies by itself: a real added, one replaced, nothing else touched', async () => {
    const mark = d.mark();
    d.writeConfig(globals('autoreload=yes') + v1(4, true) + v2('lc', `${f.hostPort} masq 2`) + v3());
    const t0 = performance.now();
    await d.waitForLog(' - reread new configuration', RELOAD_DEADLINE_MS, mark);
    const noticed = performance.now() - t0;
    await waitForTable(table3(), 'the autoreload to apply', RELOAD_DEADLINE_MS);
    report(`reload: autoreload edit noticed after ${(noticed / 1000).toFixed(1)} s, applied (new reals checked and in) after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await expectTable(table3());
    expect(d.since(mark)).toContain(`Configuration file '${d.configPath}' has changed on disk`);
    expect(d.ipvsLines(mark).sort()).toEqual([
      `Added real server: ${e.hostPort} (10.1.2.1:80) (Weight set to 1)`,
      `Added real server: ${f.hostPort} (10.1.2.2:80) (Weight set to 2)`,
      `Purged real server (start): ${c.hostPort} (10.1.2.2:80)`,
    ]);
  });

  it('9. an edit that empties the config is refused by maxpurge, loudly, and the table is untouched', async () => {
    const mark = d.mark();
    d.writeConfig(globals('autoreload=yes'));
    const line = await d.waitForLog(/^Refusing to purge/, RELOAD_DEADLINE_MS, mark);
    expect(line).toBe(
      'Refusing to purge 8 of 8 managed IPVS entries (100% > maxpurge=50%): the configuration no longer names them. ' +
        'Set maxpurge=100% in the configuration to allow it. Held back: Purged virtual server (start): 10.1.2.1:80; ' +
        'Purged virtual server (start): 10.1.2.2:80; Purged virtual server (start): 10.1.2.3:80',
    );
    await expectTable(table3());
    expect(d.ipvsLines(mark)).toEqual([]);
  });

  it('9. with maxpurge=100% the same edit purges every virtual', async () => {
    const mark = d.mark();
    d.writeConfig(globals('autoreload=yes\nmaxpurge=100%'));
    await waitForTable([], 'the purge', RELOAD_DEADLINE_MS);
    await expectTable([]);
    expect(d.ipvsLines(mark)).toEqual([
      'Purged virtual server (start): 10.1.2.1:80',
      'Purged virtual server (start): 10.1.2.2:80',
      'Purged virtual server (start): 10.1.2.3:80',
    ]);
    const pid = d.signal('SIGTERM');
    await d.waitExit(pid, 60_000);
    expect(d.messages().at(-1)).toBe('Linux Director Daemon terminated on signal: TERM');
  });
});
