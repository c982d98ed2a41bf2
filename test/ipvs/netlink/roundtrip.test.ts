// Whatever we encode decodes back to the same typed value: the encoder and the decoder agree on
// every field for every kind of service and dest.
import { describe, expect, it } from 'vitest';
import { attrsByType, decodeDest, decodeService } from '../../../src/ipvs/netlink/codec.js';
import { CmdAttr } from '../../../src/ipvs/netlink/attrs.js';
import { opRequest } from '../../../src/ipvs/netlink/messages.js';
import type { IpvsDest, IpvsService, ServiceId } from '../../../src/ipvs/types.js';
import { canonicalIp } from '../../../src/util/ip.js';
import { SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3 } from '../../../src/ipvs/types.js';

const tcp4: ServiceId = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
const udp6: ServiceId = { kind: 'addr', family: 6, protocol: 'udp', address: '2001:db8::1', port: 53 };

const services: readonly IpvsService[] = [
  { id: tcp4, scheduler: 'wrr', flags: 0, timeoutSec: 0, netmask: '255.255.255.255' },
  { id: tcp4, scheduler: 'wlc', flags: SVC_F_PERSISTENT, timeoutSec: 300, netmask: '255.255.255.0' },
  { id: udp6, scheduler: 'rr', flags: SVC_F_ONEPACKET, timeoutSec: 0, netmask: 128 },
  { id: { kind: 'addr', family: 4, protocol: 'sctp', address: '192.0.2.7', port: 5060 }, scheduler: 'sh', flags: SVC_F_SCHED1 | SVC_F_SCHED2, timeoutSec: 0, netmask: '255.255.255.255' },
  { id: { kind: 'addr', family: 6, protocol: 'tcp', address: canonicalIp('::ffff:10.1.2.3') as string, port: 443 }, scheduler: 'mh', flags: SVC_F_SCHED3, timeoutSec: 0, netmask: 96 },
  { id: { kind: 'fwmark', family: 4, mark: 1 }, scheduler: 'lblcr', flags: SVC_F_PERSISTENT, timeoutSec: 3600, netmask: '255.255.0.0' },
  { id: { kind: 'fwmark', family: 6, mark: 0xffffffff }, scheduler: 'lc', flags: 0, timeoutSec: 0, netmask: 64 },
  { id: { ...tcp4, protocol: 'udp', port: 5060 }, scheduler: 'rr', flags: SVC_F_PERSISTENT, timeoutSec: 60, netmask: '255.255.255.255', pe: 'sip' },
  { id: { ...tcp4, port: 0 }, scheduler: 'abcdefghijklmno', flags: 0, timeoutSec: 0, netmask: '0.0.0.0' },
];

const dests: readonly [ServiceId, IpvsDest][] = [
  [tcp4, { family: 4, address: '10.0.0.2', port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 }],
  [tcp4, { family: 4, address: '10.0.0.3', port: 8080, forward: 'masq', weight: 0, upperThreshold: 1000, lowerThreshold: 800 }],
  [tcp4, { family: 4, address: '127.0.0.1', port: 80, forward: 'local', weight: 65535, upperThreshold: 0, lowerThreshold: 0 }],
  [tcp4, { family: 6, address: 'fd00::2', port: 80, forward: 'tunnel', weight: 3, upperThreshold: 0, lowerThreshold: 0 }],
  [tcp4, { family: 4, address: '10.0.0.4', port: 80, forward: 'bypass', weight: 2_147_483_647, upperThreshold: 0xffffffff, lowerThreshold: 1 }],
  [udp6, { family: 6, address: '2001:db8::a:b', port: 53, forward: 'masq', weight: 10, upperThreshold: 0, lowerThreshold: 0 }],
  [{ kind: 'fwmark', family: 6, mark: 9 }, { family: 6, address: '2001:db8:1::1', port: 0, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 }],
];

describe('encode → decode round trip', () => {
  it.each(services.map((s) => [JSON.stringify(s), s] as const))('service %s', (_name, service) => {
    const top = attrsByType(Buffer.concat(opRequest({ op: 'add-service', service }).attrs));
    expect(decodeService(top.get(CmdAttr.SERVICE) as Buffer)).toEqual(service);
  });

  it.each(dests.map(([id, d]) => [`${JSON.stringify(d)} in ${JSON.stringify(id)}`, id, d] as const))('dest %s', (_name, id, dest) => {
    const top = attrsByType(Buffer.concat(opRequest({ op: 'add-dest', id, dest }).attrs));
    expect(decodeDest(top.get(CmdAttr.DEST) as Buffer, id.family)).toEqual({
      dest,
      stats: { activeConns: 0, inactiveConns: 0, persistConns: 0 },
    });
  });
});

