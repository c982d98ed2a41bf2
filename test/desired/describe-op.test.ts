import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../src/desired/compute.js';
import { describeOp, type OpPhase } from '../../src/desired/describe-op.js';
import { EMPTY_DESIRED, type DesiredTable } from '../../src/desired/types.js';
import type { HealthState } from '../../src/health/health-state.js';
import { MemoryIpvsBackend } from '../../src/ipvs/memory-backend.js';
import { plan } from '../../src/ipvs/plan.js';
import { serviceKey, type ServiceKey } from '../../src/ipvs/types.js';
import type { Virtual } from '../../src/config/model.js';
import { config, fallback, health, real, virtual } from './build.js';

/**
 * The verified ldirectord 4.12 lines of reference §1.4, §3.2, §3.3, §3.4 and §3.7 (timestamps
 * removed). Every line we produce for those scenarios must be one of these, character for
 * character, unless the test says why not.
 */
const REFERENCE = new Set([
  // §3.2
  'Added virtual server: 127.0.0.100:80',
  'Added fallback server: 127.0.0.1:18089 (127.0.0.100:80) (Weight set to 1)',
  'Added real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
  'Deleted fallback server: 127.0.0.1:18089 (127.0.0.100:80)',
  'Quiescent real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 0)',
  'Added real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 5)',
  'Quiescent real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 0)',
  'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
  'Restored real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 5)',
  // §3.7
  'Changed virtual server: 127.0.0.100:80',
  'Added virtual server: 127.0.0.101:80',
  'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 3)',
  'Purged real server (start): 127.0.0.1:18082 (127.0.0.100:80)',
  'Added fallback server: 127.0.0.1:18089 (127.0.0.101:80) (Weight set to 1)',
  'Added real server: 127.0.0.1:18083 (127.0.0.100:80) (Weight set to 1)',
  'Quiescent real server: 127.0.0.1:18083 (127.0.0.100:80) (Weight set to 0)',
  'Purged virtual server (start): 127.0.0.101:80',
  // §1.4
  'Deleted fallback server: 127.0.0.1:80 mapped from 127.0.0.1:8080 (127.0.0.100:80)',
]);

const VIP = 'tcp 127.0.0.100:80';
const FB = fallback('127.0.0.1', 18089, 'masq');
const t2 = (extra: Partial<Virtual> = {}): Virtual =>
  virtual(VIP, { reals: [real('127.0.0.1', 18081), real('127.0.0.1', 18082, 'masq', 5)], fallback: FB, quiescent: true, ...extra });

/**
 * Runs one reconcile against an in-memory kernel holding `kernel` and returns the lines the
 * reconciler would log, in op order.
 */
async function reconcile(
  kernel: MemoryIpvsBackend,
  desired: DesiredTable,
  owned: readonly string[] = [VIP],
  phase: OpPhase = 'start',
): Promise<string[]> {
  const ops = plan(desired, await kernel.dump(), new Set(owned as readonly ServiceKey[]));
  const lines: string[] = [];
  for (const op of ops) {
    await kernel.apply(op);
    lines.push(describeOp(op, desired, phase));
  }
  return lines;
}

function desiredOf(virtuals: Virtual[], states: Record<string, HealthState>, dflt: HealthState = 'up'): DesiredTable {
  return computeDesired(config(virtuals), health(states, dflt));
}

