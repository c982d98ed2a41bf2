/**
 * A line-at-a-time conversation with a text protocol server (SMTP, POP3, IMAP, NNTP): CRLF lines
 * out, lines in, every wait bounded by the check's deadline. A close, reset or overlong line while
 * the dialog waits becomes a LineFailure that says what it was waiting for.
 */
import type { Socket } from 'node:net';
import { describeNetError } from '../net-error.js';
import type { DialogPhase } from './line-connect.js';
import { LineFailure } from './line-failure.js';

/** Longer than any greeting or reply these protocols send; a server past it is not speaking them. */
const LINE_CAP_BYTES = 16 * 1024;
/** How long a polite goodbye may wait for the server's answer once the verdict is known (ms). */
const FAREWELL_GRACE_MS = 1000;
/** Server text quoted in a detail is cut to this many characters. */
const QUOTE_CHARS = 200;

interface Waiter {
  resolve(line: string): void;
  reject(err: unknown): void;
}

/** One conversation over a connected socket: `readLine`, `send`, and a polite `farewell`. */
export class LineSession {
  private pending: Buffer = Buffer.alloc(0);
  private readonly lines: string[] = [];
  private failure: LineFailure | undefined;
  private waiter: Waiter | undefined;
  private readonly onAbort = (): void => this.settle(undefined, this.signal.reason);

  /** Takes over `socket`'s data; the caller still owns the socket and destroys it. */
  constructor(
    private readonly socket: Socket,
    private readonly signal: AbortSignal,
    private readonly phase: DialogPhase,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      if (this.pending.length > 0) this.deliver(this.take(this.pending.length));
      this.fail(new LineFailure('reset', `connection closed by the server ${this.phase.text}`));
    });
    socket.on('close', () => this.fail(new LineFailure('reset', `connection closed ${this.phase.text}`)));
    socket.on('error', (err) => {
      const f = describeNetError(err);
      this.fail(new LineFailure(f.reason, `${f.text} ${this.phase.text}`));
    });
  }

  /** The next line without its CR LF; `what` names it for details (`the greeting`). */
  readLine(what: string): Promise<string> {
    this.phase.text = `while waiting for ${what}`;
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Writes `line` and CR LF. */
  send(line: string): void {
    if (!this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }

  /**
   * Says goodbye (`QUIT`, `A9 LOGOUT`) once the verdict is known, and waits briefly for the
   * server's answer so that it closes first; never fails, never outlives the deadline.
   */
  async farewell(command: string): Promise<void> {
    if (this.failure || this.signal.aborted || this.socket.destroyed) return;
    this.send(command);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, FAREWELL_GRACE_MS)));
    try {
      await Promise.race([this.readLine(`the answer to ${command.split(' ').at(-1) ?? command}`).catch(() => undefined), grace]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops listening to the deadline; the caller destroys the socket. */
  dispose(): void {
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (let nl = this.pending.indexOf(10); nl >= 0; nl = this.pending.indexOf(10)) {
      this.deliver(this.take(nl + 1));
    }
    if (this.pending.length > LINE_CAP_BYTES) {
      this.fail(new LineFailure('protocol', `a line longer than ${LINE_CAP_BYTES} bytes ${this.phase.text}`));
      this.socket.destroy();
    }
  }

  private deliver(line: string): void {
    if (this.waiter) this.settle(line, undefined);
    else this.lines.push(line);
  }

  /** The first `n` bytes as a line without its line ending. */
  private take(n: number): string {
    const line = this.pending.subarray(0, n).toString('utf8');
    this.pending = this.pending.subarray(n);
    return line.replace(/\r?\n$/, '');
  }

  private fail(failure: LineFailure): void {
    this.failure ??= failure;
    this.settle(undefined, this.failure);
  }

  private settle(line: string | undefined, err: unknown): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (line !== undefined) waiter.resolve(line);
    else waiter.reject(err);
  }
}

/** Server text as a detail quotes it: JSON-quoted, one line, cut to a readable length. */
export function quoted(text: string): string {
  return text.length <= QUOTE_CHARS ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, QUOTE_CHARS))}...`;
}
