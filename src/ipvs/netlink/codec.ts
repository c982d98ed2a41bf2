/**
 * Encode and decode the nested SERVICE and DEST attributes. The quirks behind every choice are
 * documented once, in `attrs.ts`. Encoders write into a netlink `AttrStream`; decoders take the
 * payload of a nested attribute and return our typed values.
 */
import { endianness } from 'node:os';
import { AttrStream, parseAttributes, putU16, putU16be, putU32 } from 'netlink';
import type { Family } from '../../util/ip.js';
import { bytesToIp, ipFamily, ipToBytes } from '../../util/ip.js';
import { IpvsError } from '../ipvs-error.js';
import type { DestStats, ForwardMethod, IpvsDest, IpvsProtocol, IpvsService, ServiceId } from '../types.js';
import { SVC_F_HASHED } from '../types.js';
import {
  AF_INET,
  AF_INET6,
  DestAttr,
  FLAGS_MASK_ALL,
  FORWARD_NUMBER,
  FWD_MASK,
  NAME_MAX,
  PROTOCOL_NUMBER,
  SvcAttr,
} from './attrs.js';

/** The fields that identify a dest inside its service (what DEL_DEST needs). */
export type DestIdentity = Pick<IpvsDest, 'family' | 'address' | 'port'>;

/** A dest as decoded from a dump, with the counters the kernel reports beside it. */
export interface DecodedDest {
  readonly dest: IpvsDest;
  readonly stats: DestStats;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Writes the identity of a service: AF, then FWMARK or PROTOCOL + ADDR + PORT. */
export function putServiceIdentity(out: AttrStream, id: ServiceId): void {
  out.push(SvcAttr.AF, putU16(afOf(id.family)));
  if (id.kind === 'fwmark') {
    out.push(SvcAttr.FWMARK, putU32(checkU32(id.mark, 'fwmark')));
    return;
  }
  out.push(SvcAttr.PROTOCOL, putU16(PROTOCOL_NUMBER[id.protocol]));
  out.push(SvcAttr.ADDR, addrBytes(id.address, id.family));
  out.push(SvcAttr.PORT, putU16be(checkPort(id.port)));
}

/** Writes a whole service as NEW_SERVICE and SET_SERVICE need it (the kernel requires all of it). */
export function putServiceFull(out: AttrStream, service: IpvsService): void {
  putServiceIdentity(out, service.id);
  out.push(SvcAttr.SCHED_NAME, nameBytes(service.scheduler, 'scheduler'));
  if (service.pe !== undefined && service.pe !== '') out.push(SvcAttr.PE_NAME, nameBytes(service.pe, 'persistence engine'));
  const flags = (checkU32(service.flags, 'flags') & ~SVC_F_HASHED) >>> 0;
  out.push(SvcAttr.FLAGS, [putU32(flags), putU32(FLAGS_MASK_ALL)]);
  out.push(SvcAttr.TIMEOUT, putU32(checkU32(service.timeoutSec, 'timeout')));
  out.push(SvcAttr.NETMASK, netmaskBytes(service.netmask, service.id.family));
}

/** Writes what names a dest inside its service: ADDR, PORT and ADDR_FAMILY (all DEL_DEST needs). */
export function putDestIdentity(out: AttrStream, dest: DestIdentity): void {
  out.push(DestAttr.ADDR, addrBytes(dest.address, dest.family));
  out.push(DestAttr.PORT, putU16be(checkPort(dest.port)));
  out.push(DestAttr.ADDR_FAMILY, putU16(afOf(dest.family)));
}

/** Writes a whole dest as NEW_DEST and SET_DEST need it (the kernel requires all of it). */
export function putDestFull(out: AttrStream, dest: IpvsDest): void {
  putDestIdentity(out, dest);
  out.push(DestAttr.FWD_METHOD, putU32(FORWARD_NUMBER[dest.forward]));
  out.push(DestAttr.WEIGHT, putU32(checkU32(dest.weight, 'weight')));
  out.push(DestAttr.U_THRESH, putU32(checkU32(dest.upperThreshold, 'upper threshold')));
  out.push(DestAttr.L_THRESH, putU32(checkU32(dest.lowerThreshold, 'lower threshold')));
}

function afOf(family: Family): number {
  return family === 6 ? AF_INET6 : AF_INET;
}

/** The 16-byte `nf_inet_addr` of an address, after checking it is of the declared family. */
function addrBytes(address: string, family: Family): Buffer {
  if (ipFamily(address) !== family) throw new TypeError(`not an IPv${family} address: ${address}`);
  const out = Buffer.alloc(16);
  ipToBytes(address).copy(out);
  return out;
}

function netmaskBytes(netmask: string | number, family: Family): Buffer {
  if (family === 6) {
    const prefix = typeof netmask === 'number' ? netmask : /^\d+$/.test(netmask) ? Number(netmask) : NaN;
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) throw new TypeError(`IPv6 netmask must be a prefix length 1..128, not ${netmask}`);
    return putU32(prefix);
  }
  if (typeof netmask === 'number') {
    if (!Number.isInteger(netmask) || netmask < 0 || netmask > 32) throw new TypeError(`IPv4 prefix length out of range: ${netmask}`);
    const mask = Buffer.alloc(4);
    mask.writeUInt32BE(netmask === 0 ? 0 : (0xffffffff << (32 - netmask)) >>> 0);
    return mask;
  }
  if (ipFamily(netmask) !== 4) throw new TypeError(`IPv4 netmask must be a dotted quad, not ${netmask}`);
  return ipToBytes(netmask);
}

