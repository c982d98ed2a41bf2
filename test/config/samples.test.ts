/** The shipped sample config and the directive reference stay in line with the parser. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIRECTIVES } from '../../src/config/directives.js';
import { loadConfig } from '../../src/config/load.js';
import { FIXTURE_HOSTNAME, fixtureResolver } from './fixture-resolver.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('etc/ldirectord.cf', () => {
  const path = join(REPO, 'etc/ldirectord.cf');

  it('loads without problems or warnings', async () => {
    const r = await loadConfig(path, { resolver: fixtureResolver, hostname: FIXTURE_HOSTNAME });
    if (!r.ok) expect.fail(r.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
    expect(r.config.warnings).toEqual([]);
    expect(r.config.virtuals.map((v) => v.key)).toEqual([
      'tcp:192.0.2.10:80', 'tcp:192.0.2.10:443', 'udp:192.0.2.53:53', 'fwm:1', 'tcp:[2001:db8::10]:80',
    ]);
  });

  it('loads with every commented-out extension switched on', async () => {
    const text = readFileSync(path, 'utf8').replace(/^(\t?)#((?:risecount|checkwindow|maxpurge|tlsverify|tlscafile|tlsservername)=)/gm, '$1$2');
    const { loadConfigText } = await import('../../src/config/load.js');
    const r = await loadConfigText(text, path, { resolver: fixtureResolver, hostname: FIXTURE_HOSTNAME, checkPaths: false });
    if (!r.ok) expect.fail(r.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
    expect(r.config.globals.maxPurgePercent).toBe(50);
    expect(r.config.virtuals[1]?.tls).toEqual({ verify: true, caFile: '/etc/ssl/certs/internal-ca.pem', serverName: 'www.example.com' });
  });

  it('is read by ldirectord 4.12 too', () => {
    const run = spawnSync('unshare', ['--net', '/usr/sbin/ldirectord', path, 'status'], { env: { ...process.env, PERLIO: 'perlio' }, encoding: 'utf8' });
    expect(run.status, `${run.stderr} (needs /usr/sbin/ldirectord: apt-get install ldirectord)`).toBe(3);
  });
});

describe('docs/config-reference.md', () => {
  const rows = new Map(
    readFileSync(join(REPO, 'docs/config-reference.md'), 'utf8').split('\n')
      .map((l) => /^\| `([a-z0-9]+)` \| ([^|]+) \|.*\| (ldirectord|extension) \|$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, { scope: (m[2] as string).trim(), origin: m[3] }]),
  );

  it.each(DIRECTIVES.map((d) => [d.name, d] as const))('lists %s with its scope and origin', (name, d) => {
    const scope = { global: 'global', virtual: 'virtual', both: 'global, virtual', header: 'section header' }[d.scope];
    expect(rows.get(name)).toEqual({ scope, origin: d.origin });
  });

  it('lists nothing the parser does not know', () => {
    expect([...rows.keys()].filter((n) => !DIRECTIVES.some((d) => d.name === n))).toEqual([]);
  });
});
