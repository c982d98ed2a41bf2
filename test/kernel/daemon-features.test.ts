/**
 * Every kind of virtual the config can name, programmed by the real daemon into the real IPVS
 * table: scenario 7 of the kernel suite. IPv6 (virtual6/real6), fwmark for IPv4 and IPv6, UDP
 * with one-packet scheduling (its reals checked by ping, which is what checktype=connect means
 * on UDP), persistence with a netmask (dotted and prefix), l:/u: thresholds, scheduler flags,
 * the gate/ipip port rule, and one virtual per scheduler the kernel has ($IPVS_SCHEDULERS). The
 * daemon runs in the foreground with supervised=yes (how systemd runs it), logging to stdout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonUnderTest, report } from './helpers/daemon.js';
import type { KernelDest, KernelService } from './helpers/ipvsadm.js';
import { resetIpvs } from './helpers/ipvsadm.js';
import { HttpReal, stopReals } from './helpers/reals.js';
import { TCG_MARGIN_MS, dest, expectTable, service, waitForTable } from './helpers/table.js';

const SCHEDULERS = (process.env.IPVS_SCHEDULERS ?? '').split(/\s+/).filter(Boolean);

/** One virtual as the test expects it: its log label, its table entry, and each dest's configured `<rip>:<rport>`. */
interface Expected {
  readonly label: string;
  readonly svc: KernelService;
  readonly configured: readonly string[];
}

