// Kernel replies, byte by byte, back to typed values. The first two messages have the shape of the
// ones captured from a 6.1 kernel (reference stack.md §1.6): attribute order as the kernel writes
// it (not numeric), STATS and STATS64 nested, TUN_* attributes we do not model.
import { parseGenlHeader, parseMessages } from 'netlink';
import { describe, expect, it } from 'vitest';
import { IpvsError } from '../../../src/ipvs/ipvs-error.js';
import { decodeDestReply, decodeInfoReply, decodeServiceReply } from '../../../src/ipvs/netlink/messages.js';
import { hex } from './hex.js';

/** nlmsghdr + genl header around a payload, as the kernel sends it (pid = our port). */
function kernelMessage(payload: Buffer, cmd: number, flags: number, seq = 9): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(20 + payload.length, 0);
  head.writeUInt16LE(32, 4);
  head.writeUInt16LE(flags, 6);
  head.writeUInt32LE(seq, 8);
  head.writeUInt32LE(0x1234, 12);
  head.writeUInt8(cmd, 16);
  head.writeUInt8(1, 17);
  return Buffer.concat([head, payload]);
}

/** Splits kernel bytes back into [cmd, payload] pairs the way the socket layer does. */
function genlPayloads(bytes: Buffer): { cmd: number; flags: number; payload: Buffer }[] {
  return parseMessages(bytes).map((m) => {
    const { x, consumed } = parseGenlHeader(m.data);
    return { cmd: x.cmd, flags: m.flags, payload: m.data.subarray(consumed) };
  });
}

const STATS = `
  5c000a00                                  # STATS, len 92
    08000100 0a000000                       # CONNS 10
    08000200 e8030000                       # INPKTS 1000
    08000300 00000000                       # OUTPKTS
    0c000400 00a0860100000000               # INBYTES u64
    0c000500 0000000000000000               # OUTBYTES u64
    08000600 01000000  08000700 02000000  08000800 00000000  08000900 10000000  08000a00 00000000
`;
const STATS64 = `
  7c000c00                                  # STATS64, len 124: ten u64
    0c000100 0a00000000000000  0c000200 e803000000000000  0c000300 0000000000000000
    0c000400 00a0860100000000  0c000500 0000000000000000  0c000600 0100000000000000
    0c000700 0200000000000000  0c000800 0000000000000000  0c000900 1000000000000000
    0c000a00 0000000000000000
`;

