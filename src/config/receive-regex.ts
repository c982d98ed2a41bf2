/**
 * `receive` strings are Perl regular expressions (ldirectord matches with `=~ /$receive/`); we
 * run them as JavaScript RegExps. The two dialects agree on the everyday subset. This module
 * translates the Perl-only forms that are common in configs and rejects, with a reason, what
 * would otherwise compile in JavaScript with a different meaning or not compile at all:
 *
 * - leading inline modifiers `(?i)`, `(?s)`, `(?m)` (and combinations) become RegExp flags;
 * - `\A`, `\z`, `\Z` become lookarounds with the same meaning;
 * - `$` (without `m`) also matches before a final newline in Perl, so it becomes `(?=\n?$)`;
 * - POSIX classes inside brackets (`[[:digit:]]`) are expanded;
 * - a `]` first in a class is literal in Perl (`[]a]`), so it is escaped;
 * - escapes whose meaning differs (`\h`, `\v`, `\R`, `\K`, `\Q`, ...) are rejected.
 */
import type { ReceivePattern } from './model.js';

/** The translated pattern, or why it cannot be used. */
export type PerlRegexTranslation =
  | { readonly ok: true; readonly pattern: ReceivePattern }
  | { readonly ok: false; readonly reason: string };

const END = '(?![\\s\\S])';
const START = '(?<![\\s\\S])';

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ', blank: ' \\t', xdigit: '0-9A-Fa-f', word: 'A-Za-z0-9_',
  punct: '!-\\/:-@\\[-`{-~', cntrl: '\\x00-\\x1f\\x7f', print: '\\x20-\\x7e', graph: '\\x21-\\x7e',
};

/** Perl escapes that JavaScript would read differently (or as a plain letter). */
const UNSUPPORTED_ESCAPES = new Set(['h', 'H', 'v', 'V', 'R', 'K', 'G', 'N', 'X', 'C', 'Q', 'E', 'l', 'u', 'L', 'U', 'g', 'p', 'P', 'o']);

/** Translate a Perl `receive` regex and check that it compiles. */
export function translatePerlRegex(perl: string): PerlRegexTranslation {
  let flags = '';
  let rest = perl;
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(rest); m; m = /^\(\?([a-zA-Z]+)\)/.exec(rest)) {
    for (const f of m[1] ?? '') {
      if (f !== 'i' && f !== 's' && f !== 'm') return { ok: false, reason: `the inline modifier (?${f}) is not supported` };
      if (!flags.includes(f)) flags += f;
    }
    rest = rest.slice(m[0].length);
  }
  const multiline = flags.includes('m');
  let out = '';
  let i = 0;
  while (i < rest.length) {
    const c = rest[i] as string;
    if (c === '\\') {
      const e = rest[i + 1];
      if (e === undefined) return compileError(perl, '\\ at end of pattern');
      if (e === 'A') out += START;
      else if (e === 'z') out += END;
      else if (e === 'Z') out += `(?=\\n?${END})`;
      else if (UNSUPPORTED_ESCAPES.has(e)) return { ok: false, reason: `the Perl escape \\${e} is not supported` };
      else out += c + e;
      i += 2;
    } else if (c === '[') {
      const cls = translateClass(rest, i);
      if (!cls.ok) return { ok: false, reason: cls.reason };
      out += cls.text;
      i = cls.end;
    } else if (c === '$' && !multiline) {
      out += `(?=\\n?${END})`;
      i++;
    } else if (c === '(' && rest.startsWith('(?#', i)) {
      return { ok: false, reason: 'comments (?#...) are not supported' };
    } else {
      out += c;
      i++;
    }
  }
  try {
    new RegExp(out, flags);
  } catch (err) {
    return compileError(perl, err instanceof Error ? err.message : String(err));
  }
  return { ok: true, pattern: { source: out, flags } };
}

/** A compiled RegExp for a translated pattern. */
export function receiveRegExp(pattern: ReceivePattern): RegExp {
  return new RegExp(pattern.source, pattern.flags);
}

function compileError(perl: string, message: string): PerlRegexTranslation {
  // V8 says "Invalid regular expression: /<source>/<flags>: <reason>"; keep the reason only.
  const reason = message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  return { ok: false, reason: `${JSON.stringify(perl)} does not compile: ${reason}` };
}

type ClassResult = { ok: true; text: string; end: number } | { ok: false; reason: string };

/** Copy a bracket expression starting at `start` (the `[`), translating Perl-only parts. */
function translateClass(s: string, start: number): ClassResult {
  let i = start + 1;
  let text = '[';
  if (s[i] === '^') { text += '^'; i++; }
  if (s[i] === ']') { text += '\\]'; i++; }
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ']') return { ok: true, text: text + ']', end: i + 1 };
    if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined) break;
      if (UNSUPPORTED_ESCAPES.has(e)) return { ok: false, reason: `the Perl escape \\${e} is not supported` };
      text += c + e;
      i += 2;
      continue;
    }
    if (c === '[' && s[i + 1] === ':') {
      const close = s.indexOf(':]', i + 2);
      const name = close < 0 ? undefined : s.slice(i + 2, close);
      if (name !== undefined && /^\^?[a-z]+$/.test(name)) {
        const expansion = POSIX_CLASSES[name.replace('^', '')];
        if (expansion === undefined || name.startsWith('^')) {
          return { ok: false, reason: `the POSIX class [:${name}:] is not supported` };
        }
        text += expansion;
        i = close + 2;
        continue;
      }
    }
    text += c === '[' ? '\\[' : c;
    i++;
  }
  // Unterminated: let the RegExp compiler say so.
  return { ok: true, text, end: s.length };
}
