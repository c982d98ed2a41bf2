/**
 * A generic-netlink request/reply channel on top of the npm `netlink` package (0.3.0), with the
 * two things that package leaves out (reference stack.md §2.3):
 *
 * - Errno. The package's `checkError` turns an NLMSG_ERROR into a plain Error that has lost its
 *   errno, and its GenericNetlinkSocket throws on error replies when the check is off. So we call
 *   the lower `NetlinkSocket.request` with `checkError: false` and decode NLMSG_ERROR ourselves:
 *   a kernel refusal comes back as a value, `{ kind: 'error', errno }`, with errno positive.
 * - One request at a time. The kernel runs one dump per socket (a second one gets EBUSY) and the
 *   package keeps one multipart buffer per socket, so requests go through a promise queue.
 *
 * A socket whose state is in doubt (a timeout, a receive error, a truncated message) is thrown
 * away and the next request opens a fresh one: a half-read dump would poison every later reply.
 */
import type { NetlinkMessage, NetlinkSocket } from 'netlink';
import { AttrStream, createNetlink, Flags, FlagsGet, formatGenlHeader, formatMessage, genl, MessageType, parseError, Protocol } from 'netlink';
import { errnoName } from './errno.js';
import { NetlinkError } from './netlink-error.js';

/** nlctrl, the generic-netlink controller, has this fixed family id. */
export const NLCTRL_FAMILY_ID = 16;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_VERSION = 1;

/** How long one request (a whole dump included) may take before the socket is given up, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** One generic-netlink request. */
export interface GenlRequest {
  /** Family id (the nlmsghdr type). */
  readonly family: number;
  readonly cmd: number;
  readonly version: number;
  /** Encoded attributes following the genl header. */
  readonly attrs: readonly Uint8Array[];
  /** Ask for a dump (NLM_F_DUMP); the reply is every part of it. */
  readonly dump: boolean;
}

/** One reply message, genl header decoded. */
export interface GenlMessage {
  readonly family: number;
  readonly flags: number;
  readonly seq: number;
  readonly cmd: number;
  readonly version: number;
  /** The attributes after the 4-byte genl header. */
  readonly payload: Buffer;
}

/** The kernel's answer: messages (none for a plain ACK, all parts of a dump), or its errno. */
export type GenlReply =
  | { readonly kind: 'ok'; readonly messages: readonly GenlMessage[] }
  | { readonly kind: 'error'; /** Positive errno, e.g. 17 for EEXIST. */ readonly errno: number };

export interface GenlSocketOptions {
  /** Per-request timeout in ms (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/**
 * The exact bytes of a request as this socket sends it: nlmsghdr (pid 0, the kernel does not
 * look at it) + genl header + attributes. Exposed for golden-byte tests.
 */
export function frameGenlRequest(req: GenlRequest, seq: number): Buffer {
  const { type, flags, data } = genlParts(req);
  return Buffer.concat(formatMessage({ type, flags, seq, port: 0, data }));
}

function genlParts(req: GenlRequest): { type: number; flags: number; data: Uint8Array[] } {
  const flags = Flags.REQUEST | Flags.ACK | (req.dump ? FlagsGet.DUMP : 0);
  return { type: req.family, flags, data: [formatGenlHeader({ cmd: req.cmd, version: req.version }), ...req.attrs] };
}

/** What the IPVS layer needs from generic netlink; GenlSocket is the real one. */
export interface GenlTransport {
  request(req: GenlRequest): Promise<GenlReply>;
  resolveFamily(name: string): Promise<number>;
  close(): void;
}

/** A generic-netlink socket that serialises requests and keeps the kernel's errno. */
export class GenlSocket implements GenlTransport {
  private conn: Conn | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly timeoutMs: number) {}