function nameBytes(name: string, what: string): Buffer {
  if (name.length === 0 || name.length > NAME_MAX || !/^[\x21-\x7e]+$/.test(name)) {
    throw new TypeError(`${what} name must be 1..${NAME_MAX} printable characters: ${JSON.stringify(name)}`);
  }
  return Buffer.from(`${name}\0`, 'latin1');
}

function checkU32(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${what} out of range: ${n}`);
  return n;
}

function checkPort(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new TypeError(`port out of range: ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** "Host order" attributes follow the CPU, as the library's put* helpers on the encoding side do. */
const HOST_IS_LE = endianness() === 'LE';

/** Attributes of one nesting level by type (numeric order is not guaranteed; last one wins). */
export function attrsByType(payload: Buffer): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  try {
    parseAttributes(payload, (a) => map.set(a.type, a.data));
  } catch (err) {
    throw malformed(err instanceof Error ? err.message.toLowerCase() : String(err));
  }
  return map;
}

/** Decodes the payload of a SERVICE attribute. Throws IpvsError (errno 0) on a malformed one. */
export function decodeService(payload: Buffer): IpvsService {
  const a = attrsByType(payload);
  const family = familyOf(u16(a, SvcAttr.AF, 'service AF'), 'service');
  const mark = a.has(SvcAttr.FWMARK) ? u32(a, SvcAttr.FWMARK, 'FWMARK') : 0;
  let id: ServiceId;
  if (mark !== 0) {
    id = { kind: 'fwmark', family, mark };
  } else {
    const protocol = protocolOf(u16(a, SvcAttr.PROTOCOL, 'PROTOCOL'));
    const address = addrOf(need(a, SvcAttr.ADDR, 'service ADDR'), family);
    const port = need(a, SvcAttr.PORT, 'service PORT', 2).readUInt16BE(0);
    id = { kind: 'addr', family, protocol, address, port };
  }
  const flags = (readU32(need(a, SvcAttr.FLAGS, 'FLAGS', 8)) & ~SVC_F_HASHED) >>> 0;
  const maskBuf = need(a, SvcAttr.NETMASK, 'NETMASK', 4);
  const netmask = family === 4 ? bytesToIp(maskBuf, 4) : readU32(maskBuf);
  const pe = a.has(SvcAttr.PE_NAME) ? cString(a.get(SvcAttr.PE_NAME) as Buffer) : '';
  return {
    id,
    scheduler: cString(need(a, SvcAttr.SCHED_NAME, 'SCHED_NAME')),
    flags,
    timeoutSec: u32(a, SvcAttr.TIMEOUT, 'TIMEOUT'),
    netmask,
    ...(pe === '' ? {} : { pe }),
  };
}