describe('describeOp: the reference runs, line for line', () => {
  it('§3.2 start (quiescent=yes): unchecked reals go in at weight 0, then their first passes restore them', async () => {
    const kernel = new MemoryIpvsBackend();
    const start = await reconcile(kernel, desiredOf([t2()], {}, 'unknown'));
    // ldirectord logs `Added … (Weight set to W)` then `Quiescent …` for each; we never add at full
    // weight, so the one op is its `-a … -w 0`, whose line is `Readd Quiescent` (which still
    // matches a grep for `Quiescent real server`).
    expect(start).toEqual([
      'Added virtual server: 127.0.0.100:80',
      'Readd Quiescent real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 0)',
      'Readd Quiescent real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 0)',
    ]);
    const up = await reconcile(kernel, desiredOf([t2()], {}));
    expect(up).toEqual([
      'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
      'Restored real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 5)',
    ]);
    for (const line of [start[0], ...up]) expect(REFERENCE).toContain(line);
  });

  it('§3.2 start (quiescent=no): reals go in when their first check passes', async () => {
    const kernel = new MemoryIpvsBackend();
    expect(await reconcile(kernel, desiredOf([t2({ quiescent: false })], {}, 'unknown'))).toEqual([
      'Added virtual server: 127.0.0.100:80',
    ]);
    const up = await reconcile(kernel, desiredOf([t2({ quiescent: false })], {}));
    expect(up).toEqual([
      'Added real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
      'Added real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 5)',
    ]);
    for (const line of up) expect(REFERENCE).toContain(line);
  });

  it('§3.3 a real fails, then the last one: quiesce, and the fallback goes in first', async () => {
    const kernel = new MemoryIpvsBackend();
    await reconcile(kernel, desiredOf([t2()], {}));
    const first = await reconcile(kernel, desiredOf([t2()], { '127.0.0.1:18081': 'down' }));
    expect(first).toEqual(['Quiescent real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 0)']);
    const last = await reconcile(kernel, desiredOf([t2()], {}, 'down'));
    // ldirectord quiesces, then adds the fallback; we add the fallback first so the virtual
    // never has no usable dest.
    expect(last).toEqual([
      'Added fallback server: 127.0.0.1:18089 (127.0.0.100:80) (Weight set to 1)',
      'Quiescent real server: 127.0.0.1:18082 (127.0.0.100:80) (Weight set to 0)',
    ]);
    for (const line of [...first, ...last]) expect(REFERENCE).toContain(line);
  });

  it('§3.4 a real recovers: restored, then the fallback deleted', async () => {
    const kernel = new MemoryIpvsBackend();
    await reconcile(kernel, desiredOf([t2()], {}));
    await reconcile(kernel, desiredOf([t2()], {}, 'down'));
    const lines = await reconcile(kernel, desiredOf([t2()], { '127.0.0.1:18081': 'up' }, 'down'));
    expect(lines).toEqual([
      'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
      'Deleted fallback server: 127.0.0.1:18089 (127.0.0.100:80)',
    ]);
    for (const line of lines) expect(REFERENCE).toContain(line);
  });

  it('§3.7 reload: scheduler changed, weight 1→3, one real removed, one added, one virtual added, then removed', async () => {
    const before = virtual(VIP, { reals: [real('127.0.0.1', 18081), real('127.0.0.1', 18082)], fallback: FB, quiescent: true });
    const kernel = new MemoryIpvsBackend();
    await reconcile(kernel, desiredOf([before], {}));

    const after = virtual(VIP, {
      reals: [real('127.0.0.1', 18081, 'masq', 3), real('127.0.0.1', 18083)],
      fallback: FB,
      quiescent: true,
      scheduler: 'rr',
    });
    const added = virtual('tcp 127.0.0.101:80', { fallback: FB });
    const reload = await reconcile(kernel, desiredOf([after, added], { '127.0.0.1:18083': 'unknown' }), [VIP, 'tcp 127.0.0.101:80']);
    expect(reload).toEqual([
      'Added virtual server: 127.0.0.101:80',
      'Changed virtual server: 127.0.0.100:80',
      // ldirectord: `Added real server: … (Weight set to 1)` then `Quiescent real server: …`.
      'Readd Quiescent real server: 127.0.0.1:18083 (127.0.0.100:80) (Weight set to 0)',
      'Added fallback server: 127.0.0.1:18089 (127.0.0.101:80) (Weight set to 1)',
      'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 3)',
      'Purged real server (start): 127.0.0.1:18082 (127.0.0.100:80)',
    ]);
    for (const line of reload.filter((l) => !l.startsWith('Readd'))) expect(REFERENCE).toContain(line);

    const removed = await reconcile(kernel, desiredOf([after], { '127.0.0.1:18083': 'unknown' }), [VIP, 'tcp 127.0.0.101:80']);
    expect(removed).toEqual(['Purged virtual server (start): 127.0.0.101:80']);
  });

  it('§1.4 a gate fallback remapped to the virtual port is deleted "mapped from" its configured port', async () => {
    const v = virtual(VIP, { reals: [real('127.0.0.1', 18081)], fallback: fallback('127.0.0.1', 8080), quiescent: true });
    const kernel = new MemoryIpvsBackend({ local: ['127.0.0.1'] });
    expect(await reconcile(kernel, desiredOf([v], {}, 'down'))).toEqual([
      'Added virtual server: 127.0.0.100:80',
      'Added fallback server: 127.0.0.1:8080 (127.0.0.100:80) (Weight set to 1)',
    ]);
    const lines = await reconcile(kernel, desiredOf([v], {}));
    expect(lines).toEqual([
      'Added real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 1)',
      'Deleted fallback server: 127.0.0.1:80 mapped from 127.0.0.1:8080 (127.0.0.100:80)',
    ]);
    expect(REFERENCE).toContain(lines[1]);
  });
});

