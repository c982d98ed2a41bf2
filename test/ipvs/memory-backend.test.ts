import { describe, expect, it } from 'vitest';
import { IpvsError } from '../../src/ipvs/ipvs-error.js';
import { MemoryIpvsBackend, formatIpvsTable } from '../../src/ipvs/memory-backend.js';
import {
  SVC_F_HASHED,
  SVC_F_ONEPACKET,
  SVC_F_PERSISTENT,
  SVC_F_SCHED1,
  SVC_F_SCHED2,
  SVC_F_SCHED3,
  sameDest,
  type DestKey,
  type IpvsDest,
  type IpvsOp,
  type IpvsService,
  type ServiceId,
  type ServiceKey,
} from '../../src/ipvs/types.js';

const TCP80: ServiceId = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
const svc = (id: ServiceId = TCP80, extra: Partial<IpvsService> = {}): IpvsService => ({
  id,
  scheduler: 'wrr',
  flags: 0,
  timeoutSec: 0,
  netmask: id.family === 4 ? '255.255.255.255' : 128,
  ...extra,
});
const dest = (address: string, port = 80, extra: Partial<IpvsDest> = {}): IpvsDest => ({
  family: address.includes(':') ? 6 : 4,
  address,
  port,
  forward: 'route',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<IpvsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IpvsError);
  return err as IpvsError;
}

async function withService(...dests: IpvsDest[]): Promise<MemoryIpvsBackend> {
  const b = new MemoryIpvsBackend();
  await b.apply({ op: 'add-service', service: svc() });
  for (const d of dests) await b.apply({ op: 'add-dest', id: TCP80, dest: d });
  return b;
}

