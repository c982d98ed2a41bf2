import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../src/desired/compute.js';
import type { DesiredTable } from '../../src/desired/types.js';
import type { HealthState } from '../../src/health/health-state.js';
import { MemoryIpvsBackend } from '../../src/ipvs/memory-backend.js';
import { classifyPurge, exceedsPurgeLimit, plan } from '../../src/ipvs/plan.js';
import {
  destKey,
  serviceKey,
  type ForwardMethod,
  type IpvsDest,
  type IpvsOp,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsTable,
  type ServiceKey,
} from '../../src/ipvs/types.js';
import type { Virtual } from '../../src/config/model.js';
import { config, endpointOf, fallback, health, real, virtual } from '../desired/build.js';

// ---- compact table and op notation -------------------------------------------------------------

function service(spec: string, extra: Partial<IpvsService> = {}): IpvsService {
  const { endpoint, family } = endpointOf(spec);
  const id =
    endpoint.kind === 'fwmark'
      ? ({ kind: 'fwmark', family, mark: endpoint.mark } as const)
      : ({ kind: 'addr', family, protocol: endpoint.protocol, address: endpoint.address, port: endpoint.port } as const);
  return { id, scheduler: 'wrr', flags: 0, timeoutSec: 0, netmask: family === 4 ? '255.255.255.255' : 128, ...extra };
}

/** `10.0.0.2:80 route 1` or `10.0.0.2:80 route 1 x50 y5`. */
function dest(spec: string): IpvsDest {
  const [hp = '', forward = 'masq', weight = '1', x = 'x0', y = 'y0'] = spec.split(' ');
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hp);
  const address = m?.[1] ?? '';
  return {
    family: address.includes(':') ? 6 : 4,
    address,
    port: Number(m?.[2]),
    forward: forward as ForwardMethod,
    weight: Number(weight),
    upperThreshold: Number(x.slice(1)),
    lowerThreshold: Number(y.slice(1)),
  };
}

function table(...entries: [IpvsService, string[]][]): IpvsTable {
  const t = new Map<ServiceKey, IpvsServiceEntry>();
  for (const [svc, dests] of entries) {
    t.set(serviceKey(svc.id), { service: svc, dests: new Map(dests.map((d) => dest(d)).map((d) => [destKey(d), d] as const)) });
  }
  return t;
}

function opText(op: IpvsOp): string {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return `${op.op} ${serviceKey(op.service.id)} ${op.service.scheduler}`;
    case 'del-service':
      return `${op.op} ${serviceKey(op.id)}`;
    case 'add-dest':
    case 'edit-dest': {
      const d = op.dest;
      return `${op.op} ${serviceKey(op.id)} ${destKey(d)} ${d.forward} ${d.weight}${d.upperThreshold || d.lowerThreshold ? ` x${d.upperThreshold} y${d.lowerThreshold}` : ''}`;
    }
    case 'del-dest':
      return `${op.op} ${serviceKey(op.id)} ${destKey(op.dest)}`;
  }
}

/** What the kernel would hold if every desired dest (if-present ones too) were in. */
function asTable(desired: DesiredTable): IpvsTable {
  const t = new Map<ServiceKey, IpvsServiceEntry>();
  for (const [key, svc] of desired.services) {
    t.set(key, { service: svc.service, dests: new Map([...svc.dests].map(([k, d]) => [k, d.dest] as const)) });
  }
  return t;
}

function desiredOf(virtuals: Virtual[], states: Record<string, HealthState> = {}, readdquiescent = false): DesiredTable {
  return computeDesired(config(virtuals, { readdquiescent }), health(states));
}

function ownedOf(...specs: string[]): ReadonlySet<ServiceKey> {
  return new Set(specs.map((s) => serviceKey(service(s).id)));
}

// ---- the scenario ------------------------------------------------------------------------------

