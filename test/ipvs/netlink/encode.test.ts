// Golden bytes for every IPVS request we send. The NEW_DEST message and the NEW_SERVICE SERVICE
// attribute are the ones reference stack.md §1.6 shows a real 6.1 kernel accepting.
import { describe, expect, it } from 'vitest';
import type { IpvsDest, IpvsOp, IpvsService, ServiceId } from '../../../src/ipvs/types.js';
import { SVC_F_HASHED, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2 } from '../../../src/ipvs/types.js';
import { frameGenlRequest } from '../../../src/ipvs/netlink/genl-socket.js';
import type { IpvsRequest } from '../../../src/ipvs/netlink/messages.js';
import {
  dumpDestsRequest,
  dumpServicesRequest,
  getInfoRequest,
  getServiceRequest,
  opRequest,
  toGenlRequest,
} from '../../../src/ipvs/netlink/messages.js';
import { hex, toHex } from './hex.js';

const FAMILY = 32;
const frame = (req: IpvsRequest, seq = 7): string => toHex(frameGenlRequest(toGenlRequest(req, FAMILY), seq));
const frameOp = (op: IpvsOp): string => frame(opRequest(op));
/** The attributes after nlmsghdr + genl header. */
const attrsOf = (op: IpvsOp): string => frameOp(op).slice(40);

const vip: ServiceId = { kind: 'addr', family: 4, protocol: 'tcp', address: '192.168.1.10', port: 80 };
const wrrPersistent: IpvsService = { id: vip, scheduler: 'wrr', flags: SVC_F_PERSISTENT, timeoutSec: 300, netmask: '255.255.255.255' };
const gate: IpvsDest = { family: 4, address: '10.0.0.2', port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 };

const SERVICE_IDENTITY_V4 = `
  2e000100                       # SERVICE, len 46 (last child unpadded)
    06000100 0200 0000           # AF 2
    06000200 0600 0000           # PROTOCOL 6
    14000300 c0a8010a 00×12      # ADDR 192.168.1.10
    06000400 0050                # PORT 80, be16; last child, unpadded
`;
/** The two zero bytes that align whatever follows the SERVICE identity. */
const PAD2 = '0000';

const NEW_SERVICE_ATTR = `
  54000100                       # SERVICE, len 84
    06000100 0200 0000           # AF 2
    06000200 0600 0000           # PROTOCOL 6
    14000300 c0a8010a 00×12      # ADDR
    06000400 0050 0000           # PORT 80
    08000600 77727200            # SCHED_NAME "wrr\\0"
    0c000700 01000000 ffffffff   # FLAGS {PERSISTENT, mask ~0}
    08000800 2c010000            # TIMEOUT 300
    08000900 ffffffff            # NETMASK 255.255.255.255
`;

