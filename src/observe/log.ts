/**
 * The logging contract every component writes through. Message texts are ldirectord's (reference
 * §4.3) wherever one exists; ldirectord sends everything at priority info, and so do we for its
 * lines. The winston-backed implementation lives in `observe/logger.ts`.
 */
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';

export interface Log {
  error(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** Discards everything. */
export const nullLog: Log = { error() {}, warning() {}, info() {}, debug() {} };

/** Keeps lines in memory; for tests and the demo. */
export class MemoryLog implements Log {
  readonly lines: { level: LogLevel; message: string }[] = [];
  error(message: string): void { this.lines.push({ level: 'error', message }); }
  warning(message: string): void { this.lines.push({ level: 'warning', message }); }
  info(message: string): void { this.lines.push({ level: 'info', message }); }
  debug(message: string): void { this.lines.push({ level: 'debug', message }); }
  /** Messages at info level or above, in order. */
  messages(): string[] {
    return this.lines.filter((l) => l.level !== 'debug').map((l) => l.message);
  }
}
