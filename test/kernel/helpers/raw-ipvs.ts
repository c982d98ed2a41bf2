/**
 * A deliberately tiny IPVS generic-netlink probe for kernel-fact tests: it sends exactly the
 * attributes a test names, with no normalisation (ipvsadm rewrites some fields before sending, see
 * docs/kernel-suite.md), and reads dests back as the kernel stores them. Independent of
 * src/ipvs/netlink on purpose, so the facts it pins down do not depend on the code under test.
 * IPv4 only; attribute numbers from stack.md §1.4/§1.5.
 */
import { isIPv4 } from 'node:net';
import { createGenericNetlink, genl } from 'netlink';
import type { GenericNetlinkSocket } from 'netlink';

const NLM_F_DUMP = 0x300;
const CMD = { NEW_SERVICE: 1, DEL_SERVICE: 3, NEW_DEST: 5, GET_DEST: 8 } as const;
const ATTR_SERVICE = 1;
const ATTR_DEST = 2;
const SVC = { AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9 } as const;
const DEST = { ADDR: 1, PORT: 2, FWD_METHOD: 3, WEIGHT: 4, U_THRESH: 5, L_THRESH: 6 } as const;

/** Kernel forwarding codes (`IP_VS_CONN_F_*`). */
export const FWD = { masq: 0, local: 1, tunnel: 2, route: 3 } as const;

/** A service identity: TCP address:port, or an IPv4 firewall mark. */
export type RawServiceId = { readonly tcp: string; readonly port: number } | { readonly fwmark: number };

/** One dest exactly as the kernel reports it. */
export interface RawDest {
  readonly address: string;
  readonly port: number;
  /** `IP_VS_CONN_F_FWD_MASK` bits of the dest's conn flags. */
  readonly fwd: number;
  readonly weight: number;
}

function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const head = Buffer.alloc(4);
  head.writeUInt16LE(len, 0);
  head.writeUInt16LE(type, 2);
  return Buffer.concat([head, payload, Buffer.alloc((4 - (len % 4)) % 4)]);
}
const u16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const be16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
function addr4(a: string): Buffer {
  if (!isIPv4(a)) throw new Error(`raw-ipvs: IPv4 only, got ${a}`);
  return Buffer.concat([Buffer.from(a.split('.').map(Number)), Buffer.alloc(12)]);
}

function serviceIdentity(id: RawServiceId): Buffer[] {
  if ('fwmark' in id) return [attr(SVC.AF, u16(2)), attr(SVC.FWMARK, u32(id.fwmark))];
  return [attr(SVC.AF, u16(2)), attr(SVC.PROTOCOL, u16(6)), attr(SVC.ADDR, addr4(id.tcp)), attr(SVC.PORT, be16(id.port))];
}

/** Walks a flat attribute buffer. */
function* attrs(buf: Buffer): Generator<[number, Buffer]> {
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4) break;
    yield [buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len)];
    off += (len + 3) & ~3;
  }
}

/** An open probe; call `close()` when done. */
export class RawIpvs {
  private constructor(
    private readonly sock: GenericNetlinkSocket,
    private readonly family: number,
  ) {}

  /** Resolves the IPVS family; rejects when the kernel has no IPVS. */
  static async open(): Promise<RawIpvs> {
    const sock = createGenericNetlink();
    const [fam] = await sock.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: 'IPVS' });
    if (fam?.familyId === undefined) throw new Error('raw-ipvs: no IPVS family');
    return new RawIpvs(sock, fam.familyId);
  }

  /** NEW_SERVICE with scheduler, no flags, timeout 0, netmask /32. */
  async addService(id: RawServiceId, scheduler: string): Promise<void> {
    const flags = Buffer.concat([u32(0), u32(0xffffffff)]);
    const svc = [
      ...serviceIdentity(id),
      attr(SVC.SCHED_NAME, Buffer.from(`${scheduler}\0`)),
      attr(SVC.FLAGS, flags),
      attr(SVC.TIMEOUT, u32(0)),
      attr(SVC.NETMASK, Buffer.from([255, 255, 255, 255])),
    ];
    await this.sock.request(this.family, CMD.NEW_SERVICE, 1, attr(ATTR_SERVICE, Buffer.concat(svc)));
  }

  /** NEW_DEST with exactly the given port and forwarding code. */
  async addDest(id: RawServiceId, d: RawDest): Promise<void> {
    const dest = [
      attr(DEST.ADDR, addr4(d.address)),
      attr(DEST.PORT, be16(d.port)),
      attr(DEST.FWD_METHOD, u32(d.fwd)),
      attr(DEST.WEIGHT, u32(d.weight)),
      attr(DEST.U_THRESH, u32(0)),
      attr(DEST.L_THRESH, u32(0)),
    ];
    const body = Buffer.concat([attr(ATTR_SERVICE, Buffer.concat(serviceIdentity(id))), attr(ATTR_DEST, Buffer.concat(dest))]);
    await this.sock.request(this.family, CMD.NEW_DEST, 1, body);
  }

  /** The service's dests as the kernel dumps them (newest first). */
  async dests(id: RawServiceId): Promise<RawDest[]> {
    const [msgs] = await this.sock.request(this.family, CMD.GET_DEST, 1, attr(ATTR_SERVICE, Buffer.concat(serviceIdentity(id))), { flags: NLM_F_DUMP });
    const out: RawDest[] = [];
    for (const m of msgs) {
      for (const [type, payload] of attrs(m.data)) {
        if (type !== ATTR_DEST) continue;
        let address = '';
        let port = -1;
        let fwd = -1;
        let weight = -1;
        for (const [t, v] of attrs(payload)) {
          if (t === DEST.ADDR) address = [...v.subarray(0, 4)].join('.');
          else if (t === DEST.PORT) port = v.readUInt16BE(0);
          else if (t === DEST.FWD_METHOD) fwd = v.readUInt32LE(0) & 0x7;
          else if (t === DEST.WEIGHT) weight = v.readInt32LE(0);
        }
        out.push({ address, port, fwd, weight });
      }
    }
    return out;
  }

  close(): void {
    this.sock.socket.close();
  }
}
