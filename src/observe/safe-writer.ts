import type { Writable } from 'node:stream';

/**
 * Writes lines to a stream it does not own (stdout, stderr) without ever throwing or letting the
 * stream's 'error' event go unhandled. Node ignores SIGPIPE, so a closed pipe surfaces as an
 * async EPIPE 'error' that would kill the process with no listener; a logging failure must never
 * do that. After an error the stream is abandoned.
 */
export class SafeWriter {
  private broken = false;
  private readonly onError = (): void => {
    this.broken = true;
  };

  constructor(private readonly stream: Writable) {
    stream.on('error', this.onError);
  }

  /** Writes `text` plus a newline, or nothing once the stream has failed. */
  writeLine(text: string): void {
    if (this.broken) return;
    try {
      this.stream.write(`${text}\n`);
    } catch {
      this.broken = true;
    }
  }

  /** Stops listening; call when the logger is closed so listeners do not pile up on stdout. */
  detach(): void {
    this.stream.off('error', this.onError);
  }
}