describe('IPVS request encoding (golden bytes)', () => {
  it('NEW_DEST: the whole message a 6.1 kernel accepted', () => {
    const op: IpvsOp = { op: 'add-dest', id: vip, dest: gate };
    expect(frameOp(op)).toBe(toHex(hex(`
      8c000000 20000500 07000000 00000000   # len 140, type 32, REQUEST|ACK, seq 7, pid 0
      05010000                              # cmd 5 NEW_DEST, version 1
      ${SERVICE_IDENTITY_V4} ${PAD2}
      48000200                              # DEST, len 72
        14000100 0a000002 00×12             # ADDR 10.0.0.2
        06000200 0050 0000                  # PORT 80
        06000b00 0200 0000                  # ADDR_FAMILY 2
        08000300 03000000                   # FWD_METHOD 3 (route)
        08000400 01000000                   # WEIGHT 1
        08000500 00000000                   # U_THRESH 0
        08000600 00000000                   # L_THRESH 0
    `)));
  });

  it('NEW_SERVICE: the SERVICE attribute a 6.1 kernel accepted, behind a REQUEST|ACK header', () => {
    expect(frameOp({ op: 'add-service', service: wrrPersistent })).toBe(toHex(hex(`
      68000000 20000500 07000000 00000000   # len 104
      01010000                              # cmd 1 NEW_SERVICE
      ${NEW_SERVICE_ATTR}
    `)));
  });

  it('SET_SERVICE carries the same full service under cmd 2', () => {
    const bytes = frameOp({ op: 'edit-service', service: wrrPersistent });
    expect(bytes.slice(32, 40)).toBe('02010000');
    expect(bytes.slice(40)).toBe(toHex(hex(NEW_SERVICE_ATTR)));
  });

  it('DEL_SERVICE carries only the identity', () => {
    expect(frameOp({ op: 'del-service', id: vip })).toBe(toHex(hex(`
      42000000 20000500 07000000 00000000   # len 66
      03010000                              # cmd 3 DEL_SERVICE
      ${SERVICE_IDENTITY_V4}
    `)));
  });

  it('SET_DEST is NEW_DEST under cmd 6 (weight 0 = quiesce)', () => {
    const bytes = frameOp({ op: 'edit-dest', id: vip, dest: { ...gate, weight: 0 } });
    expect(bytes.slice(32, 40)).toBe('06010000');
    expect(bytes.slice(40)).toBe(toHex(hex(`
      ${SERVICE_IDENTITY_V4} ${PAD2}
      48000200
        14000100 0a000002 00×12
        06000200 0050 0000
        06000b00 0200 0000
        08000300 03000000
        08000400 00000000                   # WEIGHT 0
        08000500 00000000
        08000600 00000000
    `)));
  });

  it('DEL_DEST carries the service identity and the dest address, port and family only', () => {
    expect(frameOp({ op: 'del-dest', id: vip, dest: { family: 4, address: '10.0.0.2', port: 80 } })).toBe(toHex(hex(`
      6a000000 20000500 07000000 00000000   # len 106
      07010000                              # cmd 7 DEL_DEST
      ${SERVICE_IDENTITY_V4} ${PAD2}
      26000200                              # DEST, len 38
        14000100 0a000002 00×12
        06000200 0050 0000
        06000b00 0200                       # ADDR_FAMILY 2, last child, unpadded
    `)));
  });

  it('GET_SERVICE as a dump: REQUEST|ACK|DUMP and no attributes', () => {
    expect(frame(dumpServicesRequest(), 1)).toBe(toHex(hex('14000000 20000503 01000000 00000000 04010000')));
  });

  it('GET_SERVICE for one service (doit): the identity, no DUMP flag', () => {
    expect(frame(getServiceRequest(vip), 2)).toBe(toHex(hex(`
      42000000 20000500 02000000 00000000
      04010000
      ${SERVICE_IDENTITY_V4}
    `)));
  });

  it('GET_DEST is a dump of one service', () => {
    expect(frame(dumpDestsRequest(vip), 3)).toBe(toHex(hex(`
      42000000 20000503 03000000 00000000   # REQUEST|ACK|DUMP (0x305)
      08010000                              # cmd 8 GET_DEST
      ${SERVICE_IDENTITY_V4}
    `)));
  });

  it('GET_INFO: cmd 15, no attributes', () => {
    expect(frame(getInfoRequest(), 4)).toBe(toHex(hex('14000000 20000500 04000000 00000000 0f010000')));
  });
});

