/**
 * The whole daemon (real config parser, plans, scheduler, store, desired table, reconciler) on a
 * fake clock with the in-memory IPVS backend. The checker is scripted (fake checker): each real
 * answers what the test says; the real checkers have their own tests against real servers.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult, CheckSpec } from '../../src/checks/types.js';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/model.js';
import type { NameResolver } from '../../src/config/resolver.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryIpvsBackend } from '../../src/ipvs/memory-backend.js';
import type { IpvsTable } from '../../src/ipvs/types.js';
import { MemoryLog } from '../../src/observe/log.js';
import { systemClock } from '../../src/util/clock.js';

const resolver: NameResolver = { host: async () => undefined, service: () => undefined };

async function parse(text: string): Promise<Config> {
  const r = await loadConfigText(text, '/etc/ha.d/test.cf', { resolver, hostname: 'director', checkPaths: false });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return r.config;
}

const BASE = `checkinterval=1
checktimeout=1
failurecount=2
quiescent=yes

virtual=10.0.0.1:80
	real=10.0.0.2:80 gate 2
	real=10.0.0.3:80 gate 1
	fallback=127.0.0.1:80 gate
	service=http
	checktype=connect
	fallbackcommand="/usr/local/bin/sorry"
`;

function table(t: IpvsTable): Record<string, Record<string, number>> {
  return Object.fromEntries([...t].map(([k, e]) => [k, Object.fromEntries([...e.dests].map(([d, v]) => [d, v.weight]))]));
}

describe('Daemon on a fake clock (memory IPVS, fake checker)', () => {
  let backend: MemoryIpvsBackend;
  let log: MemoryLog;
  let answers: Record<string, boolean>;
  let probes: string[];
  let shell: string[];
  let daemon: Daemon | undefined;

  const runCheck = async (spec: CheckSpec): Promise<CheckResult> => {
    const address = 'target' in spec ? spec.target.address : '?';
    probes.push(address);
    const ok = answers[address] ?? true;
    return ok ? { ok: true, detail: 'connected', durationMs: 1 } : { ok: false, reason: 'refused', detail: `connect ${address}: refused`, durationMs: 1 };
  };

  function make(config: Config, options: { resyncMs?: number } = {}): Daemon {
    daemon = new Daemon(config, {
      backend, clock: systemClock, log, runCheck, hostname: 'director', pid: 4242,
      shell: async (line) => { shell.push(line); return { code: 0 }; },
      resyncMs: options.resyncMs ?? 30_000,
    });
    return daemon;
  }

  /**
   * The first check of each real runs at start; from then on each real ticks once per interval on
   * its own phase, the first grid tick coming at most 1.5 intervals after start. Past that point
   * every window of N intervals holds exactly N checks of each real.
   */
  const settle = async (): Promise<void> => { await vi.advanceTimersByTimeAsync(1_500); };

  beforeEach(() => {
    vi.useFakeTimers();
    backend = new MemoryIpvsBackend();
    log = new MemoryLog();
    answers = {};
    probes = [];
    shell = [];
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    vi.useRealTimers();
  });

  it('starts over an empty table: adds the virtual, checks at once, adds the reals that pass', async () => {
    const d = make(await parse(BASE));
    await d.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
    expect(log.messages()).toContain('Added virtual server: 10.0.0.1:80');
  });

  it('restarting over healthy reals changes nothing in the table', async () => {
    const cfg = await parse(BASE);
    const first = make(cfg);
    await first.start();
    await vi.advanceTimersByTimeAsync(100);
    // A daemon killed without cleanup leaves its table behind; a new one starts over it.
    daemon = undefined;
    const before = JSON.stringify(table(await backend.dump()));
    backend.ops.length = 0;
    log.lines.length = 0;
    const second = make(cfg);
    await second.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(backend.ops).toEqual([]);
    expect(JSON.stringify(table(await backend.dump()))).toBe(before);
    expect(log.messages()).toEqual([]);
  });

  it('restarting while the fallback is in (every real down) leaves the fallback in: no flap', async () => {
    const cfg = await parse(BASE);
    answers = { '10.0.0.2': false, '10.0.0.3': false };
    const first = make(cfg);
    await first.start();
    await settle();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 0, '10.0.0.3:80': 0, '127.0.0.1:80': 1 } });
    daemon = undefined; // killed: its table stays
    backend.ops.length = 0;
    log.lines.length = 0;
    const second = make(cfg);
    await second.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(backend.ops).toEqual([]);
    expect(log.messages()).toEqual([]);
  });

  it('quiesces a real after failurecount failures, brings the fallback in when none is left, and out again', async () => {
    const d = make(await parse(BASE));
    await d.start();
    await settle();
    log.lines.length = 0;
    answers['10.0.0.3'] = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(log.messages()).toEqual([
      'Soft failure real server: 10.0.0.3:80 (tcp:10.0.0.1:80) failure 1/2',
      'Quiescent real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 0)',
    ]);
    answers['10.0.0.2'] = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 0, '10.0.0.3:80': 0, '127.0.0.1:80': 1 } });
    expect(shell).toEqual(['/usr/local/bin/sorry start 10.0.0.1:80 tcp']);
    answers['10.0.0.3'] = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 0, '10.0.0.3:80': 1 } });
    expect(shell).toEqual(['/usr/local/bin/sorry start 10.0.0.1:80 tcp', '/usr/local/bin/sorry stop 10.0.0.1:80 tcp']);
  });

  it('takes a hanging real out within checkinterval x failurecount + checktimeout', async () => {
    // The fake checker honours the deadline like a real one: a hung real fails when it fires.
    const hanging = new Set<string>();
    const slowRunCheck = (spec: CheckSpec, signal: AbortSignal): Promise<CheckResult> => {
      const address = 'target' in spec ? spec.target.address : '?';
      if (!hanging.has(address)) return runCheck(spec);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, reason: 'timeout', detail: 'deadline', durationMs: 1000 })));
    };
    daemon = new Daemon(await parse(BASE), {
      backend, clock: systemClock, log, runCheck: slowRunCheck, hostname: 'director', pid: 4242,
      shell: async () => ({ code: 0 }),
    });
    await daemon.start();
    await settle();
    const t0 = Date.now();
    hanging.add('10.0.0.3');
    const weight = async (): Promise<number | undefined> =>
      (await backend.dump()).get('tcp 10.0.0.1:80' as never)?.dests.get('10.0.0.3:80' as never)?.weight;
    while ((await weight()) !== 0 && Date.now() - t0 < 10_000) await vi.advanceTimersByTimeAsync(10);
    // checkinterval=1 s, failurecount=2, checktimeout=1 s (+ the 50 ms reconcile coalescing).
    expect(Date.now() - t0).toBeLessThanOrEqual(1_000 * 2 + 1_000 + 50);
    expect(log.messages().at(-1)).toBe('Quiescent real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 0)');
  });

  it('checks a real shared by two virtuals once per interval and counts each failure once', async () => {
    const cfg = await parse(`checkinterval=1
failurecount=3

virtual=10.0.0.1:80
	real=10.0.0.2:80 masq
	checktype=connect
virtual=10.0.0.9:80
	real=10.0.0.2:80 masq
	checktype=connect
`);
    const d = make(cfg);
    await d.start();
    await settle();
    probes.length = 0;
    log.lines.length = 0;
    answers['10.0.0.2'] = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(probes).toEqual(['10.0.0.2', '10.0.0.2']);
    expect(log.messages()).toEqual([
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 1/3',
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.9:80) failure 1/3',
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.1:80) failure 2/3',
      'Soft failure real server: 10.0.0.2:80 (tcp:10.0.0.9:80) failure 2/3',
    ]);
  });

  it('reload touches only what changed and keeps health for unchanged checks', async () => {
    const d = make(await parse(BASE));
    await d.start();
    await settle();
    answers['10.0.0.3'] = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log.messages().at(-1)).toBe('Soft failure real server: 10.0.0.3:80 (tcp:10.0.0.1:80) failure 1/2');
    backend.ops.length = 0;
    log.lines.length = 0;
    await d.reload(await parse(BASE.replace('real=10.0.0.2:80 gate 2', 'real=10.0.0.2:80 gate 5')));
    expect(backend.ops.map((o) => o.op)).toEqual(['edit-dest']);
    expect(log.messages()).toEqual(['Restored real server: 10.0.0.2:80 (10.0.0.1:80) (Weight set to 5)']);
    // The soft failure carried over: one more failure takes 10.0.0.3 out.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log.messages().at(-1)).toBe('Quiescent real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 0)');
  });

  it('a reload that drops a virtual purges it when maxpurge allows, and leaves the others alone', async () => {
    const two = `${BASE}
virtual=10.0.0.5:80
	real=10.0.0.6:80 masq
	checktype=connect
`;
    const d = make(await parse(two));
    await d.start();
    await vi.advanceTimersByTimeAsync(100);
    backend.ops.length = 0;
    log.lines.length = 0;
    await d.reload(await parse(BASE));
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
    expect(log.messages()).toEqual(['Purged virtual server (start): 10.0.0.5:80']);
  });

  it('stop removes cleanstop=yes virtuals and leaves cleanstop=no ones as they are', async () => {
    const cfg = await parse(`checkinterval=1

virtual=10.0.0.1:80
	real=10.0.0.2:80 masq
	checktype=connect
virtual=10.0.0.5:80
	real=10.0.0.6:80 masq
	checktype=connect
	cleanstop=no
`);
    const d = make(cfg);
    await d.start();
    await vi.advanceTimersByTimeAsync(100);
    await d.stop();
    daemon = undefined;
    expect(table(await backend.dump())).toEqual({ 'tcp 10.0.0.5:80': { '10.0.0.6:80': 1 } });
    expect(log.messages().at(-1)).toBe('Purged virtual server (stop): 10.0.0.1:80');
  });

  it('writes a monitorfile line for every check in ldirectord\'s format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldng-mon-'));
    const d = make(await parse(`${BASE}\tmonitorfile="${dir}/mon.log"\n`));
    await d.start();
    await settle();
    await vi.advanceTimersByTimeAsync(2_000);
    const lines = readFileSync(join(dir, 'mon.log'), 'utf8').trim().split('\n');
    // The first check at start, maybe one grid tick before 1.5 s, then exactly two more each.
    expect(lines.filter((l) => l.includes(' 10.0.0.2 ')).length).toBeGreaterThanOrEqual(3);
    // An empty receive leaves ldirectord's trailing ':' as a space before the state.
    expect(lines[0]).toMatch(/^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] \[4242\] connect tcp 10\.0\.0\.[23] 80 [12] gate \/  \[up\] connected$/);
  });

  it('repairs drift: an operator\'s ipvsadm -C is undone on the next resync', async () => {
    const d = make(await parse(BASE), { resyncMs: 10_000 });
    await d.start();
    await vi.advanceTimersByTimeAsync(100);
    const before = table(await backend.dump());
    backend.clear();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(table(await backend.dump())).toEqual(before);
  });
});
