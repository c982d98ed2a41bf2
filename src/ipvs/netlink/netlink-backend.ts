/**
 * The IPVS backend for real kernels: our codec over generic netlink, one socket, one request at a
 * time. Idempotent outcomes are success (EEXIST on add, ENOENT/ESRCH on delete) because the
 * reconciler diffs against a fresh dump and another tool may have changed the table in between.
 */
import type { Log } from '../../observe/log.js';
import { nullLog } from '../../observe/log.js';
import { IpvsError } from '../ipvs-error.js';
import type { DestKey, DestStats, IpvsBackend, IpvsDest, IpvsOp, IpvsServiceEntry, IpvsTable, ServiceKey } from '../types.js';
import { destKey, serviceKey } from '../types.js';
import { IPVS_GENL_NAME } from './attrs.js';
import { describeOp } from './describe-op.js';
import { EEXIST, ENOENT, errnoName, ESRCH, ipvsErrnoMeaning } from './errno.js';
import { GenlFamily } from './genl-family.js';
import type { GenlMessage, GenlReply, GenlTransport } from './genl-socket.js';
import { GenlSocket } from './genl-socket.js';
import { ipvsUnavailable } from './ipvs-unavailable.js';
import type { IpvsInfo, IpvsRequest } from './messages.js';
import {
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  dumpDestsRequest,
  dumpServicesRequest,
  getInfoRequest,
  opCommand,
  opRequest,
  toGenlRequest,
} from './messages.js';
import { NetlinkError } from './netlink-error.js';

export interface NetlinkIpvsBackendOptions {
  /** Where to report table entries a dump cannot represent (default: nowhere). */
  readonly log?: Log;
  /** Per-request timeout in ms, a whole dump included (default 30 000). */
  readonly timeoutMs?: number;
}

/** IpvsBackend over the kernel's IPVS generic-netlink family. */
export class NetlinkIpvsBackend implements IpvsBackend {
  private readonly family: GenlFamily;
  private readonly log: Log;
  private readonly warned = new Set<string>();

  /**
   * A backend over a transport and an already resolved IPVS family id; {@link open} is the usual
   * way in. The backend owns the transport and closes it in {@link close}.
   */
  constructor(
    private readonly transport: GenlTransport,
    familyId: number,
    options: NetlinkIpvsBackendOptions = {},
  ) {
    this.family = new GenlFamily(transport, IPVS_GENL_NAME, familyId);
    this.log = options.log ?? nullLog;
  }

  /**
   * Opens a socket, resolves the `IPVS` family (which makes the kernel load ip_vs if it can) and
   * asks for the version, which needs CAP_NET_ADMIN. Rejects with IpvsUnavailableError, whose
   * message is one sentence saying why and what to do.
   */
  static async open(options: NetlinkIpvsBackendOptions = {}): Promise<NetlinkIpvsBackend> {
    let socket: GenlSocket;
    try {
      socket = GenlSocket.open({ timeoutMs: options.timeoutMs });
    } catch (err) {
      throw ipvsUnavailable(err instanceof NetlinkError ? err.errno : 0, err);
    }
    try {
      const backend = new NetlinkIpvsBackend(socket, await socket.resolveFamily(IPVS_GENL_NAME), options);
      const reply = await backend.family.request((id) => toGenlRequest(getInfoRequest(), id));
      if (reply.kind === 'error') throw ipvsUnavailable(reply.errno);
      return backend;
    } catch (err) {
      socket.close();
      if (err instanceof NetlinkError) throw ipvsUnavailable(err.errno, err);
      throw err;
    }
  }

  /** Services dump, then one dests dump per service. Entries we cannot represent are skipped and logged once. */
  async dump(): Promise<IpvsTable> {
    const table = new Map<ServiceKey, IpvsServiceEntry>();
    for (const msg of await this.query(dumpServicesRequest(), 'GET_SERVICE dump')) {
      const service = this.decodeOrSkip(() => decodeServiceReply(msg.payload), 'a service');
      if (service === undefined) continue;
      const key = serviceKey(service.id);
      const dests = new Map<DestKey, IpvsDest>();
      const stats = new Map<DestKey, DestStats>();
      for (const part of await this.query(dumpDestsRequest(service.id), `GET_DEST dump of ${key}`)) {
        const decoded = this.decodeOrSkip(() => decodeDestReply(part.payload, service.id.family), `a dest of ${key}`);
        if (decoded === undefined) continue;
        dests.set(destKey(decoded.dest), decoded.dest);
        stats.set(destKey(decoded.dest), decoded.stats);
      }
      table.set(key, { service, dests, stats });
    }
    return table;
  }

