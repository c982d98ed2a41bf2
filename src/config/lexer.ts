/**
 * The line structure of ldirectord.cf, as ldirectord's `read_config` sees it:
 *
 * - Outside a section, a line is a global directive, which must start in column 0; blank lines
 *   and lines whose first non-blank character is `#` are skipped. `virtual=`/`virtual6=` in
 *   column 0 opens a section.
 * - Inside a section, a line whose first non-blank character is `#` is skipped (it does not end
 *   the section, even in column 0). Otherwise everything from the first `#` is cut, each TAB
 *   becomes four spaces, and the line must then start with at least four spaces; the first line
 *   that does not (a blank line included) ends the section and is read again as a global line,
 *   from its original text.
 *
 * One deliberate difference: trailing spaces, TABs and CRs are dropped from every line first,
 * so CRLF files and trailing blanks work (ldirectord keeps them in values, where they break
 * `yes`/`no` and the like). A UTF-8 byte-order mark at the start is dropped too.
 */
import type { Family } from './model.js';

/** Where an indented line outside a section most likely came from. */
export interface OrphanHint {
  /** The blank line that ended the section. */
  readonly blankLine: number;
  /** The `virtual=` line of that section. */
  readonly headerLine: number;
}

/** One meaningful line of the file, or the end of a section. */
export type ConfigLine =
  /** A non-blank, non-comment line outside any section. `text` is the whole line. */
  | { readonly kind: 'global'; readonly line: number; readonly text: string; readonly orphan?: OrphanHint }
  /** `virtual=`/`virtual6=` in column 0; `value` is what follows `=`. */
  | { readonly kind: 'virtual'; readonly line: number; readonly family: Family; readonly value: string }
  /**
   * A directive inside a section. `text` has the indentation, comment and trailing blanks
   * removed; `raw` is the line as written (trailing blanks removed), for messages.
   */
  | { readonly kind: 'member'; readonly line: number; readonly text: string; readonly raw: string }
  /** The current section is over (emitted before the line that ended it, and at end of file). */
  | { readonly kind: 'end'; readonly line: number };

const TRAILING_BLANKS = /[ \t\r]+$/;
const PERL_SPACE = /^[\t\n\f\r \x0B]*$/;
const COMMENT = /^[\t\n\f\r \x0B]*#/;
const VIRTUAL_HEADER = /^virtual(6)?[\t\n\f\r \x0B]*=[\t\n\f\r \x0B]*(.*)$/s;

/** Lines of `text`, numbered from 1, with trailing blanks (and CR) removed. */
export function* splitLines(text: string): Generator<{ line: number; text: string }> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    yield { line, text: trimEnd(text.slice(start, end)) };
    start = end + 1;
  }
}

/** The classified lines of a config file, in order. */
export function* scanConfig(text: string): Generator<ConfigLine> {
  let section: { headerLine: number } | undefined;
  let orphan: OrphanHint | undefined;
  let lastLine = 0;
  for (const { line, text: t } of splitLines(text)) {
    lastLine = line;
    if (section) {
      if (COMMENT.test(t)) continue;
      const hash = t.indexOf('#');
      const cut = hash < 0 ? t : trimEnd(t.slice(0, hash));
      const body = cut.includes('\t') ? trimEnd(cut.replace(/\t/g, '    ')) : cut;
      const indent = leadingSpaces(body);
      if (indent >= 4) {
        yield { kind: 'member', line, text: body.slice(indent), raw: t };
        continue;
      }
      yield { kind: 'end', line };
      if (PERL_SPACE.test(t)) orphan = { blankLine: line, headerLine: section.headerLine };
      section = undefined;
    }
    const header = VIRTUAL_HEADER.exec(t);
    if (header) {
      section = { headerLine: line };
      orphan = undefined;
      yield { kind: 'virtual', line, family: header[1] ? 6 : 4, value: header[2] ?? '' };
      continue;
    }
    if (PERL_SPACE.test(t) || COMMENT.test(t)) continue;
    const indented = /^[\t\n\f\r \x0B]/.test(t);
    if (!indented) orphan = undefined;
    yield orphan && indented ? { kind: 'global', line, text: t, orphan } : { kind: 'global', line, text: t };
  }
  if (section) yield { kind: 'end', line: lastLine };
}

/** Without trailing spaces, TABs and CRs. */
function trimEnd(s: string): string {
  const last = s.charCodeAt(s.length - 1);
  return last === 0x20 || last === 0x09 || last === 0x0d ? s.replace(TRAILING_BLANKS, '') : s;
}

function leadingSpaces(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 0x20) i++;
  return i;
}
