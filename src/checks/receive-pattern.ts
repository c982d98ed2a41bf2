/**
 * `receive=` as a JavaScript regular expression. The config layer validates it (and translates
 * Perl-only forms); compiling again here keeps a bad pattern a failed check, never a crash
 * (ldirectord dies on one, reference §7).
 */

export type ReceivePattern =
  | { readonly ok: true; /** undefined when receive is empty: anything matches. */ readonly regex?: RegExp }
  | { readonly ok: false; readonly detail: string };

/** Compiles `new RegExp(source, flags)`; the empty source means "no receive". */
export function compileReceive(source: string, flags = ''): ReceivePattern {
  if (source === '') return { ok: true };
  try {
    return { ok: true, regex: new RegExp(source, flags) };
  } catch (err) {
    return { ok: false, detail: `receive /${source}/${flags} is not a valid regular expression: ${(err as Error).message}` };
  }
}

/** `/source/flags`, as details quote a receive pattern. */
export function showPattern(regex: RegExp): string {
  return `/${regex.source}/${regex.flags}`;
}