describe('IPVS attribute encoding', () => {
  const svc = (over: Partial<IpvsService>): IpvsService => ({ ...wrrPersistent, ...over });

  it('IPv6 UDP service: AF 10, 16 address bytes, be16 port, prefix length as a host u32', () => {
    const id: ServiceId = { kind: 'addr', family: 6, protocol: 'udp', address: '2001:db8::1', port: 53 };
    expect(attrsOf({ op: 'add-service', service: svc({ id, scheduler: 'rr', flags: 0, timeoutSec: 0, netmask: 128 }) })).toBe(toHex(hex(`
      54000100                              # SERVICE, len 84
        06000100 0a00 0000                  # AF 10
        06000200 1100 0000                  # PROTOCOL 17
        14000300 20010db8 00000000 00000000 00000001
        06000400 0035 0000                  # PORT 53
        07000600 727200 00                  # "rr\\0" (+1 pad)
        0c000700 00000000 ffffffff
        08000800 00000000
        08000900 80000000                   # NETMASK: prefix 128
    `)));
  });

  it('SCTP is protocol 132', () => {
    const id: ServiceId = { ...vip, protocol: 'sctp' };
    expect(attrsOf({ op: 'del-service', id })).toContain('060002008400');
  });

  it('fwmark service (IPv4): AF and FWMARK only, no protocol, address or port', () => {
    expect(attrsOf({ op: 'del-service', id: { kind: 'fwmark', family: 4, mark: 5 } })).toBe(toHex(hex(`
      14000100
        06000100 0200 0000
        08000500 05000000                   # FWMARK 5, host order
    `)));
  });

  it('fwmark service (IPv6): AF 10 and an IPv6 prefix netmask', () => {
    const id: ServiceId = { kind: 'fwmark', family: 6, mark: 0x1234 };
    expect(attrsOf({ op: 'add-service', service: svc({ id, scheduler: 'sh', flags: 0, timeoutSec: 0, netmask: 64 }) })).toBe(toHex(hex(`
      38000100
        06000100 0a00 0000
        08000500 34120000
        07000600 736800 00                  # "sh\\0"
        0c000700 00000000 ffffffff
        08000800 00000000
        08000900 40000000                   # prefix 64
    `)));
  });

  it('flags: one-packet and scheduler flags are written with mask ~0; a HASHED bit given to us is dropped', () => {
    const flags = SVC_F_ONEPACKET | SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_HASHED;
    expect(attrsOf({ op: 'add-service', service: svc({ flags, timeoutSec: 0 }) })).toContain('0c0007001c000000ffffffff');
  });

  it('IPv4 netmask: the mask in network order, from a dotted quad or a prefix length', () => {
    expect(attrsOf({ op: 'add-service', service: svc({ netmask: '255.255.255.0' }) })).toContain('08000900ffffff00');
    expect(attrsOf({ op: 'add-service', service: svc({ netmask: 24 }) })).toContain('08000900ffffff00');
    expect(attrsOf({ op: 'add-service', service: svc({ netmask: 0 }) })).toContain('0800090000000000');
  });

  it('persistence engine: PE_NAME after SCHED_NAME', () => {
    expect(attrsOf({ op: 'add-service', service: svc({ pe: 'sip' }) })).toContain(toHex(hex('08000600 77727200 08000b00 73697000')));
  });

  it.each([
    ['masq', '00'],
    ['local', '01'],
    ['tunnel', '02'],
    ['route', '03'],
    ['bypass', '04'],
  ] as const)('forwarding method %s is FWD_METHOD %s', (forward, value) => {
    expect(attrsOf({ op: 'add-dest', id: vip, dest: { ...gate, forward } })).toContain(`08000300${value}000000`);
  });

  it('weight and both thresholds are host-order u32', () => {
    const bytes = attrsOf({ op: 'add-dest', id: vip, dest: { ...gate, weight: 65535, upperThreshold: 100, lowerThreshold: 10 } });
    expect(bytes).toContain(toHex(hex('08000400 ffff0000 08000500 64000000 08000600 0a000000')));
  });

  it('an IPv6 tunnel dest in an IPv4 service carries its own ADDR_FAMILY', () => {
    const dest: IpvsDest = { ...gate, family: 6, address: 'fd00::2', forward: 'tunnel' };
    expect(attrsOf({ op: 'add-dest', id: vip, dest })).toContain(toHex(hex(`
      14000100 fd000000 00000000 00000000 00000002
      06000200 0050 0000
      06000b00 0a00 0000
      08000300 02000000
    `)));
  });

  it.each<[string, IpvsOp]>([
    ['a 16-character scheduler', { op: 'add-service', service: svc({ scheduler: 'abcdefghijklmnop' }) }],
    ['an empty scheduler', { op: 'add-service', service: svc({ scheduler: '' }) }],
    ['IPv6 prefix 0', { op: 'add-service', service: svc({ id: { kind: 'fwmark', family: 6, mark: 1 }, netmask: 0 }) }],
    ['IPv6 prefix 129', { op: 'add-service', service: svc({ id: { kind: 'fwmark', family: 6, mark: 1 }, netmask: 129 }) }],
    ['an IPv4 netmask that is no address', { op: 'add-service', service: svc({ netmask: 'garbage' }) }],
    ['an IPv6 address in an IPv4 service', { op: 'del-service', id: { ...vip, address: '::1' } }],
    ['port 65536', { op: 'del-service', id: { ...vip, port: 65536 } }],
    ['a negative weight', { op: 'add-dest', id: vip, dest: { ...gate, weight: -1 } }],
    ['a fractional threshold', { op: 'add-dest', id: vip, dest: { ...gate, upperThreshold: 1.5 } }],
  ])('refuses to encode %s', (_what, op) => {
    expect(() => opRequest(op)).toThrow(TypeError);
  });
});
