/**
 * Bytes from annotated hex, written the way reference stack.md §1.6 lays messages out:
 * whitespace is ignored, `#` starts a comment to the end of the line, and `00×12` repeats a byte.
 */
export function hex(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const line of text.split('\n')) {
    for (const token of line.replace(/#.*/, '').split(/\s+/).filter(Boolean)) {
      const rep = /^([0-9a-f]{2})×(\d+)$/i.exec(token);
      if (rep) {
        parts.push(Buffer.alloc(Number(rep[2]), parseInt(rep[1] as string, 16)));
        continue;
      }
      if (!/^([0-9a-f]{2})+$/i.test(token)) throw new Error(`bad hex token: ${token}`);
      parts.push(Buffer.from(token, 'hex'));
    }
  }
  return Buffer.concat(parts);
}

/** Lower-case hex of bytes, for readable assertion diffs. */
export function toHex(bytes: Uint8Array | readonly Uint8Array[]): string {
  const buf = bytes instanceof Uint8Array ? Buffer.from(bytes) : Buffer.concat(bytes as Uint8Array[]);
  return buf.toString('hex');
}
