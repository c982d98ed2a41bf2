import type { LogLevel } from './log.js';
import type { SafeWriter } from './safe-writer.js';
import { TransportBase, levelOf, messageOf, type LogInfo } from './transport-base.js';

/** Turns one message into the full line written (without the newline). */
export type RenderLine = (level: LogLevel, message: string) => string;

/** Writes one rendered line per message to stdout, for `-d` and `supervised=yes`. */
export class StreamTransport extends TransportBase {
  constructor(
    private readonly out: SafeWriter,
    private readonly render: RenderLine,
  ) {
    super();
  }

  override log(info: LogInfo, next: () => void): void {
    this.out.writeLine(this.render(levelOf(info), messageOf(info)));
    next();
  }
}
