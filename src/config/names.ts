/**
 * The parser's synchronous view of name resolution. Literal addresses are answered here;
 * hostnames come from a cache that the loader fills. A name not yet in the cache is
 * `pending`: the parser records it and carries on, and the loader resolves every pending name
 * at once and parses again.
 */
import { canonicalIp, ipFamily, type Family } from '../util/ip.js';
import type { NameResolver } from './resolver.js';

/** What the parser learns about a host: an address, nothing, or not yet (the loader will ask). */
export type HostAnswer =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'pending' };

/** What the parser asks about names. */
export interface NameLookup {
  host(name: string, family: Family): HostAnswer;
  service(name: string, protocol: 'tcp' | 'udp'): number | undefined;
}

/** A NameLookup over a cache of resolved hostnames, recording the names it could not answer. */
export class NameCache implements NameLookup {
  private readonly answers = new Map<string, string | undefined>();
  private readonly missing = new Map<string, { name: string; family: Family }>();
  private final = false;

  constructor(private readonly resolver: NameResolver) {}

  host(name: string, family: Family): HostAnswer {
    const literal = ipFamily(name);
    if (literal !== undefined) {
      // getaddrinfo with an address family never maps a literal of the other family.
      if (literal !== family) return { kind: 'unknown' };
      // Node's isIPv4 only accepts the canonical dotted quad; IPv6 has several spellings.
      return { kind: 'address', address: family === 4 ? name : (canonicalIp(name) as string) };
    }
    if (name === '') return { kind: 'unknown' };
    const key = `${family}/${name}`;
    if (this.answers.has(key)) {
      const address = this.answers.get(key);
      return address === undefined ? { kind: 'unknown' } : { kind: 'address', address };
    }
    if (this.final) return { kind: 'unknown' };
    this.missing.set(key, { name, family });
    return { kind: 'pending' };
  }

  service(name: string, protocol: 'tcp' | 'udp'): number | undefined {
    return this.resolver.service(name, protocol);
  }

  /** True when the last parse asked for names that are not resolved yet. */
  get hasPending(): boolean {
    return this.missing.size > 0;
  }

  /** From now on, names not in the cache are unknown instead of pending. */
  giveUpPending(): void {
    for (const key of this.missing.keys()) this.answers.set(key, undefined);
    this.missing.clear();
    this.final = true;
  }

  /** Resolve every pending name concurrently. */
  async resolvePending(): Promise<void> {
    const todo = [...this.missing.entries()];
    this.missing.clear();
    const results = await Promise.all(todo.map(([, q]) => this.resolver.host(q.name, q.family)));
    todo.forEach(([key], i) => this.answers.set(key, results[i]));
  }
}
