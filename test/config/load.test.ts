/** The loader: files, hashes, freezing, filesystem checks, and hostile input. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, loadConfigText } from '../../src/config/load.js';
import { FIXTURE_HOSTNAME, fixtureResolver } from './fixture-resolver.js';
import { load, ok, problems, section, warnings } from './helpers.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'ldng-config-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const opts = { resolver: fixtureResolver, hostname: FIXTURE_HOSTNAME };
const MINIMAL = section(['real=198.51.100.1:80 gate']);

describe('loadConfig', () => {
  it('loads a file, keeping its path and the sha256 of its bytes', async () => {
    const path = join(dir, 'a.cf');
    await writeFile(path, MINIMAL);
    const r = await loadConfig(path, opts);
    expect(r.ok && r.config.file).toBe(path);
    expect(r.ok && r.config.hash).toBe(createHash('sha256').update(MINIMAL).digest('hex'));
  });

  it('gives one problem at line 0 for a file it cannot read', async () => {
    const path = join(dir, 'missing.cf');
    expect(await loadConfig(path, opts)).toEqual({
      ok: false, warnings: [], problems: [{ file: path, line: 0, directive: '', message: `can not open file ${path}: No such file or directory` }],
    });
    expect(await loadConfig(dir, opts)).toMatchObject({ ok: false, problems: [{ line: 0, message: `can not open file ${dir}: Is a directory` }] });
  });

  it('returns a deeply frozen config', async () => {
    const c = await ok(section(['real=198.51.100.1:80 gate "a" "b"', 'fallback=127.0.0.1']));
    const v = c.virtuals[0];
    expect(Object.isFrozen(c) && Object.isFrozen(c.globals) && Object.isFrozen(c.virtuals) && Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v?.reals) && Object.isFrozen(v?.reals[0]) && Object.isFrozen(v?.reals[0]?.receiveRegExp)).toBe(true);
    expect(Object.isFrozen(v?.endpoint) && Object.isFrozen(v?.fallback) && Object.isFrozen(v?.tls) && Object.isFrozen(c.warnings)).toBe(true);
  });

  it('reads a Buffer and a string alike', async () => {
    const a = await loadConfigText(MINIMAL, 'x.cf', opts);
    const b = await loadConfigText(Buffer.from(MINIMAL), 'x.cf', opts);
    expect(a).toEqual(b);
  });

  it('returns the warnings along with the problems of a file that does not load', async () => {
    expect(await load('checkinterval=1.5\nfoo=bar\n')).toEqual({
      ok: false,
      problems: [{ file: 't.cf', line: 2, directive: 'foo', message: 'Unknown command foo=bar' }],
      warnings: [{ line: 1, directive: 'checkinterval', message: 'checkinterval "1.5" is read as 1 (ldirectord takes the first run of digits)' }],
    });
  });

  it('reports every problem in line order, not just the first', async () => {
    expect(await problems('quiescent=maybe\nvirtual=192.0.2.1:80\n\treal=198.51.100.1:80 nat\n\tservice=gopher\nfork=sometimes\n')).toEqual([
      `1: quiescent must be 'yes' or 'no' (got "maybe")`,
      '3: forward method must be gate, masq or ipip (got "nat")',
      '4: service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission (got "gopher")',
      `5: fork must be 'yes' or 'no' (got "sometimes")`,
    ]);
  });
});

describe('filesystem checks (as ldirectord makes them while parsing)', () => {
  it('monitorfile must be appendable', async () => {
    const good = join(dir, 'monitor.log');
    const bad = join(dir, 'no-such-dir', 'monitor.log');
    const text = (path: string): string => section(['real=198.51.100.1:80 gate', `monitorfile=${path}`]);
    expect((await ok(text(good), { checkPaths: true })).virtuals[0]?.monitorfile).toBe(good);
    expect(await problems(text(bad), { checkPaths: true })).toEqual([`3: unable to open monitorfile ${bad}: No such file or directory`]);
    expect(await problems(text(dir), { checkPaths: true })).toEqual([`3: unable to open monitorfile ${dir}: Is a directory`]);
  });

  it('a logfile path must be appendable, unless supervised', async () => {
    const bad = join(dir, 'nope', 'ld.log');
    expect(await problems(`logfile="${bad}"\n`, { checkPaths: true })).toEqual([`1: unable to open logfile: ${bad} (No such file or directory)`]);
    expect((await ok(`supervised=yes\nlogfile="${bad}"\n`, { checkPaths: true })).globals.logfile).toBe(bad);
    expect((await ok(`logfile="${join(dir, 'ld.log')}"\n`, { checkPaths: true })).globals.logfile).toBe(join(dir, 'ld.log'));
    expect((await ok('logfile="daemon"\n', { checkPaths: true })).globals.logfile).toBe('daemon');
  });

  it('a missing maintenancedir is a warning', async () => {
    expect(await warnings(`maintenancedir=${join(dir, 'maint')}\n`, { checkPaths: true })).toEqual(['1: maintenance directory does not exist']);
    expect(await warnings(`maintenancedir=${dir}\n`, { checkPaths: true })).toEqual([]);
  });

  it('tlscafile must be readable', async () => {
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\n');
    const text = (path: string): string => section(['real=198.51.100.1:443 gate', 'tlsverify=yes', `tlscafile=${path}`], [], 'virtual=192.0.2.1:443');
    expect((await ok(text(ca), { checkPaths: true })).virtuals[0]?.tls.caFile).toBe(ca);
    expect(await problems(text(join(dir, 'none.pem')), { checkPaths: true })).toEqual([
      `4: unable to read tlscafile ${join(dir, 'none.pem')}: No such file or directory`,
    ]);
  });

  it('are skipped with checkPaths: false', async () => {
    await ok(section(['real=198.51.100.1:80 gate', 'monitorfile=/no/such/dir/m.log']), { checkPaths: false });
  });
});

describe('hostile input ends in a clear error or a clean parse', () => {
  it('a binary file: one problem', async () => {
    const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('checkinterval=5\n\0\x01\x02\n')]);
    expect(await loadConfigText(bytes, 'bin.cf', opts)).toEqual({
      ok: false, warnings: [],
      problems: [{ file: 'bin.cf', line: 1, directive: '', message: 'the file contains a NUL byte at line 1; it is not a text configuration file' }],
    });
  });

  it('a NUL byte further down: one problem at its line', async () => {
    expect(await problems('checkinterval=5\n# fine\nfork=no\0\n')).toEqual([
      '3: the file contains a NUL byte at line 3; it is not a text configuration file',
    ]);
  });

  it('a 100 MB file: one problem, without reading it', async () => {
    const path = join(dir, 'huge.cf');
    const fh = await import('node:fs/promises').then((fs) => fs.open(path, 'w'));
    await fh.truncate(100 * 1024 * 1024);
    await fh.close();
    expect(await loadConfig(path, opts)).toEqual({
      ok: false, warnings: [],
      problems: [{ file: path, line: 0, directive: '', message: 'the file is too large (104857600 bytes; ldirectord-ng reads at most 33554432)' }],
    });
    await rm(path);
  });

  it('an endless device: one problem, without reading forever', async () => {
    expect(await loadConfig('/dev/zero', opts)).toEqual({
      ok: false, warnings: [],
      problems: [{ file: '/dev/zero', line: 0, directive: '', message: 'the file is too large (more than that; ldirectord-ng reads at most 33554432)' }],
    });
  });

  it('a 100 MB string: one problem', async () => {
    const r = await loadConfigText(Buffer.alloc(100 * 1024 * 1024, 0x20), 'huge.cf', opts);
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual(['the file is too large (104857600 bytes; ldirectord-ng reads at most 33554432)']);
  });

  it.each([
    ['a real address', `real=${'a'.repeat(100_000)} gate`, /^2: invalid address for real server \(wrong format\) \(got "a{77}\.\.\."\)$/],
    ['real flags full of quotes', `real=198.51.100.1:80 gate${' "x'.repeat(50_000)}`, /^2: Invalid real server line, around " \\"x \\"x /],
    ['a dotted name', `real=${'a.'.repeat(50_000)}:80:80 gate`, /^2: invalid address for real server \(wrong format\)/],
    ['a fallback', `fallback=${'a '.repeat(50_000)}`, /^2: forward method must be gate, masq or ipip \(got "a"\)$/],
    ['a receive regex', `receive="${'(a|'.repeat(30_000)}"`, /^2: invalid receive string: "\(a\|\(a\|.*does not compile: Unterminated group$/],
    ['an unknown directive', `x${'y'.repeat(100_000)}=1`, /^2: Unknown command "\\tx(y){195}\.\.\."$/],
  ])('a 100,000-character line: %s', async (_what, line, expected) => {
    const list = await problems(`virtual=192.0.2.1:80\n\t${line}\n`);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(expected);
  });

  it('a 100,000-character global line', async () => {
    expect(await problems(`checkinterval=${'x'.repeat(100_000)}\n`)).toEqual([
      `1: invalid check interval value (got "${'x'.repeat(77)}...")`,
    ]);
  });

  it('unbalanced quotes', async () => {
    expect(await problems('callback="/bin/cb\nvirtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate "index.html\n\tlogin="x\n')).toEqual([
      '1: Unknown command callback="/bin/cb (the closing quote is missing)',
      '3: Invalid real server line, around " \\"index.html"',
      '4: Unknown command "\\tlogin="x" (the closing quote is missing)',
    ]);
  });

  it('a virtual with 10,000 reals', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `real=10.0.${i >> 8}.${i & 255}:80 gate`);
    const c = await ok(section(lines));
    expect(c.virtuals[0]?.reals).toHaveLength(10_000);
    expect(c.virtuals[0]?.reals[9_999]?.address).toBe('10.0.39.15');
  });

  it('a huge range: refused without allocating it', async () => {
    expect(await problems(section(['real=0.0.0.0->255.255.255.255:80 gate']))).toEqual([
      '2: the range 0.0.0.0->255.255.255.255 has 4294967296 addresses; at most 65536 are allowed in one range',
    ]);
  });

  it('a million bad lines: 1,000 problems and a count of the rest', async () => {
    const r = await load('foo=bar\n'.repeat(1_000_000));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1_001);
    expect(r.problems[999]).toEqual({ file: 't.cf', line: 1000, directive: 'foo', message: 'Unknown command foo=bar' });
    expect(r.problems[1_000]).toEqual({ file: 't.cf', line: 1000, directive: '', message: '999000 more problems not shown' });
  });

  it('many warnings are capped the same way', async () => {
    const lines = Array.from({ length: 1_500 }, () => 'real=198.51.100.1:80 gate');
    const list = await warnings(section(lines));
    expect(list).toHaveLength(1_001);
    expect(list[1_000]).toBe('-: 499 more warnings not shown');
  });
});