  /** Applies one op; EEXIST on add and ENOENT/ESRCH on delete succeed. Rejects with IpvsError. */
  async apply(op: IpvsOp): Promise<void> {
    const cmd = opCommand(op);
    const failed = (): string => `IPVS ${cmd} ${describeOp(op)} failed`;
    let req: IpvsRequest;
    try {
      req = opRequest(op);
    } catch (err) {
      throw new IpvsError(op, 0, '', `${failed()}: ${messageOf(err)}`, { cause: err });
    }
    let errno: number;
    try {
      const reply = await this.family.request((id) => toGenlRequest(req, id));
      if (reply.kind === 'ok') return;
      errno = reply.errno;
    } catch (err) {
      throw socketFailure(op, failed(), err);
    }
    if (isIdempotent(op, errno)) return;
    throw new IpvsError(op, errno, errnoName(errno), `${failed()}: ${errnoName(errno)} (${ipvsErrnoMeaning(cmd, errno)})`);
  }

  /** The kernel's IPVS version via GET_INFO, e.g. `1.2.1`. */
  async version(): Promise<string> {
    return (await this.info()).version;
  }

  /** Everything GET_INFO reports. */
  async info(): Promise<IpvsInfo> {
    const [msg] = await this.query(getInfoRequest(), 'GET_INFO');
    if (msg === undefined) throw new IpvsError(undefined, 0, '', 'IPVS GET_INFO failed: the kernel sent no reply');
    return decodeInfoReply(msg.payload);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /** A read: the reply messages, or an IpvsError (op undefined) naming what was being read. */
  private async query(req: IpvsRequest, what: string): Promise<readonly GenlMessage[]> {
    let reply: GenlReply;
    try {
      reply = await this.family.request((id) => toGenlRequest(req, id));
    } catch (err) {
      throw socketFailure(undefined, `IPVS ${what} failed`, err);
    }
    if (reply.kind === 'ok') return reply.messages;
    const name = errnoName(reply.errno);
    throw new IpvsError(undefined, reply.errno, name, `IPVS ${what} failed: ${name} (${ipvsErrnoMeaning(req.cmd, reply.errno)})`);
  }

  /**
   * Another tool may create what our types cannot hold (an unknown protocol or forwarding
   * method). One such entry must not stop every dump, so it is left out and reported once.
   */
  private decodeOrSkip<T>(decode: () => T, what: string): T | undefined {
    try {
      return decode();
    } catch (err) {
      if (!(err instanceof IpvsError)) throw err;
      if (!this.warned.has(err.message)) {
        this.warned.add(err.message);
        this.log.warning(`IPVS dump: left out ${what}: ${err.message}`);
      }
      return undefined;
    }
  }
}

function isIdempotent(op: IpvsOp, errno: number): boolean {
  switch (op.op) {
    case 'add-service':
    case 'add-dest':
      return errno === EEXIST;
    case 'del-service':
    case 'del-dest':
      return errno === ENOENT || errno === ESRCH;
    case 'edit-service':
    case 'edit-dest':
      return false;
    default: {
      const never: never = op;
      throw new Error(`unhandled IPVS op ${JSON.stringify(never)}`);
    }
  }
}

/** The socket failed, or an ENOENT sent us to nlctrl and the IPVS family had vanished. */
function socketFailure(op: IpvsOp | undefined, failed: string, err: unknown): IpvsError {
  if (!(err instanceof NetlinkError)) return new IpvsError(op, 0, '', `${failed}: ${messageOf(err)}`, { cause: err });
  const why = err.errno === ENOENT ? 'the IPVS netlink family is gone; was the ip_vs module unloaded?' : err.message;
  return new IpvsError(op, err.errno, err.errnoName, `${failed}: ${err.errnoName === '' ? why : `${err.errnoName} (${why})`}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