describe('decoding kernel replies', () => {
  it('GET_SERVICE reply: TCP 192.168.1.10:80 wrr persistent 300, HASHED masked off, stats skipped', () => {
    const bytes = kernelMessage(hex(`
      2c010100                              # SERVICE, len 300
        06000100 0200 0000                  # AF 2
        06000200 0600 0000                  # PROTOCOL 6
        14000300 c0a8010a 00×12             # ADDR (16 bytes)
        06000400 0050 0000                  # PORT 80
        08000600 77727200                   # "wrr\\0"
        0c000700 03000000 ffffffff          # FLAGS PERSISTENT|HASHED, mask ~0
        08000800 2c010000                   # TIMEOUT 300
        08000900 ffffffff                   # NETMASK
        ${STATS}
        ${STATS64}
    `), 1, 0);
    expect(bytes.length).toBe(320);
    const [reply] = genlPayloads(bytes);
    expect(reply?.cmd).toBe(1);
    expect(decodeServiceReply(reply?.payload as Buffer)).toEqual({
      id: { kind: 'addr', family: 4, protocol: 'tcp', address: '192.168.1.10', port: 80 },
      scheduler: 'wrr',
      flags: 1,
      timeoutSec: 300,
      netmask: '255.255.255.255',
    });
  });

  it('dests dump message: 10.0.0.3:8080 masq weight 5, thresholds 100/10, connection counters, TUN_* ignored', () => {
    const bytes = kernelMessage(hex(`
      50010200                              # DEST, len 336
        14000100 0a000003 00×12             # ADDR 10.0.0.3
        06000200 1f90 0000                  # PORT 8080
        08000300 00000000                   # FWD_METHOD 0 (masq)
        08000400 05000000                   # WEIGHT 5
        05000d00 00 000000                  # TUN_TYPE (u8) 0
        06000e00 0000 0000                  # TUN_PORT 0
        06000f00 0000 0000                  # TUN_FLAGS 0
        08000500 64000000                   # U_THRESH 100
        08000600 0a000000                   # L_THRESH 10
        08000700 03000000                   # ACTIVE_CONNS 3
        08000800 07000000                   # INACT_CONNS 7
        08000900 02000000                   # PERSIST_CONNS 2
        06000b00 0200 0000                  # ADDR_FAMILY 2
        ${STATS}
        ${STATS64}
    `), 5, 2);
    const [part] = genlPayloads(bytes);
    expect(part?.cmd).toBe(5);
    expect(part?.flags).toBe(2);
    expect(decodeDestReply(part?.payload as Buffer, 4)).toEqual({
      dest: { family: 4, address: '10.0.0.3', port: 8080, forward: 'masq', weight: 5, upperThreshold: 100, lowerThreshold: 10 },
      stats: { activeConns: 3, inactiveConns: 7, persistConns: 2 },
    });
  });

  it('IPv6 service: address from 16 bytes, netmask as a prefix length', () => {
    const service = decodeServiceReply(hex(`
      5c000100
        06000100 0a00 0000
        06000200 1100 0000                  # UDP
        14000300 20010db8 00000000 00000000 00000053
        06000400 0035 0000                  # PORT 53
        07000600 736800 00                  # "sh\\0"
        0c000700 1a000000 ffffffff          # HASHED|SCHED1|SCHED2
        08000800 00000000
        08000900 40000000                   # prefix 64
        08000b00 73697000                   # PE_NAME "sip\\0"
    `));
    expect(service).toEqual({
      id: { kind: 'addr', family: 6, protocol: 'udp', address: '2001:db8::53', port: 53 },
      scheduler: 'sh',
      flags: 0x18,
      timeoutSec: 0,
      netmask: 64,
      pe: 'sip',
    });
  });

  it('fwmark services (IPv4 and IPv6) carry no protocol, address or port', () => {
    const fwm = (af: string, mask: string): Buffer => hex(`
      38000100
        06000100 ${af} 0000
        08000500 07000000                   # FWMARK 7
        07000600 6c6300 00                  # "lc\\0"
        0c000700 02000000 ffffffff          # HASHED only
        08000800 00000000
        08000900 ${mask}
    `);
    expect(decodeServiceReply(fwm('0200', 'ffffffff'))).toEqual({
      id: { kind: 'fwmark', family: 4, mark: 7 }, scheduler: 'lc', flags: 0, timeoutSec: 0, netmask: '255.255.255.255',
    });
    expect(decodeServiceReply(fwm('0a00', '80000000'))).toEqual({
      id: { kind: 'fwmark', family: 6, mark: 7 }, scheduler: 'lc', flags: 0, timeoutSec: 0, netmask: 128,
    });
  });

  it('IPv6 dest without counters; attributes in any order; unknown attribute types skipped', () => {
    const decoded = decodeDestReply(hex(`
      50000200
        08006300 deadbeef                   # type 99: not ours
        06000b00 0a00 0000                  # ADDR_FAMILY first
        08000600 00000000
        08000500 00000000
        08000400 00000000                   # WEIGHT 0 (quiescent)
        08000300 03000000                   # route
        06000200 01bb 0000                  # PORT 443
        14000100 20010db8 00000000 00000000 00000010
    `), 6);
    expect(decoded).toEqual({
      dest: { family: 6, address: '2001:db8::10', port: 443, forward: 'route', weight: 0, upperThreshold: 0, lowerThreshold: 0 },
      stats: { activeConns: 0, inactiveConns: 0, persistConns: 0 },
    });
  });

  it('a dest without ADDR_FAMILY (kernels before 3.18) takes the service family', () => {
    const decoded = decodeDestReply(hex(`
      40000200
        14000100 0a000009 00×12
        06000200 0050 0000
        08000300 02000000                   # tunnel
        08000400 01000000
        08000500 00000000
        08000600 00000000
    `), 4);
    expect(decoded.dest).toEqual({ family: 4, address: '10.0.0.9', port: 80, forward: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0 });
  });

  it('GET_INFO reply: version code 0x010201 is 1.2.1', () => {
    const [reply] = genlPayloads(kernelMessage(hex('08000100 01020100 08000200 00100000'), 14, 0));
    expect(reply?.cmd).toBe(14);
    expect(decodeInfoReply(reply?.payload as Buffer)).toEqual({ version: '1.2.1', connTableSize: 4096 });
  });

  it.each([
    ['a protocol we do not model (ESP)', () => decodeServiceReply(hex('1c000100 06000100 0200 0000 06000200 3200 0000 08000500 00000000'))],
    ['a service without AF', () => decodeServiceReply(hex('0c000100 08000500 07000000'))],
    ['a reply without SERVICE', () => decodeServiceReply(hex('08000200 00000000'))],
    ['a forwarding method above bypass', () => decodeDestReply(hex(`
      40000200 14000100 0a000009 00×12 06000200 0050 0000 08000300 05000000
      08000400 01000000 08000500 00000000 08000600 00000000`), 4)],
    ['a dest without WEIGHT', () => decodeDestReply(hex('1e000200 14000100 0a000009 00×12 06000200 0050 0000'), 4)],
    ['an attribute longer than its buffer', () => decodeServiceReply(hex('10000100 0c000100 0200 0000'))],
    ['GET_INFO without VERSION', () => decodeInfoReply(hex('08000200 00100000'))],
  ])('rejects %s with an IpvsError (errno 0)', (_what, decode) => {
    expect(decode).toThrow(IpvsError);
    try {
      decode();
    } catch (err) {
      expect((err as IpvsError).errno).toBe(0);
      expect((err as IpvsError).message).toMatch(/^IPVS reply malformed: /);
    }
  });
});
