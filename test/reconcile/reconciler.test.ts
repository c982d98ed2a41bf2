import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/model.js';
import { computeDesired } from '../../src/desired/compute.js';
import { EMPTY_DESIRED, type DesiredTable } from '../../src/desired/types.js';
import { MemoryIpvsBackend } from '../../src/ipvs/memory-backend.js';
import { destKey, serviceKey, type IpvsTable } from '../../src/ipvs/types.js';
import { MemoryLog } from '../../src/observe/log.js';
import { Reconciler, type PassReport } from '../../src/reconcile/reconciler.js';
import { systemClock } from '../../src/util/clock.js';
import { config, fallback, health, real, virtual } from '../desired/build.js';

const web = virtual('tcp 10.0.0.1:80', {
  quiescent: true,
  reals: [real('10.0.0.2', 80, 'gate', 2), real('10.0.0.3', 80, 'gate', 1)],
  fallback: fallback('127.0.0.1', 80),
});

function weights(table: IpvsTable): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [k, e] of table) out[k] = Object.fromEntries([...e.dests].map(([d, v]) => [d, v.weight]));
  return out;
}

describe('Reconciler (memory backend, fake timers)', () => {
  let backend: MemoryIpvsBackend;
  let log: MemoryLog;
  let cfg: Config;
  let states: Record<string, 'up' | 'down' | 'unknown'>;
  let passes: PassReport[];
  let rec: Reconciler;

  function make(options: Partial<ConstructorParameters<typeof Reconciler>[0]> = {}): Reconciler {
    return new Reconciler({
      backend,
      clock: systemClock,
      log,
      desired: () => computeDesired(cfg, health(states)),
      maxPurgePercent: () => cfg.globals.maxPurgePercent,
      onPass: (p) => passes.push(p),
      ...options,
    });
  }

  beforeEach(() => {
    vi.useFakeTimers();
    backend = new MemoryIpvsBackend();
    log = new MemoryLog();
    cfg = config([web]);
    states = { '10.0.0.2:80': 'up', '10.0.0.3:80': 'up' };
    passes = [];
    rec = make();
  });
  afterEach(async () => {
    await rec.stop();
    vi.useRealTimers();
  });

  it('programs an empty table and logs ldirectord lines for each op that succeeded', async () => {
    await rec.runPass();
    expect(weights(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
    expect(log.messages()).toEqual([
      'Added virtual server: 10.0.0.1:80',
      'Added real server: 10.0.0.2:80 (10.0.0.1:80) (Weight set to 2)',
      'Added real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 1)',
    ]);
  });

  it('does nothing at all when the table already matches (restart over healthy reals)', async () => {
    await rec.runPass();
    backend.ops.length = 0;
    log.lines.length = 0;
    const report = await rec.runPass();
    expect(report.applied).toEqual([]);
    expect(backend.ops).toEqual([]);
    expect(log.messages()).toEqual([]);
  });

  it('coalesces a burst of triggers into one pass after coalesceMs', async () => {
    await rec.runPass();
    passes.length = 0;
    for (let i = 0; i < 5; i++) rec.trigger();
    await vi.advanceTimersByTimeAsync(49);
    expect(passes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toHaveLength(1);
  });

  it('a trigger that arrives during runPass (a check result while start programs the table) gets its own pass', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const dump = backend.dump.bind(backend);
    backend.dump = async () => { await gate; return dump(); };
    const first = rec.runPass();
    states = { '10.0.0.2:80': 'up', '10.0.0.3:80': 'down' };
    rec.trigger();
    release();
    await first;
    expect(passes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(passes).toHaveLength(2);
    expect(weights(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 0 } });
  });

  it('quiesces the last real only after the fallback is in, and swaps back on recovery', async () => {
    await rec.runPass();
    log.lines.length = 0;
    states = { '10.0.0.2:80': 'down', '10.0.0.3:80': 'down' };
    await rec.runPass();
    expect(log.messages()).toEqual([
      'Added fallback server: 127.0.0.1:80 (10.0.0.1:80) (Weight set to 1)',
      'Quiescent real server: 10.0.0.2:80 (10.0.0.1:80) (Weight set to 0)',
      'Quiescent real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 0)',
    ]);
    log.lines.length = 0;
    states = { '10.0.0.2:80': 'up', '10.0.0.3:80': 'down' };
    await rec.runPass();
    expect(log.messages()).toEqual([
      'Restored real server: 10.0.0.2:80 (10.0.0.1:80) (Weight set to 2)',
      'Deleted fallback server: 127.0.0.1:80 (10.0.0.1:80)',
    ]);
  });

  it('repairs drift on the periodic resync: an edited weight, a deleted dest, a cleared table', async () => {
    rec = make({ resyncMs: 30_000 });
    rec.start();
    await rec.runPass();
    const id = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
    await backend.apply({ op: 'edit-dest', id, dest: { family: 4, address: '10.0.0.2', port: 80, forward: 'route', weight: 9, upperThreshold: 0, lowerThreshold: 0 } });
    await backend.apply({ op: 'del-dest', id, dest: { family: 4, address: '10.0.0.3', port: 80 } });
    log.lines.length = 0;
    await vi.advanceTimersByTimeAsync(30_000 + 50);
    expect(weights(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
    expect(log.messages()).toEqual([
      'Added real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 1)',
      'Restored real server: 10.0.0.2:80 (10.0.0.1:80) (Weight set to 2)',
    ]);
    backend.clear();
    await vi.advanceTimersByTimeAsync(30_000 + 50);
    expect(weights(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
  });

  it('logs a failed op, keeps going, and retries with doubling backoff until it succeeds', async () => {
    rec = make({ backoffMs: 1000, maxBackoffMs: 4000 });
    backend.failNext('add-service', 'ENOMEM');
    await rec.runPass();
    const errors = log.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors[0]).toMatch(/^Failed: Added virtual server: 10\.0\.0\.1:80: .*ENOMEM/);
    expect(passes.at(-1)?.failed.length).toBeGreaterThan(0);
    const before = passes.length;
    await vi.advanceTimersByTimeAsync(999);
    expect(passes.length).toBe(before);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes.length).toBe(before + 1);
    expect(weights(await backend.dump())).toEqual({ 'tcp 10.0.0.1:80': { '10.0.0.2:80': 2, '10.0.0.3:80': 1 } });
    expect(rec.counters().opsFailed).toBeGreaterThan(0);
  });

  it('backs off 1 s, 2 s, 4 s, 4 s while the table cannot be read', async () => {
    rec = make({ backoffMs: 1000, maxBackoffMs: 4000 });
    for (let i = 0; i < 4; i++) backend.failNextDump('EPERM');
    await rec.runPass();
    const times: number[] = [];
    const t0 = Date.now();
    for (const step of [1000, 2000, 4000, 4000]) {
      const n = passes.length;
      await vi.advanceTimersByTimeAsync(step - 1);
      expect(passes.length).toBe(n);
      await vi.advanceTimersByTimeAsync(1);
      expect(passes.length).toBe(n + 1);
      times.push(Date.now() - t0);
    }
    expect(times).toEqual([1000, 3000, 7000, 11000]);
    expect(passes.at(-1)?.dumpError).toBeUndefined();
  });

  it('refuses to purge most of the managed table when the config stops naming it, and says so once', async () => {
    await rec.runPass();
    rec.own([serviceKey(computeDesired(cfg, health(states)).services.get('tcp 10.0.0.1:80' as never)!.service.id)]);
    cfg = config([]);
    log.lines.length = 0;
    await rec.runPass();
    await rec.runPass();
    expect(weights(await backend.dump())).toHaveProperty(['tcp 10.0.0.1:80']);
    const errors = log.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Refusing to purge 3 of 3 managed IPVS entries \(100% > maxpurge=50%\).*Purged virtual server \(start\): 10\.0\.0\.1:80/);
    cfg = config([], { maxPurgePercent: 100 });
    await rec.runPass();
    expect(weights(await backend.dump())).toEqual({});
    expect(log.messages().at(-1)).toBe('Purged virtual server (start): 10.0.0.1:80');
  });

  it('still applies health deletes while a purge is held back', async () => {
    const other = virtual('tcp 10.0.0.9:80', { reals: ['10.0.0.10', '10.0.0.11', '10.0.0.12'].map((a) => real(a, 80, 'gate')) });
    cfg = config([web, other]);
    await rec.runPass();
    rec.own(computeDesired(cfg, health(states)).services.keys());
    cfg = config([virtual('tcp 10.0.0.1:80', { ...web, quiescent: false })]);
    states = { '10.0.0.2:80': 'down', '10.0.0.3:80': 'up' };
    await rec.runPass();
    const table = await backend.dump();
    expect(table.has('tcp 10.0.0.9:80' as never)).toBe(true);
    expect([...table.get('tcp 10.0.0.1:80' as never)!.dests.keys()]).toEqual([destKey({ address: '10.0.0.3', port: 80 })]);
  });

  it('stop() runs a final pass with phase stop against the given desired table', async () => {
    await rec.runPass();
    log.lines.length = 0;
    const final: () => DesiredTable = () => EMPTY_DESIRED;
    rec.own(computeDesired(cfg, health(states)).services.keys());
    const report = await rec.stop(final);
    expect(report?.phase).toBe('stop');
    expect(log.messages()).toEqual(['Purged virtual server (stop): 10.0.0.1:80']);
    expect(weights(await backend.dump())).toEqual({});
    rec.trigger();
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes.at(-1)?.phase).toBe('stop');
  });
});
