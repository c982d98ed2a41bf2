/**
 * The real daemon (the `start` verb: detached, pid file, logfile, netlink backend) against the
 * real IPVS table, while its real servers fail and come back. Scenarios 1, 2, 3 and 8 of the
 * kernel suite: start over an empty table; a real stops answering (weight 0 with quiescent=yes,
 * removed with quiescent=no, with the measured latency); every real down (fallback in at
 * weight 1), one back (fallback out, the quiesced real kept at 0); `stop` purges the cleanstop=yes
 * virtuals and leaves the cleanstop=no one exactly as it was. `ipvsadm -Ln` is the reader, and
 * the whole table is asserted after every step.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonUnderTest, report } from './helpers/daemon.js';
import { resetIpvs } from './helpers/ipvsadm.js';
import { deadPort, HttpReal, stopReals } from './helpers/reals.js';
import { TCG_MARGIN_MS, dest, expectTable, findDest, service, waitForTable, waitUntilTable } from './helpers/table.js';

// The config's timings (seconds): every bound below is derived from them.
const CHECK_INTERVAL_S = 1;
const TIMEOUT_S = 1;
/** failurecount of the quiescent=no virtual; the others keep the default of 1. */
const FAILURES_V2 = 2;
const FALLBACK = '127.0.0.9:8089';

/** ldirectord's bound on noticing a failure: checkinterval × failurecount + timeout, plus TCG. */
function failureDeadlineMs(failurecount: number): number {
  return (CHECK_INTERVAL_S * failurecount + TIMEOUT_S) * 1000 + TCG_MARGIN_MS;
}