describe('describeOp: each shape', () => {
  const gate = (quiescent: boolean): Virtual =>
    virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate'), real('10.0.0.3', 80, 'gate')], quiescent });

  it.each([
    ['quiesce a mapped real', true, 'Quiescent real server: 10.0.0.2:80 mapped from 10.0.0.2:8080 (10.0.0.1:80) (Weight set to 0)'],
    ['delete a mapped real', false, 'Deleted real server: 10.0.0.2:80 mapped from 10.0.0.2:8080 (10.0.0.1:80)'],
  ] as const)('%s', async (_name, quiescent, line) => {
    const kernel = new MemoryIpvsBackend();
    await reconcile(kernel, desiredOf([gate(quiescent)], {}), ['tcp 10.0.0.1:80']);
    expect(await reconcile(kernel, desiredOf([gate(quiescent)], { '10.0.0.2:8080': 'down' }), ['tcp 10.0.0.1:80'])).toEqual([line]);
  });

  it('adds and restores a mapped real under its configured address, as ldirectord does', async () => {
    const kernel = new MemoryIpvsBackend();
    expect(await reconcile(kernel, desiredOf([gate(true)], { '10.0.0.2:8080': 'down' }), ['tcp 10.0.0.1:80'])).toEqual([
      'Added virtual server: 10.0.0.1:80',
      'Added real server: 10.0.0.3:80 (10.0.0.1:80) (Weight set to 1)',
    ]);
    const withReadd = computeDesired(config([gate(true)], { readdquiescent: true }), health({ '10.0.0.2:8080': 'down' }));
    expect(await reconcile(kernel, withReadd, ['tcp 10.0.0.1:80'])).toEqual([
      'Readd Quiescent real server: 10.0.0.2:8080 (10.0.0.1:80) (Weight set to 0)',
    ]);
    expect(await reconcile(kernel, desiredOf([gate(true)], {}), ['tcp 10.0.0.1:80'])).toEqual([
      'Restored real server: 10.0.0.2:8080 (10.0.0.1:80) (Weight set to 1)',
    ]);
  });

  it('a real that is up with a configured weight of 0 is added and restored, never "Quiescent"', async () => {
    const v = (w: number): Virtual => virtual(VIP, { reals: [real('127.0.0.1', 18081, 'masq', w)], quiescent: true });
    const kernel = new MemoryIpvsBackend();
    expect(await reconcile(kernel, desiredOf([v(0)], {}))).toEqual([
      'Added virtual server: 127.0.0.100:80',
      'Added real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 0)',
    ]);
    await reconcile(kernel, desiredOf([v(2)], {}));
    expect(await reconcile(kernel, desiredOf([v(0)], {}))).toEqual([
      'Restored real server: 127.0.0.1:18081 (127.0.0.100:80) (Weight set to 0)',
    ]);
  });

  it('a fallback whose weight was edited by hand is restored', async () => {
    const kernel = new MemoryIpvsBackend();
    await reconcile(kernel, desiredOf([t2()], {}, 'down'));
    await kernel.apply({ op: 'edit-dest', id: computeId(VIP), dest: { family: 4, address: '127.0.0.1', port: 18089, forward: 'masq', weight: 7, upperThreshold: 0, lowerThreshold: 0 } });
    expect(await reconcile(kernel, desiredOf([t2()], {}, 'down'))).toEqual([
      'Restored fallback server: 127.0.0.1:18089 (127.0.0.100:80) (Weight set to 1)',
    ]);
  });

  it('IPv6 and fwmark labels', async () => {
    const kernel = new MemoryIpvsBackend();
    const v6 = virtual('tcp [2001:db8::1]:80', { reals: [real('2001:db8::2', 80, 'masq')] });
    const fwm = virtual('fwm 5', { reals: [real('10.0.0.2', 0, 'gate', 2)] });
    expect(await reconcile(kernel, desiredOf([v6, fwm], {}), [])).toEqual([
      'Added virtual server: 5',
      'Added virtual server: [2001:db8::1]:80',
      'Added real server: 10.0.0.2:0 (5) (Weight set to 2)',
      'Added real server: [2001:db8::2]:80 ([2001:db8::1]:80) (Weight set to 1)',
    ]);
    expect(await reconcile(kernel, EMPTY_DESIRED, ['fwm 5'], 'stop')).toEqual(['Purged virtual server (stop): 5']);
  });

  it('stop: services purged with the stop tag; reals under their configured address', async () => {
    const kernel = new MemoryIpvsBackend();
    const desired = desiredOf([t2()], {});
    await reconcile(kernel, desired);
    const id = computeId(VIP);
    const dest = { family: 4, address: '127.0.0.1', port: 18081 } as const;
    expect(describeOp({ op: 'del-dest', id, dest }, desired, 'stop')).toBe('Purged real server (stop): 127.0.0.1:18081 (127.0.0.100:80)');
    expect(describeOp({ op: 'del-dest', id, dest: { ...dest, port: 1 } }, desired, 'stop')).toBe(
      'Purged real server (stop): 127.0.0.1:1 (127.0.0.100:80)',
    );
    expect(await reconcile(kernel, EMPTY_DESIRED, [VIP], 'stop')).toEqual(['Purged virtual server (stop): 127.0.0.100:80']);
  });

  it('ops on services the desired table does not know still get a <vip>', () => {
    const id = { kind: 'addr', family: 6, protocol: 'udp', address: '2001:db8::1', port: 53 } as const;
    const dest = { family: 6, address: '2001:db8::2', port: 53, forward: 'route', weight: 4, upperThreshold: 0, lowerThreshold: 0 } as const;
    expect(describeOp({ op: 'del-service', id: { kind: 'fwmark', family: 6, mark: 9 } }, EMPTY_DESIRED)).toBe('Purged virtual server (start): 9');
    expect(describeOp({ op: 'add-dest', id, dest }, EMPTY_DESIRED)).toBe('Added real server: [2001:db8::2]:53 ([2001:db8::1]:53) (Weight set to 4)');
    expect(describeOp({ op: 'edit-dest', id, dest: { ...dest, weight: 0 } }, EMPTY_DESIRED)).toBe(
      'Quiescent real server: [2001:db8::2]:53 ([2001:db8::1]:53) (Weight set to 0)',
    );
    expect(describeOp({ op: 'del-dest', id, dest }, EMPTY_DESIRED)).toBe('Purged real server (start): [2001:db8::2]:53 ([2001:db8::1]:53)');
  });
});

function computeId(spec: string) {
  const desired = desiredOf([virtual(spec)], {});
  const [svc] = desired.services.values();
  if (!svc) throw new Error('no service');
  expect(serviceKey(svc.service.id)).toBe(spec);
  return svc.service.id;
}