  /** Opens the socket. Throws NetlinkError when the kernel refuses a netlink socket. */
  static open(options: GenlSocketOptions = {}): GenlSocket {
    const sock = new GenlSocket(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    sock.conn = new Conn();
    return sock;
  }

  /**
   * Sends one request after every earlier one has finished and resolves to the kernel's answer.
   * Rejects with NetlinkError only when the socket itself fails (closed, timeout, send error).
   */
  request(req: GenlRequest): Promise<GenlReply> {
    const run = this.tail.then(() => this.exchange(req));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The id of a generic-netlink family. Rejects with NetlinkError (errno ENOENT if it is absent). */
  async resolveFamily(name: string): Promise<number> {
    const attrs = new AttrStream();
    attrs.emit(genl.formatMessage({ familyName: name }));
    const reply = await this.request({ family: NLCTRL_FAMILY_ID, cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION, attrs: attrs.bufs, dump: false });
    if (reply.kind === 'error') {
      throw new NetlinkError(reply.errno, `generic netlink family ${name} could not be resolved: ${errnoName(reply.errno)}`);
    }
    const id = reply.messages[0] === undefined ? undefined : genl.parseMessage(reply.messages[0].payload).familyId;
    if (id === undefined) throw new NetlinkError(0, `nlctrl answered the lookup of ${name} without a family id`);
    return id;
  }

  /** Closes the socket; a request in flight and every later one reject with NetlinkError. */
  close(): void {
    this.closed = true;
    this.conn?.close(new NetlinkError(0, 'generic netlink socket closed'));
    this.conn = undefined;
  }

  private async exchange(req: GenlRequest): Promise<GenlReply> {
    if (this.closed) throw new NetlinkError(0, 'generic netlink socket closed');
    // A socket that failed between requests is replaced before it can fail this one too.
    if (this.conn?.failed === true) {
      this.conn.close(undefined);
      this.conn = undefined;
    }
    const conn = (this.conn ??= new Conn());
    const { type, flags, data } = genlParts(req);
    let msgs: NetlinkMessage[];
    try {
      const sent = conn.nl.request(type, data, { flags, checkError: false, localPort: 0, timeout: this.timeoutMs });
      [msgs] = await Promise.race([sent, conn.broken]);
    } catch (err) {
      if (this.conn === conn) {
        conn.close(err);
        this.conn = undefined;
      }
      if (err instanceof NetlinkError) throw err;
      const errno = errnoOf(err);
      const what = err instanceof Error ? err.message : String(err);
      throw new NetlinkError(errno, `generic netlink request (family ${req.family}, cmd ${req.cmd}) failed: ${what}`, { cause: err });
    }
    return decodeReply(req, msgs);
  }
}

/** One underlying socket and a promise that rejects as soon as it becomes unusable. */
class Conn {
  readonly nl: NetlinkSocket;
  readonly broken: Promise<never>;
  /** True once the socket reported an error; `broken` has rejected by then. */
  failed = false;
  private reject: (err: unknown) => void = () => {};

  constructor() {
    try {
      this.nl = createNetlink(Protocol.GENERIC);
    } catch (err) {
      throw new NetlinkError(errnoOf(err), `cannot open a generic netlink socket: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.broken = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.broken.catch(() => undefined);
    this.nl.on('error', (err) => this.fail(new NetlinkError(errnoOf(err), `generic netlink socket error: ${err.message}`, { cause: err })));
    this.nl.on('truncatedMessage', () => this.fail(new NetlinkError(0, 'generic netlink reply truncated')));
  }

  close(reason: unknown): void {
    this.reject(reason);
    this.nl.close();
  }

  private fail(err: NetlinkError): void {
    this.failed = true;
    this.reject(err);
  }
}

function decodeReply(req: GenlRequest, msgs: readonly NetlinkMessage[]): GenlReply {
  const out: GenlMessage[] = [];
  for (const m of msgs) {
    if (m.type === MessageType.ERROR) {
      const { errno } = parseError(m.data, m.flags);
      if (errno === 0) continue; // an ACK
      return { kind: 'error', errno: Math.abs(errno) };
    }
    if (m.type !== req.family) throw new NetlinkError(0, `reply of type ${m.type} to a request for family ${req.family}`);
    if (m.data.length < 4) throw new NetlinkError(0, `reply without a generic netlink header (family ${req.family})`);
    out.push({ family: m.type, flags: m.flags, seq: m.seq, cmd: m.data[0] ?? 0, version: m.data[1] ?? 0, payload: m.data.subarray(4) });
  }
  return { kind: 'ok', messages: out };
}

function errnoOf(err: unknown): number {
  const n = (err as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? Math.abs(n) : 0;
}