/**
 * Decodes the payload of a DEST attribute. `serviceFamily` stands in for ADDR_FAMILY, which
 * kernels before 3.18 do not send. Throws IpvsError (errno 0) on a malformed one.
 */
export function decodeDest(payload: Buffer, serviceFamily: Family): DecodedDest {
  const a = attrsByType(payload);
  const af = a.has(DestAttr.ADDR_FAMILY) ? u16(a, DestAttr.ADDR_FAMILY, 'ADDR_FAMILY') : 0;
  const family = af === 0 ? serviceFamily : familyOf(af, 'dest');
  const dest: IpvsDest = {
    family,
    address: addrOf(need(a, DestAttr.ADDR, 'dest ADDR'), family),
    port: need(a, DestAttr.PORT, 'dest PORT', 2).readUInt16BE(0),
    forward: forwardOf(u32(a, DestAttr.FWD_METHOD, 'FWD_METHOD') & FWD_MASK),
    weight: u32(a, DestAttr.WEIGHT, 'WEIGHT'),
    upperThreshold: u32(a, DestAttr.U_THRESH, 'U_THRESH'),
    lowerThreshold: u32(a, DestAttr.L_THRESH, 'L_THRESH'),
  };
  const optional = (type: number, name: string): number => (a.has(type) ? u32(a, type, name) : 0);
  return {
    dest,
    stats: {
      activeConns: optional(DestAttr.ACTIVE_CONNS, 'ACTIVE_CONNS'),
      inactiveConns: optional(DestAttr.INACT_CONNS, 'INACT_CONNS'),
      persistConns: optional(DestAttr.PERSIST_CONNS, 'PERSIST_CONNS'),
    },
  };
}

function malformed(what: string): IpvsError {
  return new IpvsError(undefined, 0, '', `IPVS reply malformed: ${what}`);
}

function need(a: Map<number, Buffer>, type: number, name: string, minLength = 1): Buffer {
  const buf = a.get(type);
  if (buf === undefined) throw malformed(`${name} missing`);
  if (buf.length < minLength) throw malformed(`${name} is ${buf.length} bytes, expected at least ${minLength}`);
  return buf;
}

function u16(a: Map<number, Buffer>, type: number, name: string): number {
  const buf = need(a, type, name, 2);
  return HOST_IS_LE ? buf.readUInt16LE(0) : buf.readUInt16BE(0);
}

function u32(a: Map<number, Buffer>, type: number, name: string): number {
  return readU32(need(a, type, name, 4));
}

function readU32(buf: Buffer): number {
  return HOST_IS_LE ? buf.readUInt32LE(0) : buf.readUInt32BE(0);
}

function familyOf(af: number, what: string): Family {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw malformed(`${what} address family ${af} is neither AF_INET nor AF_INET6`);
}

function protocolOf(n: number): IpvsProtocol {
  for (const [name, value] of Object.entries(PROTOCOL_NUMBER)) if (value === n) return name as IpvsProtocol;
  throw malformed(`service protocol ${n} is not tcp, udp or sctp`);
}

function forwardOf(n: number): ForwardMethod {
  for (const [name, value] of Object.entries(FORWARD_NUMBER)) if (value === n) return name as ForwardMethod;
  throw malformed(`forwarding method ${n} is unknown`);
}

function addrOf(buf: Buffer, family: Family): string {
  const size = family === 4 ? 4 : 16;
  if (buf.length < size) throw malformed(`address is ${buf.length} bytes, expected ${size}`);
  return bytesToIp(buf.subarray(0, size), family);
}

/** Text up to the first NUL; the kernel always terminates, but a missing NUL is not fatal. */
function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('latin1', 0, end < 0 ? buf.length : end);
}