describe('daemon over the kernel table: IPv6, fwmark, UDP, persistence, thresholds, every scheduler', { timeout: 300_000 }, () => {
  const d = new DaemonUnderTest('features');
  let a: HttpReal;
  let b: HttpReal;
  let v6a: HttpReal;
  let v6b: HttpReal;

  const config = (): string => `checkinterval=1
checktimeout=1
negotiatetimeout=1
supervised=yes

virtual6=[2001:db8::1]:80
	real6=${v6a.hostPort} masq 3 l:5 u:50
	real6=${v6b.hostPort} masq 1
	service=http
	receive="OK"
	scheduler=wlc
	persistent=600
	netmask=64

virtual=5
	real=${a.hostPort} gate 2
	real=${b.hostPort} ipip 1
	service=http
	receive="OK"
	scheduler=sh
	schedflags=sh-port,sh-fallback

virtual6=6
	real6=${v6a.hostPort} gate
	service=http
	receive="OK"
	scheduler=rr

virtual=10.1.4.1:53
	real=127.0.0.5:53 masq 2
	real=127.0.0.6:5353 gate
	checktype=connect
	scheduler=rr
	ops=yes

virtual=10.1.4.2:443
	real=${a.hostPort} masq 4 l:10 u:100
	service=http
	receive="OK"
	scheduler=rr
	persistent=300
	netmask=255.255.255.0

virtual=10.1.4.3:80
	real=${a.hostPort} masq 1
	service=http
	receive="OK"
	persistent=60
${SCHEDULERS.map((s, i) => `
virtual=10.1.5.${i + 1}:80
	real=${a.hostPort} masq 1
	service=http
	receive="OK"
	scheduler=${s}
`).join('')}`;

  const expected = (v6bUp: boolean, bUp: boolean): Expected[] => {
    const v = (label: string, svc: KernelService, configured: string[]): Expected => ({ label, svc, configured });
    const pick = <T>(items: readonly [T, boolean][]): T[] => items.filter(([, keep]) => keep).map(([x]) => x);
    const v6Dests = pick<[KernelDest, string]>([[[dest(v6a.hostPort, 'masq', 3, 50, 5), v6a.hostPort], true], [[dest(v6b.hostPort, 'masq', 1), v6b.hostPort], v6bUp]]);
    const fwmDests = pick<[KernelDest, string]>([[[dest(a.hostPort, 'route', 2), a.hostPort], true], [[dest(b.hostPort, 'tunnel', 1), b.hostPort], bUp]]);
    return [
      v('[2001:db8::1]:80', service('TCP [2001:db8::1]:80', 'wlc', v6Dests.map(([x]) => x), { persistent: 600, netmask: '64' }), v6Dests.map(([, c]) => c)),
      // fwmark services keep each dest's own port, whatever the forwarding method.
      v('5', service('FWM 5', 'sh', fwmDests.map(([x]) => x), { schedFlags: ['sh-fallback', 'sh-port'] }), fwmDests.map(([, c]) => c)),
      v('6', service('FWM 6 IPv6', 'rr', [dest(v6a.hostPort, 'route', 1)]), [v6a.hostPort]),
      // A gate real of an address virtual takes the virtual's port (5353 → 53).
      v('10.1.4.1:53', service('UDP 10.1.4.1:53', 'rr', [dest('127.0.0.5:53', 'masq', 2), dest('127.0.0.6:53', 'route', 1)], { ops: true }), ['127.0.0.5:53', '127.0.0.6:5353']),
      v('10.1.4.2:443', service('TCP 10.1.4.2:443', 'rr', [dest(a.hostPort, 'masq', 4, 100, 10)], { persistent: 300, netmask: '255.255.255.0' }), [a.hostPort]),
      v('10.1.4.3:80', service('TCP 10.1.4.3:80', 'wrr', [dest(a.hostPort, 'masq', 1)], { persistent: 60 }), [a.hostPort]),
      ...SCHEDULERS.map((s, i) => v(`10.1.5.${i + 1}:80`, service(`TCP 10.1.5.${i + 1}:80`, s, [dest(a.hostPort, 'masq', 1)]), [a.hostPort])),
    ];
  };
  const tableOf = (e: readonly Expected[]): KernelService[] => e.map((x) => x.svc);

  beforeAll(async () => {
    await resetIpvs();
    expect(SCHEDULERS).toEqual(expect.arrayContaining(['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh']));
    [a, b, v6a, v6b] = await Promise.all([HttpReal.start('127.0.0.2'), HttpReal.start('127.0.0.3'), HttpReal.start('::1'), HttpReal.start('::1')]);
    d.writeConfig(config());
  });
  afterEach((ctx) => d.printLogIfFailed(ctx.task));
  afterAll(async () => {
    await d.dispose();
    await stopReals([a, b, v6a, v6b]);
    await resetIpvs();
  });

  it(`7. programs every kind of virtual and every scheduler (${SCHEDULERS.join(' ')})`, async () => {
    const started = await d.startSupervised();
    report(`features: supervised daemon logged its start line after ${(started.ms / 1000).toFixed(1)} s`);
    const all = expected(true, true);
    const ms = await waitForTable(tableOf(all), 'every virtual with its reals up', 60_000);
    report(`features: ${all.length} virtuals programmed and checked ${(ms / 1000).toFixed(1)} s later`);
    await expectTable(tableOf(all));
    // quiescent=no: each real goes in once, at its weight, after its first check passed.
    expect(d.ipvsLines().sort()).toEqual(
      all.flatMap((x) => [
        `Added virtual server: ${x.label}`,
        ...x.svc.dests.map((dd, i) => `Added real server: ${x.configured[i]} (${x.label}) (Weight set to ${dd.weight})`),
      ]).sort(),
    );
  });

  it('7. an IPv6 real that stops listening and a fwmark real with the wrong content are removed', async () => {
    const mark = d.mark();
    await v6b.stop();
    b.setMode('wrong');
    await waitForTable(tableOf(expected(false, false)), 'both reals removed', 2_000 + TCG_MARGIN_MS);
    await expectTable(tableOf(expected(false, false)));
    expect(d.ipvsLines(mark).sort()).toEqual([
      `Deleted real server: ${b.hostPort} (5)`,
      `Deleted real server: ${v6b.hostPort} ([2001:db8::1]:80)`,
    ]);
  });

  it('stops on SIGTERM (exit 0) and purges every virtual (cleanstop=yes)', async () => {
    const mark = d.mark();
    const all = expected(false, false);
    d.signal('SIGTERM');
    expect(await d.supervisedExit(60_000)).toBe(0);
    await expectTable([]);
    expect(d.ipvsLines(mark).sort()).toEqual(all.map((x) => `Purged virtual server (stop): ${x.label}`).sort());
    expect(d.messages().at(-1)).toBe('Linux Director Daemon terminated on signal: TERM');
  });
});
