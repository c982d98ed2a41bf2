import { ENOENT } from './errno.js';
import type { GenlReply, GenlRequest, GenlTransport } from './genl-socket.js';

/**
 * A generic-netlink family addressed by name. Dynamic families get a new id when their module is
 * reloaded, and the kernel answers a request to a stale id with ENOENT, which is also what IPVS
 * itself answers for, say, a missing dest. So every ENOENT triggers one nlctrl lookup: if the id
 * has moved, the request is sent again to the new id; if not, the ENOENT was the real answer.
 */
export class GenlFamily {
  constructor(
    private readonly socket: GenlTransport,
    /** Family name, e.g. `IPVS`. */
    readonly name: string,
    private id: number,
  ) {}

  /** Looks the family up. Rejects with NetlinkError (errno ENOENT when the kernel has no such family). */
  static async resolve(socket: GenlTransport, name: string): Promise<GenlFamily> {
    return new GenlFamily(socket, name, await socket.resolveFamily(name));
  }

  /** The family id currently in use. */
  get familyId(): number {
    return this.id;
  }

  /**
   * Sends the request `build` makes for the current id. Rejects with NetlinkError if the socket
   * fails, or if an ENOENT made us look the family up and it is gone (module unloaded).
   */
  async request(build: (familyId: number) => GenlRequest): Promise<GenlReply> {
    const reply = await this.socket.request(build(this.id));
    if (reply.kind !== 'error' || reply.errno !== ENOENT) return reply;
    const id = await this.socket.resolveFamily(this.name);
    if (id === this.id) return reply;
    this.id = id;
    return this.socket.request(build(id));
  }
}