describe('daemon over the kernel table: health changes, fallback, cleanstop', { timeout: 300_000 }, () => {
  const d = new DaemonUnderTest('health');
  // a, b: the quiescent=yes virtual (a shared with the quiescent=no one); c: quiescent=no only;
  // e: the cleanstop=no virtual's healthy real (f there is down from the start).
  let a: HttpReal;
  let b: HttpReal;
  let c: HttpReal;
  let e: HttpReal;
  let fPort: number;

  const config = (): string => `checkinterval=${CHECK_INTERVAL_S}
checktimeout=${TIMEOUT_S}
negotiatetimeout=${TIMEOUT_S}
logfile="${d.logPath}"

virtual=10.1.1.1:80
	real=${a.hostPort} masq 2
	real=${b.hostPort} masq 3
	fallback=${FALLBACK} masq
	service=http
	receive="OK"
	quiescent=yes

virtual=10.1.1.2:80
	real=${a.hostPort} gate
	real=${c.hostPort} masq 1
	service=http
	receive="OK"
	quiescent=no
	failurecount=${FAILURES_V2}

virtual=10.1.1.3:8080
	real=${e.hostPort} masq 5 l:2 u:20
	real=127.0.0.6:${fPort} masq 1
	service=http
	receive="OK"
	scheduler=lc
	quiescent=yes
	cleanstop=no
`;

  // The tables each step must leave; `a` is a gate real of a :80 virtual, so its dest is on :80.
  const v1 = (wa: number, wb: number, fallback = false) =>
    service('TCP 10.1.1.1:80', 'wrr', [
      dest(a.hostPort, 'masq', wa),
      dest(b.hostPort, 'masq', wb),
      ...(fallback ? [dest(FALLBACK, 'masq', 1)] : []),
    ]);
  const v2 = (withA: boolean) =>
    service('TCP 10.1.1.2:80', 'wrr', [...(withA ? [dest('127.0.0.2:80', 'route', 1)] : []), dest(c.hostPort, 'masq', 1)]);
  const v3 = () => service('TCP 10.1.1.3:8080', 'lc', [dest(e.hostPort, 'masq', 5, 20, 2), dest(`127.0.0.6:${fPort}`, 'masq', 0)]);

  beforeAll(async () => {
    await resetIpvs();
    [a, b, c, e] = await Promise.all([HttpReal.start('127.0.0.2'), HttpReal.start('127.0.0.3'), HttpReal.start('127.0.0.4'), HttpReal.start('127.0.0.5')]);
    fPort = await deadPort('127.0.0.6');
    d.writeConfig(config());
  });
  afterEach((ctx) => d.printLogIfFailed(ctx.task));
  afterAll(async () => {
    await d.dispose();
    await stopReals([a, b, c, e]);
    await resetIpvs();
  });

  it('1. start over an empty table: every virtual added, healthy reals in at their weight, the dead one quiesced', async () => {
    const run = await d.start();
    report(`health: \`start\` returned after ${(run.ms / 1000).toFixed(1)} s (CLI and detached daemon, both through tsx)`);
    expect(run.stderr).toBe('');
    const ms = await waitForTable([v1(2, 3), v2(true), v3()], 'the first checks to be applied', 60_000);
    report(`health: table converged ${(ms / 1000).toFixed(1)} s after \`start\` returned`);
    await expectTable([v1(2, 3), v2(true), v3()]);
    // Unchecked reals of quiescent virtuals go in at weight 0 (no full-weight flash), then up.
    expect([...d.ipvsLines()].sort()).toEqual([
      `Added real server: ${a.hostPort} (10.1.1.2:80) (Weight set to 1)`,
      `Added real server: ${c.hostPort} (10.1.1.2:80) (Weight set to 1)`,
      'Added virtual server: 10.1.1.1:80',
      'Added virtual server: 10.1.1.2:80',
      'Added virtual server: 10.1.1.3:8080',
      `Readd Quiescent real server: ${a.hostPort} (10.1.1.1:80) (Weight set to 0)`,
      `Readd Quiescent real server: ${b.hostPort} (10.1.1.1:80) (Weight set to 0)`,
      `Readd Quiescent real server: ${e.hostPort} (10.1.1.3:8080) (Weight set to 0)`,
      `Readd Quiescent real server: 127.0.0.6:${fPort} (10.1.1.3:8080) (Weight set to 0)`,
      `Restored real server: ${a.hostPort} (10.1.1.1:80) (Weight set to 2)`,
      `Restored real server: ${b.hostPort} (10.1.1.1:80) (Weight set to 3)`,
      `Restored real server: ${e.hostPort} (10.1.1.3:8080) (Weight set to 5)`,
    ]);
  });

  it('2. a real stops answering: weight 0 where quiescent=yes, removed where quiescent=no, each within its bound', async () => {
    const mark = d.mark();
    a.setMode('hang');
    const t0 = performance.now();
    const boundV1 = failureDeadlineMs(1);
    await waitUntilTable((t) => findDest(t, 'TCP 10.1.1.1:80', a.hostPort)?.weight === 0, 'a quiesced in 10.1.1.1:80', boundV1);
    const quiesced = performance.now() - t0;
    const boundV2 = failureDeadlineMs(FAILURES_V2);
    await waitForTable([v1(0, 3), v2(false), v3()], 'a removed from 10.1.1.2:80', Math.max(0, boundV2 - quiesced));
    const removed = performance.now() - t0;
    report(`health: hanging real quiesced after ${(quiesced / 1000).toFixed(1)} s (failurecount 1, bound ${boundV1 / 1000} s incl. ${TCG_MARGIN_MS / 1000} s TCG margin)`);
    report(`health: hanging real removed after ${(removed / 1000).toFixed(1)} s (failurecount ${FAILURES_V2}, bound ${boundV2 / 1000} s incl. margin)`);
    await expectTable([v1(0, 3), v2(false), v3()]);
    expect(d.ipvsLines(mark)).toEqual([
      `Quiescent real server: ${a.hostPort} (10.1.1.1:80) (Weight set to 0)`,
      `Deleted real server: 127.0.0.2:80 mapped from ${a.hostPort} (10.1.1.2:80)`,
    ]);
    expect(d.since(mark)).toContain(`Soft failure real server: ${a.hostPort} (tcp:10.1.1.2:80) failure 1/${FAILURES_V2}`);
  });

  it('3. every real of a virtual down: the fallback goes in at weight 1 next to the quiesced reals', async () => {
    const mark = d.mark();
    await b.stop();
    const t0 = performance.now();
    await waitForTable([v1(0, 0, true), v2(false), v3()], 'the fallback to go in', failureDeadlineMs(1));
    report(`health: last real down → fallback in after ${((performance.now() - t0) / 1000).toFixed(1)} s (refused connections)`);
    await expectTable([v1(0, 0, true), v2(false), v3()]);
    // The fallback goes in before the last real is quiesced (ldirectord does it the other way
    // round), so the virtual never has only weight-0 dests.
    expect(d.ipvsLines(mark)).toEqual([
      `Added fallback server: ${FALLBACK} (10.1.1.1:80) (Weight set to 1)`,
      `Quiescent real server: ${b.hostPort} (10.1.1.1:80) (Weight set to 0)`,
    ]);
  });

  it('3. one real back: the fallback goes out, the still-quiesced real stays at weight 0', async () => {
    const mark = d.mark();
    await b.resume('ok');
    const t0 = performance.now();
    await waitForTable([v1(0, 3), v2(false), v3()], 'b back and the fallback out', (CHECK_INTERVAL_S + TIMEOUT_S) * 1000 + TCG_MARGIN_MS);
    report(`health: real back → restored and fallback out after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await expectTable([v1(0, 3), v2(false), v3()]);
    // The real goes in before the fallback goes out, so the virtual is never empty.
    expect(d.ipvsLines(mark)).toEqual([
      `Restored real server: ${b.hostPort} (10.1.1.1:80) (Weight set to 3)`,
      `Deleted fallback server: ${FALLBACK} (10.1.1.1:80)`,
    ]);
  });

  it('8. `stop` purges the cleanstop=yes virtuals and leaves the cleanstop=no one exactly as it was', async () => {
    const mark = d.mark();
    const pid = d.pid() as number;
    const run = await d.cli('stop');
    report(`health: \`stop\` returned after ${(run.ms / 1000).toFixed(1)} s`);
    expect(run.code).toBe(0);
    await d.waitExit(pid, 10_000);
    await expectTable([v3()]);
    expect(d.ipvsLines(mark)).toEqual(['Purged virtual server (stop): 10.1.1.1:80', 'Purged virtual server (stop): 10.1.1.2:80']);
    expect(d.since(mark).at(-1)).toBe('Linux Director Daemon terminated on signal: TERM');
    expect(d.pid()).toBeUndefined();
  });
});