describe('MemoryIpvsBackend: kernel semantics', () => {
  it('adds, edits and deletes services and dests', async () => {
    const b = await withService(dest('10.0.0.2'));
    await b.apply({ op: 'edit-service', service: svc(TCP80, { scheduler: 'rr' }) });
    await b.apply({ op: 'edit-dest', id: TCP80, dest: dest('10.0.0.2', 80, { weight: 0 }) });
    const t = await b.dump();
    expect(t.get('tcp 10.0.0.1:80' as ServiceKey)?.service.scheduler).toBe('rr');
    expect(t.get('tcp 10.0.0.1:80' as ServiceKey)?.dests.get('10.0.0.2:80' as DestKey)?.weight).toBe(0);
    await b.apply({ op: 'del-dest', id: TCP80, dest: dest('10.0.0.2') });
    expect((await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.dests.size).toBe(0);
  });

  it.each<[string, IpvsOp, string, number]>([
    ['add-dest on a missing service', { op: 'add-dest', id: TCP80, dest: dest('10.0.0.2') }, 'ESRCH', 3],
    ['edit-dest on a missing service', { op: 'edit-dest', id: TCP80, dest: dest('10.0.0.2') }, 'ESRCH', 3],
    ['edit-service on a missing service', { op: 'edit-service', service: svc() }, 'ESRCH', 3],
    ['add-service with an unknown scheduler', { op: 'add-service', service: svc(TCP80, { scheduler: 'nope' }) }, 'ENOENT', 2],
    ['add-service with an unknown persistence engine', { op: 'add-service', service: svc(TCP80, { pe: 'nope' }) }, 'ENOENT', 2],
    [
      'add-service IPv6 with netmask 0',
      { op: 'add-service', service: svc({ kind: 'addr', family: 6, protocol: 'tcp', address: '::1', port: 80 }, { netmask: 0 }) },
      'EINVAL',
      22,
    ],
  ])('%s → %s', async (_name, op, name, errno) => {
    const b = new MemoryIpvsBackend();
    const err = await rejection(b.apply(op));
    expect(err).toMatchObject({ errno, errnoName: name, op, code: 'LD_ERR_IPVS' });
    expect(b.ops).toEqual([]);
  });

  it.each<[string, Partial<IpvsDest>, string]>([
    ['a negative weight', { weight: -1 }, 'ERANGE'],
    ['a lower threshold above the upper', { lowerThreshold: 5, upperThreshold: 0 }, 'ERANGE'],
    ['an IPv6 dest in an IPv4 service without tunnel', { family: 6, address: '2001:db8::2' }, 'EINVAL'],
  ])('add-dest with %s → %s', async (_name, extra, name) => {
    const b = await withService();
    expect((await rejection(b.apply({ op: 'add-dest', id: TCP80, dest: dest('10.0.0.2', 80, extra) }))).errnoName).toBe(name);
  });

  it('accepts a mixed-family dest with tunnel forwarding', async () => {
    const b = await withService(dest('2001:db8::2', 80, { forward: 'tunnel' }));
    expect([...((await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.dests.keys() ?? [])]).toEqual(['[2001:db8::2]:80']);
  });

  it('edit-dest of a missing dest is ENOENT', async () => {
    const b = await withService();
    const err = await rejection(b.apply({ op: 'edit-dest', id: TCP80, dest: dest('10.0.0.2') }));
    expect(err.errnoName).toBe('ENOENT');
    expect(err.message).toBe('edit-dest 10.0.0.2:80 on tcp 10.0.0.1:80: No such destination (ENOENT)');
  });

  it('idempotent cases succeed and change nothing: EEXIST on add, ESRCH/ENOENT on delete', async () => {
    const b = await withService(dest('10.0.0.2'));
    const before = await b.dump();
    const ops: IpvsOp[] = [
      { op: 'add-service', service: svc(TCP80, { scheduler: 'rr' }) },
      { op: 'add-dest', id: TCP80, dest: dest('10.0.0.2', 80, { weight: 9 }) },
      { op: 'del-dest', id: TCP80, dest: dest('10.0.0.3') },
      { op: 'del-dest', id: { ...TCP80, port: 81 }, dest: dest('10.0.0.3') },
      { op: 'del-service', id: { ...TCP80, port: 81 } },
    ];
    for (const op of ops) await b.apply(op);
    expect(await b.dump()).toEqual(before);
    expect(b.ops.slice(2)).toEqual(ops);
  });

  it('deleting a service deletes its dests', async () => {
    const b = await withService(dest('10.0.0.2'), dest('10.0.0.3'));
    await b.apply({ op: 'del-service', id: TCP80 });
    await b.apply({ op: 'add-service', service: svc() });
    expect((await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.dests.size).toBe(0);
  });

  it('a dest on a local address reads back as local, which sameDest does not call drift', async () => {
    const b = new MemoryIpvsBackend({ local: ['127.0.0.1'] });
    await b.apply({ op: 'add-service', service: svc() });
    const want = dest('127.0.0.1', 80, { forward: 'route', weight: 2 });
    await b.apply({ op: 'add-dest', id: TCP80, dest: want });
    const have = (await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.dests.get('127.0.0.1:80' as DestKey);
    expect(have?.forward).toBe('local');
    expect(have && sameDest(want, have)).toBe(true);
    expect(have && sameDest({ ...want, weight: 3 }, have)).toBe(false);
  });

  it('dumps are deep copies, dests newest first, HASHED never shown, stats zero unless set', async () => {
    const b = await withService(dest('10.0.0.2'), dest('10.0.0.3'));
    await b.apply({ op: 'edit-service', service: svc(TCP80, { flags: SVC_F_HASHED | SVC_F_PERSISTENT, timeoutSec: 300 }) });
    b.setStats('tcp 10.0.0.1:80' as ServiceKey, '10.0.0.3:80' as DestKey, { activeConns: 4, inactiveConns: 2, persistConns: 1 });
    const first = await b.dump();
    const entry = first.get('tcp 10.0.0.1:80' as ServiceKey);
    expect([...(entry?.dests.keys() ?? [])]).toEqual(['10.0.0.3:80', '10.0.0.2:80']);
    expect(entry?.service.flags).toBe(SVC_F_PERSISTENT);
    expect(entry?.stats?.get('10.0.0.3:80' as DestKey)).toEqual({ activeConns: 4, inactiveConns: 2, persistConns: 1 });
    expect(entry?.stats?.get('10.0.0.2:80' as DestKey)).toEqual({ activeConns: 0, inactiveConns: 0, persistConns: 0 });
    // Mutating a dump must not reach the table.
    (entry?.dests as Map<DestKey, IpvsDest>).clear();
    ((entry?.service.id ?? {}) as { port: number }).port = 9;
    expect(await b.dump()).not.toBe(first);
    expect([...((await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.dests.keys() ?? [])]).toEqual(['10.0.0.3:80', '10.0.0.2:80']);
    expect((await b.dump()).get('tcp 10.0.0.1:80' as ServiceKey)?.service.id).toEqual(TCP80);
  });

  it('starts from a given table and clears like ipvsadm -C', async () => {
    const seeded = await (await withService(dest('10.0.0.2'))).dump();
    const b = new MemoryIpvsBackend({ table: seeded });
    expect(await b.dump()).toEqual(seeded);
    b.clear();
    expect((await b.dump()).size).toBe(0);
  });

  it('reports its version and refuses work once closed', async () => {
    const b = new MemoryIpvsBackend({ version: '1.2.0' });
    expect(await b.version()).toBe('1.2.0');
    await b.close();
    expect((await rejection(b.dump())).errnoName).toBe('EBADF');
    expect((await rejection(b.apply({ op: 'add-service', service: svc() }))).errnoName).toBe('EBADF');
  });
});

describe('MemoryIpvsBackend: fault injection and op log', () => {
  it('fails the next matching op once, by name or predicate, and logs only what succeeded', async () => {
    const b = await withService();
    b.failNext('add-dest', 'ENOMEM');
    b.failNext((op) => op.op === 'edit-dest' && op.dest.weight === 0, 16);
    const add: IpvsOp = { op: 'add-dest', id: TCP80, dest: dest('10.0.0.2') };
    const quiesce: IpvsOp = { op: 'edit-dest', id: TCP80, dest: dest('10.0.0.2', 80, { weight: 0 }) };

    const first = await rejection(b.apply(add));
    expect(first).toMatchObject({ errno: 12, errnoName: 'ENOMEM', op: add });
    expect(first.message).toBe('add-dest 10.0.0.2:80 on tcp 10.0.0.1:80: injected fault (ENOMEM)');
    await b.apply(add);
    expect((await rejection(b.apply(quiesce))).errnoName).toBe('EBUSY');
    await b.apply(quiesce);
    expect(b.ops.map((o) => o.op)).toEqual(['add-service', 'add-dest', 'edit-dest']);
  });

  it('fails the next dump once', async () => {
    const b = await withService();
    b.failNextDump('EBUSY');
    expect((await rejection(b.dump())).message).toBe('dump: dump failed (EBUSY)');
    expect((await b.dump()).size).toBe(1);
  });

  it('rejects an unknown errno name at once', () => {
    expect(() => new MemoryIpvsBackend().failNext('add-dest', 'EWHAT')).toThrow(TypeError);
  });
});

describe('formatIpvsTable', () => {
  it('prints ipvsadm -Ln: sorted services and dests, flags, forward words, counters', async () => {
    const b = new MemoryIpvsBackend({ local: ['10.0.0.1'] });
    const v6: ServiceId = { kind: 'addr', family: 6, protocol: 'tcp', address: '2001:db8::1', port: 443 };
    const udp: ServiceId = { kind: 'addr', family: 4, protocol: 'udp', address: '10.0.0.1', port: 53 };
    const ops: IpvsOp[] = [
      { op: 'add-service', service: svc({ kind: 'fwmark', family: 6, mark: 3 }, { scheduler: 'rr' }) },
      { op: 'add-service', service: svc({ kind: 'fwmark', family: 4, mark: 3 }, { scheduler: 'sh', flags: SVC_F_SCHED1 | SVC_F_SCHED2 }) },
      { op: 'add-service', service: svc(v6, { flags: SVC_F_PERSISTENT, timeoutSec: 60, netmask: 64 }) },
      { op: 'add-service', service: svc(udp, { flags: SVC_F_ONEPACKET | SVC_F_SCHED3 }) },
      { op: 'add-service', service: svc({ ...TCP80, address: '10.0.0.10' }, { flags: SVC_F_PERSISTENT, timeoutSec: 300 }) },
      { op: 'add-service', service: svc(TCP80, { flags: SVC_F_PERSISTENT, timeoutSec: 300, netmask: '255.255.255.0', pe: 'sip' }) },
      { op: 'add-dest', id: TCP80, dest: dest('10.0.0.10', 80, { weight: 5 }) },
      { op: 'add-dest', id: TCP80, dest: dest('10.0.0.9', 8080, { forward: 'masq', weight: 0 }) },
      { op: 'add-dest', id: TCP80, dest: dest('10.0.0.1', 80) },
      { op: 'add-dest', id: udp, dest: dest('10.0.0.2', 53, { forward: 'tunnel' }) },
      { op: 'add-dest', id: v6, dest: dest('2001:db8::2', 443) },
      { op: 'add-dest', id: { kind: 'fwmark', family: 4, mark: 3 }, dest: dest('10.0.0.2', 0) },
    ];
    for (const op of ops) await b.apply(op);
    b.setStats('tcp 10.0.0.1:80' as ServiceKey, '10.0.0.10:80' as DestKey, { activeConns: 12, inactiveConns: 345, persistConns: 0 });
    expect(b.formatTable().split('\n')).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.0.0.1:80 wrr persistent 300 mask 255.255.255.0 pe sip',
      '  -> 10.0.0.1:80                  Local   1      0          0         ',
      '  -> 10.0.0.9:8080                Masq    0      0          0         ',
      '  -> 10.0.0.10:80                 Route   5      12         345       ',
      'TCP  10.0.0.10:80 wrr persistent 300',
      'UDP  10.0.0.1:53 wrr (flag-3) ops',
      '  -> 10.0.0.2:53                  Tunnel  1      0          0         ',
      'TCP  [2001:db8::1]:443 wrr persistent 60 mask 64',
      '  -> [2001:db8::2]:443            Route   1      0          0         ',
      'FWM  3 sh (sh-fallback,sh-port)',
      '  -> 10.0.0.2:0                   Route   1      0          0         ',
      'FWM  3 IPv6 rr',
      '',
    ]);
  });

  it('prints an empty table as the three header lines', () => {
    expect(formatIpvsTable(new Map(), { version: '1.2.0', size: 1024 })).toBe(
      'IP Virtual Server version 1.2.0 (size=1024)\nProt LocalAddress:Port Scheduler Flags\n' +
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
    );
  });
});
