import { appendFileSync } from 'node:fs';
import type { SafeWriter } from './safe-writer.js';
import type { RenderLine } from './stream-transport.js';
import { TransportBase, levelOf, messageOf, type LogInfo } from './transport-base.js';

/**
 * Appends each line to a file, opening and closing it per line as ldirectord does: logrotate can
 * move the file away at any moment and the next line creates a fresh one at the path, with no
 * signal and no inode tracking. The write is synchronous so lines keep their order and nothing
 * is pending at exit; the daemon logs a handful of lines per state change, not a stream.
 *
 * A failed write sends the bare message to `fallback` (stderr), as ldirectord does, and the next
 * line tries the file again. The first failure of an outage also explains itself on `fallback`,
 * and the first line that lands after an outage is preceded in the file by a count of what went
 * elsewhere, so a gap in the file is never silent.
 */
export class FileTransport extends TransportBase {
  private failedLines = 0;

  constructor(
    private readonly path: string,
    private readonly render: RenderLine,
    private readonly fallback: SafeWriter,
  ) {
    super();
  }

  override log(info: LogInfo, next: () => void): void {
    const message = messageOf(info);
    const level = levelOf(info);
    let line = `${this.render(level, message)}\n`;
    if (this.failedLines > 0) {
      const note = `Log file ${this.path} was not writable; ${this.failedLines} line(s) went to stderr`;
      line = `${this.render('warning', note)}\n${line}`;
    }
    try {
      appendFileSync(this.path, line);
      this.failedLines = 0;
    } catch (err) {
      if (this.failedLines === 0) {
        this.toFallback(`ldirectord-ng: cannot write log file ${this.path}: ${describe(err)}; logging to stderr`);
      }
      this.failedLines++;
      this.toFallback(message);
    }
    next();
  }

  private toFallback(text: string): void {
    this.fallback.writeLine(text);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