const VIP = 'tcp 127.0.0.100:80';
const FB = fallback('127.0.0.1', 18089, 'masq');
const REALS = [real('127.0.0.1', 18081), real('127.0.0.1', 18082, 'masq', 5)];
const web = (extra: Partial<Virtual> = {}): Virtual => virtual(VIP, { reals: REALS, fallback: FB, quiescent: true, ...extra });
const SVC = service(VIP);

interface Row {
  readonly name: string;
  readonly desired: DesiredTable;
  readonly actual: IpvsTable;
  readonly owned?: ReadonlySet<ServiceKey>;
  readonly ops: readonly string[];
}

const rows: Row[] = [
  {
    name: 'empty table at start, reals unknown and quiescent: added at weight 0, no fallback',
    desired: desiredOf([web()], { '127.0.0.1:18081': 'unknown', '127.0.0.1:18082': 'unknown' }),
    actual: table(),
    ops: [
      'add-service tcp 127.0.0.100:80 wrr',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 0',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 0',
    ],
  },
  {
    name: 'empty table at start, reals unknown and not quiescent: only the service',
    desired: desiredOf([web({ quiescent: false })], { '127.0.0.1:18081': 'unknown', '127.0.0.1:18082': 'unknown' }),
    actual: table(),
    ops: ['add-service tcp 127.0.0.100:80 wrr'],
  },
  {
    name: 'adopt: the table already matches',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18082 masq 5', '127.0.0.1:18081 masq 1']]),
    ops: [],
  },
  {
    name: 'quiesce: a real fails with quiescent=yes',
    desired: desiredOf([web()], { '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 0'],
  },
  {
    name: 'delete: a real fails with quiescent=no',
    desired: desiredOf([web({ quiescent: false })], { '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    ops: ['del-dest tcp 127.0.0.100:80 127.0.0.1:18082'],
  },
  {
    name: 'fallback in (quiescent): the fallback is added before the last real drops to 0',
    desired: desiredOf([web()], { '127.0.0.1:18081': 'down', '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 0', '127.0.0.1:18082 masq 5']]),
    ops: [
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18089 masq 1',
      'edit-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 0',
    ],
  },
  {
    name: 'fallback in (not quiescent): added before the last real is deleted',
    desired: desiredOf([web({ quiescent: false })], { '127.0.0.1:18081': 'down', '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18082 masq 5']]),
    ops: ['add-dest tcp 127.0.0.100:80 127.0.0.1:18089 masq 1', 'del-dest tcp 127.0.0.100:80 127.0.0.1:18082'],
  },
  {
    name: 'fallback out: the real is restored before the fallback is deleted',
    desired: desiredOf([web()], { '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 0', '127.0.0.1:18082 masq 0', '127.0.0.1:18089 masq 1']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 1', 'del-dest tcp 127.0.0.100:80 127.0.0.1:18089'],
  },
  {
    name: 'weight raises come before weight drops',
    desired: desiredOf([web()], { '127.0.0.1:18081': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 0']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5', 'edit-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 0'],
  },
  {
    name: 'a dest the kernel shows as Local is not drift',
    desired: desiredOf([virtual(VIP, { reals: [real('127.0.0.1', 80, 'gate', 2)] })]),
    actual: table([SVC, ['127.0.0.1:80 local 2']]),
    ops: [],
  },
  {
    name: 'a Local dest with the wrong weight is edited with the configured method',
    desired: desiredOf([virtual(VIP, { reals: [real('127.0.0.1', 80, 'gate', 2)] })]),
    actual: table([SVC, ['127.0.0.1:80 local 1']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:80 route 2'],
  },
  {
    name: 'gate real on another port: added under the virtual port',
    desired: desiredOf([virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate')] })]),
    actual: table([service('tcp 10.0.0.1:80'), []]),
    ops: ['add-dest tcp 10.0.0.1:80 10.0.0.2:80 route 1'],
  },
  {
    name: 'gate real on another port: already under the virtual port converges',
    desired: desiredOf([virtual('tcp 10.0.0.1:80', { reals: [real('10.0.0.2', 8080, 'gate')] })]),
    actual: table([service('tcp 10.0.0.1:80'), ['10.0.0.2:80 route 1']]),
    ops: [],
  },
  {
    name: 'readdquiescent=no: a quiesced real removed by hand stays removed',
    desired: desiredOf([web()], { '127.0.0.1:18082': 'down' }),
    actual: table([SVC, ['127.0.0.1:18081 masq 1']]),
    ops: [],
  },
  {
    name: 'readdquiescent=yes: a quiesced real removed by hand comes back at weight 0',
    desired: desiredOf([web()], { '127.0.0.1:18082': 'down' }, true),
    actual: table([SVC, ['127.0.0.1:18081 masq 1']]),
    ops: ['add-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 0'],
  },
  {
    name: 'drift: a weight edited by hand',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 9']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5'],
  },
  {
    name: 'drift: thresholds and forwarding edited by hand',
    desired: desiredOf([virtual(VIP, { reals: [real('127.0.0.1', 18081, 'masq', 1, { lower: 5, upper: 50 })] })]),
    actual: table([SVC, ['127.0.0.1:18081 tunnel 1']]),
    ops: ['edit-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 1 x50 y5'],
  },
  {
    name: 'drift: a dest deleted by hand',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1']]),
    ops: ['add-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5'],
  },
  {
    name: 'drift: a service deleted by hand',
    desired: desiredOf([web(), virtual('udp 127.0.0.100:53', { reals: [real('127.0.0.1', 5353)] })]),
    actual: table([service('udp 127.0.0.100:53'), ['127.0.0.1:5353 masq 1']]),
    ops: [
      'add-service tcp 127.0.0.100:80 wrr',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 1',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5',
    ],
  },
  {
    name: 'drift: ipvsadm -C cleared everything (quiesced reals come back only with readdquiescent)',
    desired: desiredOf([web(), virtual('fwm 5', { reals: [real('10.0.0.2', 0, 'gate')] })], { '127.0.0.1:18082': 'down' }),
    actual: table(),
    ops: [
      'add-service fwm 5 wrr',
      'add-service tcp 127.0.0.100:80 wrr',
      'add-dest fwm 5 10.0.0.2:0 route 1',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 1',
    ],
  },
  {
    name: 'a real the config no longer names is purged',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5', '127.0.0.1:18083 masq 1']]),
    ops: ['del-dest tcp 127.0.0.100:80 127.0.0.1:18083'],
  },
  {
    name: 'a virtual removed from the config is purged, with none of its dests one by one',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']], [service('tcp 127.0.0.101:80'), ['127.0.0.1:18089 masq 1']]),
    owned: ownedOf(VIP, 'tcp 127.0.0.101:80'),
    ops: ['del-service tcp 127.0.0.101:80'],
  },
  {
    name: 'a foreign service (keepalived, an admin) is never touched',
    desired: desiredOf([web()]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']], [service('tcp 10.9.9.9:443', { scheduler: 'rr' }), ['10.9.9.10:443 route 1']]),
    owned: ownedOf(VIP),
    ops: [],
  },
  {
    name: 'scheduler change: edit-service, dests untouched',
    desired: desiredOf([web({ scheduler: 'rr' })]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    ops: ['edit-service tcp 127.0.0.100:80 rr'],
  },
  {
    name: 'persistence added: edit-service',
    desired: desiredOf([web({ persistentSec: 300 })]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    ops: ['edit-service tcp 127.0.0.100:80 wrr'],
  },
  {
    name: 'the HASHED flag the kernel reports is not drift',
    desired: desiredOf([web()]),
    actual: table([service(VIP, { flags: 0x2 }), ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    ops: [],
  },
  {
    name: 'protocol change: the new service comes up before the old one goes',
    desired: desiredOf([virtual('udp 127.0.0.100:80', { reals: REALS })]),
    actual: table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5']]),
    owned: ownedOf(VIP, 'udp 127.0.0.100:80'),
    ops: [
      'add-service udp 127.0.0.100:80 wrr',
      'add-dest udp 127.0.0.100:80 127.0.0.1:18081 masq 1',
      'add-dest udp 127.0.0.100:80 127.0.0.1:18082 masq 5',
      'del-service tcp 127.0.0.100:80',
    ],
  },
  {
    name: 'every group in one plan, in order',
    desired: desiredOf(
      [web({ scheduler: 'wlc' }), virtual('tcp 127.0.0.102:80', { reals: [real('127.0.0.1', 18091)] })],
      { '127.0.0.1:18081': 'down' },
    ),
    actual: table(
      [SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 1', '127.0.0.1:18084 masq 1']],
      [service('tcp 127.0.0.101:80'), []],
    ),
    owned: ownedOf(VIP, 'tcp 127.0.0.101:80', 'tcp 127.0.0.102:80'),
    ops: [
      'add-service tcp 127.0.0.102:80 wrr',
      'edit-service tcp 127.0.0.100:80 wlc',
      'add-dest tcp 127.0.0.102:80 127.0.0.1:18091 masq 1',
      'edit-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5',
      'edit-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 0',
      'del-dest tcp 127.0.0.100:80 127.0.0.1:18084',
      'del-service tcp 127.0.0.101:80',
    ],
  },
];

describe('plan', () => {
  it.each(rows)('$name', ({ desired, actual, owned, ops }) => {
    expect(plan(desired, actual, owned ?? ownedOf(VIP)).map(opText)).toEqual(ops);
  });

  it('adopting any desired table plans nothing', () => {
    for (const row of rows) expect(plan(row.desired, asTable(row.desired), new Set()).map(opText)).toEqual([]);
  });

  it('is deterministic whatever the dump order', () => {
    const desired = desiredOf([web(), virtual('tcp 127.0.0.102:80', { reals: [real('127.0.0.1', 18091)] })]);
    const a = table([SVC, ['127.0.0.1:18083 masq 1', '127.0.0.1:18084 masq 1']], [service('tcp 127.0.0.103:80'), []], [service('tcp 127.0.0.101:80'), []]);
    const b = new Map([...a].reverse().map(([k, e]) => [k, { ...e, dests: new Map([...e.dests].reverse()) }] as const));
    const owned = ownedOf(VIP, 'tcp 127.0.0.101:80', 'tcp 127.0.0.103:80');
    expect(plan(desired, b, owned)).toEqual(plan(desired, a, owned));
    expect(plan(desired, a, owned).map(opText)).toEqual([
      'add-service tcp 127.0.0.102:80 wrr',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18081 masq 1',
      'add-dest tcp 127.0.0.100:80 127.0.0.1:18082 masq 5',
      'add-dest tcp 127.0.0.102:80 127.0.0.1:18091 masq 1',
      'del-dest tcp 127.0.0.100:80 127.0.0.1:18083',
      'del-dest tcp 127.0.0.100:80 127.0.0.1:18084',
      'del-service tcp 127.0.0.101:80',
      'del-service tcp 127.0.0.103:80',
    ]);
  });

  it('carries whole services and dests in its ops', () => {
    const desired = desiredOf([virtual('udp 10.0.0.1:53', { reals: [real('10.0.0.2', 53, 'gate', 2, { lower: 1, upper: 9 })], ops: true })]);
    const [addService, addDest] = plan(desired, table(), new Set());
    expect(addService).toEqual({ op: 'add-service', service: service('udp 10.0.0.1:53', { flags: 0x4 }) });
    expect(addDest).toEqual({ op: 'add-dest', id: service('udp 10.0.0.1:53').id, dest: dest('10.0.0.2:53 route 2 x9 y1') });
  });

  it('a plan applied to the in-memory kernel converges in one pass', async () => {
    const backend = new MemoryIpvsBackend({
      local: ['127.0.0.1'],
      table: table([service('tcp 127.0.0.101:80'), ['127.0.0.1:18089 masq 1']], [SVC, ['127.0.0.1:18083 masq 1']]),
    });
    const owned = ownedOf(VIP, 'tcp 127.0.0.101:80');
    const desired = desiredOf([web({ fallback: fallback('127.0.0.1', 8080) }), virtual('fwm 5', { reals: [real('10.0.0.2', 0, 'gate')] })], {
      '127.0.0.1:18082': 'down',
    });
    for (const op of plan(desired, await backend.dump(), owned)) await backend.apply(op);
    expect(plan(desired, await backend.dump(), owned)).toEqual([]);
    expect(backend.formatTable()).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  127.0.0.100:80 wrr',
        '  -> 127.0.0.1:18081              Local   1      0          0         ',
        'FWM  5 wrr',
        '  -> 10.0.0.2:0                   Route   1      0          0         ',
        '',
      ].join('\n'),
    );
  });
});

describe('classifyPurge', () => {
  const owned = ownedOf(VIP, 'tcp 127.0.0.101:80');
  const actual = table(
    [SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5', '127.0.0.1:18083 masq 1']],
    [service('tcp 127.0.0.101:80'), ['127.0.0.1:18089 masq 1', '127.0.0.1:18090 masq 1']],
    [service('tcp 10.9.9.9:443'), ['10.9.9.10:443 route 1']],
  );

  it('counts config purges (with the dests a deleted service takes) apart from health deletes', () => {
    const desired = desiredOf([web({ quiescent: false })], { '127.0.0.1:18082': 'down' });
    const ops = plan(desired, actual, owned);
    expect(ops.map(opText)).toEqual([
      'del-dest tcp 127.0.0.100:80 127.0.0.1:18082',
      'del-dest tcp 127.0.0.100:80 127.0.0.1:18083',
      'del-service tcp 127.0.0.101:80',
    ]);
    // Managed: 2 services + 5 dests; the foreign service is not counted.
    const summary = classifyPurge(ops, desired, actual, owned);
    expect(summary).toEqual({ configPurges: 4, healthDeletes: 1, managedSize: 7, purgePercent: (4 * 100) / 7 });
    expect(exceedsPurgeLimit(summary, 50)).toBe(true);
    expect(exceedsPurgeLimit(summary, 60)).toBe(false);
    expect(exceedsPurgeLimit(summary, 100)).toBe(false);
  });

  it('health deletes and the fallback going out never count as purges', () => {
    const desired = desiredOf([web({ quiescent: false })], { '127.0.0.1:18081': 'down' });
    const small = table([SVC, ['127.0.0.1:18081 masq 1', '127.0.0.1:18082 masq 5', '127.0.0.1:18089 masq 1']]);
    const ops = plan(desired, small, owned);
    expect(ops.map(opText)).toEqual(['del-dest tcp 127.0.0.100:80 127.0.0.1:18081', 'del-dest tcp 127.0.0.100:80 127.0.0.1:18089']);
    const summary = classifyPurge(ops, desired, small, owned);
    expect(summary).toEqual({ configPurges: 0, healthDeletes: 2, managedSize: 4, purgePercent: 0 });
    expect(exceedsPurgeLimit(summary, 0)).toBe(false);
  });

  it('an empty managed table purges nothing', () => {
    const desired = desiredOf([web()]);
    const summary = classifyPurge(plan(desired, table(), owned), desired, table(), owned);
    expect(summary).toEqual({ configPurges: 0, healthDeletes: 0, managedSize: 0, purgePercent: 0 });
  });

  it('an emptied config purges the whole managed table', () => {
    const desired = desiredOf([]);
    const ops = plan(desired, actual, owned);
    expect(ops.map(opText)).toEqual(['del-service tcp 127.0.0.100:80', 'del-service tcp 127.0.0.101:80']);
    const summary = classifyPurge(ops, desired, actual, owned);
    expect(summary.purgePercent).toBe(100);
    expect(exceedsPurgeLimit(summary, 99)).toBe(true);
    expect(exceedsPurgeLimit(summary, 100)).toBe(false);
  });
});
