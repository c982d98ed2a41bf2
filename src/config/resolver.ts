/**
 * Name resolution for the loader: hostnames with getaddrinfo semantics (the first address of
 * the requested family, as ldirectord's `ld_gethostbyname` takes it) and service names through
 * the services database. The parser never calls this directly; the loader resolves every name
 * the parser asked for, concurrently, and parses again (see load.ts).
 */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { canonicalIp, type Family } from '../util/ip.js';
import { parseServicesFile, servicesKey, type ServicesTable } from './services-file.js';

/** Resolves host and service names for the loader. */
export interface NameResolver {
  /** The first address of `family` for `name`, canonical text; undefined if there is none. */
  host(name: string, family: Family): Promise<string | undefined>;
  /** The port of a service name for a protocol; undefined if unknown. */
  service(name: string, protocol: 'tcp' | 'udp'): number | undefined;
}

/** getaddrinfo(3) through `dns.lookup`, and `/etc/services`, read once on first use. */
export const systemResolver: NameResolver = {
  async host(name, family) {
    try {
      // dns.lookup returns a literal as it is, whatever family was asked for.
      const answer = await lookup(name, { family });
      return answer.family === family ? canonicalIp(answer.address) : undefined;
    } catch {
      return undefined;
    }
  },
  service(name, protocol) {
    return systemServices().get(servicesKey(name, protocol));
  },
};

let services: ServicesTable | undefined;

function systemServices(): ServicesTable {
  if (!services) {
    try {
      services = parseServicesFile(readFileSync('/etc/services', 'utf8'));
    } catch {
      services = new Map();
    }
  }
  return services;
}

/**
 * A resolver that answers from fixed tables and never touches the network or files; for tests
 * and tools. Host keys are `name` (any family) or `name/4`, `name/6`.
 */
export function fixedResolver(hosts: Readonly<Record<string, string>>, servicesText = ''): NameResolver {
  const table = parseServicesFile(servicesText);
  return {
    async host(name, family) {
      const address = hosts[`${name}/${family}`] ?? hosts[name];
      if (address === undefined) return undefined;
      const canonical = canonicalIp(address);
      return canonical !== undefined && canonical.includes(':') === (family === 6) ? canonical : undefined;
    },
    service(name, protocol) {
      return table.get(servicesKey(name, protocol));
    },
  };
}
