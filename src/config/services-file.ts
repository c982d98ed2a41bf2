/**
 * The services database (`/etc/services`) as a lookup table: what `getservbyname(3)` answers,
 * which Node does not expose. Format per services(5): `name port/protocol [aliases...] [# c]`.
 */

/** Service name (or alias) and protocol → port. */
export type ServicesTable = ReadonlyMap<string, number>;

/** Parse services(5) text. The first entry for a name and protocol wins, as in glibc. */
export function parseServicesFile(text: string): ServicesTable {
  const table = new Map<string, number>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = portProto === undefined ? null : /^(\d+)\/([A-Za-z0-9]+)$/.exec(portProto);
    if (!name || !m) continue;
    const port = Number(m[1]);
    if (port > 65535) continue;
    for (const n of [name, ...aliases]) {
      const key = servicesKey(n, m[2] as string);
      if (!table.has(key)) table.set(key, port);
    }
  }
  return table;
}

/** The table key of a service name and protocol. */
export function servicesKey(name: string, protocol: string): string {
  return `${name}/${protocol}`;
}
