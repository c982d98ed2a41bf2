import { statSync } from 'node:fs';

/**
 * ldirectord's config search: `/etc/ha.d/<name>`, then `/etc/ha.d/conf/<name>`, then `<name>` as
 * given (string concatenation, as the Perl does). Returns the first that is a regular file.
 */
export function findConfig(name: string, dirs: readonly string[] = ['/etc/ha.d', '/etc/ha.d/conf']): string | undefined {
  for (const candidate of [...dirs.map((d) => `${d}/${name}`), name]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there: try the next one
    }
  }
  return undefined;
}
