import type { Writable } from 'node:stream';

/** Where the CLI writes; tests pass their own streams. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export function writeLine(stream: Writable, line: string): void {
  stream.write(line.endsWith('\n') ? line : `${line}\n`);
}
