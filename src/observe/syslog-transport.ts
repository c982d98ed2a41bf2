import type { LogLevel } from './log.js';
import type { SafeWriter } from './safe-writer.js';
import { BoundedQueue } from './bounded-queue.js';
import { SYSLOG_SEVERITY, formatSyslogDatagram } from './syslog-datagram.js';
import { TransportBase, levelOf, messageOf, type LogInfo } from './transport-base.js';
import { UnixDatagramSocket, type SendOutcome } from './unix-datagram.js';

export interface SyslogTransportOptions {
  /** The syslog socket, `/dev/log` in production. */
  readonly socketPath: string;
  /** Facility code (0..23). */
  readonly facility: number;
  /** Program name in the tag: `<tag>[<pid>]:`. */
  readonly tag: string;
  readonly pid: number;
  readonly clock: () => Date;
  /** Where outages are reported (once each) and undeliverable lines go. */
  readonly stderr: SafeWriter;
  /** Most lines held while syslog is unreachable; the oldest are dropped beyond it. */
  readonly queueLimit: number;
  /** Milliseconds between delivery attempts while syslog is unreachable. */
  readonly retryMs: number;
}

interface Held {
  readonly datagram: Buffer;
  readonly message: string;
}

/** A full receive queue drains in milliseconds; an absent syslogd takes seconds to return. */
const CONGESTION_RETRY_MS = 20;

/**
 * Sends each line as an RFC 3164 datagram to the syslog socket, and survives syslogd being
 * absent or restarting without losing order. Written instead of using winston-syslog's
 * `protocol: 'unix'`, which on a failed send queues the line but never re-sends it and emits an
 * 'error' that kills the process when nobody listens (reference stack.md §5).
 *
 * Every line goes through a bounded queue, delivered head-first, so a line is never sent ahead
 * of an older one. While the socket refuses, lines wait and delivery is retried on a timer and
 * on every new line; when more than `queueLimit` wait, the oldest are dropped and a line saying
 * how many is sent first when syslog returns. The timer is unref'd: held lines never keep a
 * finished process alive.
 */
export class SyslogTransport extends TransportBase {
  private readonly queue: BoundedQueue<Held>;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wall-clock ms at which the pending retry fires. */
  private retryDue = 0;
  private unreachable = false;
  private shutDown = false;

  constructor(private readonly o: SyslogTransportOptions) {
    super();
    this.queue = new BoundedQueue<Held>(o.queueLimit);
  }

  /** Lines waiting for the syslog socket to accept them. */
  get pending(): number {
    return this.queue.size;
  }

  override log(info: LogInfo, next: () => void): void {
    const message = messageOf(info);
    // Make room by delivering before the push evicts anything from a full queue.
    if (this.queue.size >= this.queue.limit) this.deliver();
    this.queue.push({ datagram: this.datagram(levelOf(info), message), message });
    this.deliver();
    next();
  }

  /** Tries to send everything held, oldest first; stops at the first refusal. */
  deliver(): void {
    if (this.queue.size === 0 && this.queue.evicted === 0) return;
    const socket = UnixDatagramSocket.open();
    try {
      const evicted = this.queue.evicted;
      if (evicted > 0) {
        const note = `Syslog was unreachable; dropped the ${evicted} oldest log line(s) of the outage`;
        const outcome = socket.send(this.o.socketPath, this.datagram('warning', note));
        if (outcome.kind === 'retry') return this.retryLater(outcome);
        this.queue.takeEvicted();
      }
      for (let held = this.queue.peek(); held !== undefined; held = this.queue.peek()) {
        const outcome = socket.send(this.o.socketPath, held.datagram);
        if (outcome.kind === 'retry') return this.retryLater(outcome);
        if (outcome.kind === 'reject') {
          this.o.stderr.writeLine(`ldirectord-ng: syslog rejected a line (${outcome.code}): ${held.message}`);
        }
        this.queue.shift();
      }
      this.reachable();
    } finally {
      socket.close();
    }
  }

  /** Stops retrying after one last attempt, and says on stderr how many lines are lost. */
  override close(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.deliver();
    this.cancelRetry();
    if (this.queue.size > 0) {
      this.o.stderr.writeLine(`ldirectord-ng: syslog unreachable at close; ${this.queue.size} log line(s) not delivered`);
    }
  }

  private datagram(level: LogLevel, message: string): Buffer {
    return Buffer.from(
      formatSyslogDatagram({
        facility: this.o.facility,
        severity: SYSLOG_SEVERITY[level],
        date: this.o.clock(),
        tag: this.o.tag,
        pid: this.o.pid,
        message,
      }),
    );
  }

  private retryLater(outcome: Extract<SendOutcome, { kind: 'retry' }>): void {
    // A full receive queue (EAGAIN; Linux holds only net.unix.max_dgram_qlen datagrams, 10 by
    // default) is syslogd reading more slowly than a burst arrives, not an outage: retry soon,
    // even if a slow retry was pending from an outage, and do not report it.
    const congested = outcome.congested;
    if (!congested && !this.unreachable) {
      this.unreachable = true;
      this.o.stderr.writeLine(
        `ldirectord-ng: syslog socket ${this.o.socketPath} not accepting log lines (${outcome.code}); holding them until it does`,
      );
    }
    if (this.shutDown) return;
    const delay = congested ? Math.min(CONGESTION_RETRY_MS, this.o.retryMs) : this.o.retryMs;
    const due = Date.now() + delay;
    if (this.retryTimer !== undefined && this.retryDue <= due) return;
    this.cancelRetry();
    this.retryDue = due;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.deliver();
    }, delay);
    this.retryTimer.unref();
  }

  private reachable(): void {
    this.unreachable = false;
    this.cancelRetry();
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
