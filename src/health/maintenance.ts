/**
 * maintenancedir (reference §2.6): a file named after a real forces it down without probing it.
 * Names are tried in ldirectord's order: address with and without port, reverse-DNS name with and
 * without port, short name with and without port.
 *
 * ldirectord does a reverse lookup for every real on every pass. We list the directory first and
 * only ask DNS when it holds a file that could be a host name, so an empty directory, or one of
 * address-named files only, costs one readdir and no lookup.
 */
import { lookupService } from 'node:dns/promises';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ipFamily } from '../util/ip.js';

/** Reverse DNS: the name of an address (unbracketed literal), or undefined when it has none. */
export type ReverseLookup = (address: string) => Promise<string | undefined>;

/** ldirectord's short name: the first label of a name that starts `[a-z][a-z0-9-]+.`. */
const SHORT_NAME = /^([a-z][a-z0-9-]+)\./;

/**
 * The maintenance file that matches `real` in `dir`, or undefined. A missing or unreadable
 * directory matches nothing, as ldirectord's `-e` tests do.
 */
export async function findMaintenanceFile(
  dir: string,
  real: { readonly address: string; readonly port: number },
  reverse: ReverseLookup,
): Promise<string | undefined> {
  let entries: Set<string>;
  try {
    entries = new Set(await readdir(dir));
  } catch {
    return undefined;
  }
  if (entries.size === 0) return undefined;
  const ip = real.address.includes(':') ? `[${real.address}]` : real.address;
  const found = await firstExisting(dir, entries, [`${ip}:${real.port}`, ip]);
  if (found !== undefined) return found;
  if (![...entries].some((name) => !isAddressName(name))) return undefined;

  const name = await reverse(real.address).catch(() => undefined);
  if (!name) return undefined;
  const short = SHORT_NAME.exec(name)?.[1];
  const candidates = [`${name}:${real.port}`, name];
  if (short !== undefined) candidates.push(`${short}:${real.port}`, short);
  return firstExisting(dir, entries, candidates);
}

/**
 * getnameinfo with NI_NAMEREQD, as ldirectord's `ld_gethostbyaddr`: /etc/hosts first, then DNS,
 * per nsswitch; no name is undefined, not the numeric form.
 */
export const systemReverseLookup: ReverseLookup = async (address) => {
  try {
    return (await lookupService(address, 0)).hostname;
  } catch {
    return undefined;
  }
};

async function firstExisting(dir: string, entries: ReadonlySet<string>, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    if (!entries.has(name)) continue;
    // stat follows symlinks, so a dangling one does not count, as with Perl's -e.
    const exists = await stat(join(dir, name)).then(() => true, () => false);
    if (exists) return name;
  }
  return undefined;
}

/** True for names no reverse lookup can return: `a.b.c.d`, `a.b.c.d:port`, `[v6]`, `[v6]:port`, bare v6. */
function isAddressName(name: string): boolean {
  if (ipFamily(name) !== undefined) return true;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::\d+)?$/.exec(name);
  if (!m) return false;
  return ipFamily(m[1] ?? m[2] ?? '') !== undefined;
}
