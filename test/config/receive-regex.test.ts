/** Perl receive regexes → JavaScript RegExps. */
import { describe, expect, it } from 'vitest';
import { receiveRegExp, translatePerlRegex } from '../../src/config/receive-regex.js';

function compile(perl: string): RegExp {
  const t = translatePerlRegex(perl);
  if (!t.ok) throw new Error(t.reason);
  return receiveRegExp(t.pattern);
}

describe('translatePerlRegex', () => {
  it('keeps the common subset as it is', () => {
    expect(translatePerlRegex('^HTTP/1\\.[01] 200 (OK|Fine)\\s+\\w+\\d*')).toEqual({
      ok: true, pattern: { source: '^HTTP/1\\.[01] 200 (OK|Fine)\\s+\\w+\\d*', flags: '' },
    });
  });

  it.each([
    ['(?i)ok', 'OK', true],
    ['(?i)(?s)a.b', 'A\nB', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?m)^ok$', 'x\nok\ny', true],
    ['^ok$', 'x\nok\ny', false],
    ['\\Aok', 'ok then', true],
    ['\\Aok', 'not ok', false],
    ['ok\\z', 'ok', true],
    ['ok\\z', 'ok\n', false],
    ['ok\\Z', 'ok\n', true],
    ['ok$', 'ok\n', true],
    ['ok$', 'ok\n\n', false],
    ['cost [$]5', 'cost $5', true],
    ['[[:digit:]]+ items', '42 items', true],
    ['[[:alpha:][:digit:]]+!', 'ab1!', true],
    ['[]x]', ']', true],
    ['[^]x]', 'y', true],
  ])('%s on %j → %s', (perl, text, matches) => {
    expect(compile(perl).test(text)).toBe(matches);
  });

  it.each([
    ['Test(', '"Test(" does not compile: Unterminated group'],
    ['a)b', '"a)b" does not compile: Unmatched \')\''],
    ['*x', '"*x" does not compile: Nothing to repeat'],
    ['x(?i)y', '"x(?i)y" does not compile: Invalid group'],
    ['(?x) a b', 'the inline modifier (?x) is not supported'],
    ['\\h+', 'the Perl escape \\h is not supported'],
    ['a\\Rb', 'the Perl escape \\R is not supported'],
    ['\\Qa.b\\E', 'the Perl escape \\Q is not supported'],
    ['[\\h]', 'the Perl escape \\h is not supported'],
    ['[[:foo:]]', 'the POSIX class [:foo:] is not supported'],
    ['a(?#note)b', 'comments (?#...) are not supported'],
    ['a\\', '"a\\\\" does not compile: \\ at end of pattern'],
  ])('rejects %j: %s', (perl, reason) => {
    expect(translatePerlRegex(perl)).toEqual({ ok: false, reason });
  });
});
