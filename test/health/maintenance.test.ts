import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findMaintenanceFile, systemReverseLookup, type ReverseLookup } from '../../src/health/maintenance.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ldng-maint-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const touch = (...names: string[]) => Promise.all(names.map((n) => writeFile(join(dir, n), '')));
const r4 = { address: '10.0.0.2', port: 80 };
const r6 = { address: '2001:db8::2', port: 80 };
const noName: ReverseLookup = async () => undefined;

describe('findMaintenanceFile', () => {
  it('matches nothing in an empty or missing directory', async () => {
    expect(await findMaintenanceFile(dir, r4, noName)).toBeUndefined();
    expect(await findMaintenanceFile(join(dir, 'absent'), r4, noName)).toBeUndefined();
  });

  it('prefers <rip>:<rport> over <rip>', async () => {
    await touch('10.0.0.2', '10.0.0.2:80');
    expect(await findMaintenanceFile(dir, r4, noName)).toBe('10.0.0.2:80');
  });

  it('matches <rip> alone for every port, and not another port', async () => {
    await touch('10.0.0.2', '10.0.0.3:80');
    expect(await findMaintenanceFile(dir, r4, noName)).toBe('10.0.0.2');
    expect(await findMaintenanceFile(dir, { address: '10.0.0.3', port: 81 }, noName)).toBeUndefined();
  });

  it('brackets IPv6 file names', async () => {
    await touch('[2001:db8::2]');
    expect(await findMaintenanceFile(dir, r6, noName)).toBe('[2001:db8::2]');
    await touch('[2001:db8::2]:80');
    expect(await findMaintenanceFile(dir, r6, noName)).toBe('[2001:db8::2]:80');
  });

  it('does not count a dangling symlink, as Perl -e does not', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, '10.0.0.2:80'));
    expect(await findMaintenanceFile(dir, r4, noName)).toBeUndefined();
  });

  describe('names (reverse DNS injected: no resolver for these names here)', () => {
    const named = (name: string | undefined) => vi.fn<ReverseLookup>(async () => name);

    it.each([
      [['web1.example.com:80', 'web1.example.com', 'web1:80', 'web1'], 'web1.example.com:80'],
      [['web1.example.com', 'web1:80', 'web1'], 'web1.example.com'],
      [['web1:80', 'web1'], 'web1:80'],
      [['web1'], 'web1'],
      [['web1:81', 'web2'], undefined],
    ] as const)('tries name:port, name, short:port, short in that order (%j)', async (files, expected) => {
      await touch(...files);
      expect(await findMaintenanceFile(dir, r4, named('web1.example.com'))).toBe(expected);
    });

    it('still prefers the address files over names', async () => {
      await touch('web1.example.com:80', '10.0.0.2');
      expect(await findMaintenanceFile(dir, r4, named('web1.example.com'))).toBe('10.0.0.2');
    });

    it.each([
      ['Web1.example.com', 'Web1'],
      ['w.example.com', 'w'],
      ['1web.example.com', '1web'],
      ['localhost', 'localhost'],
    ])('has no short name for %s (first label must match ^[a-z][a-z0-9-]+ and be followed by a dot)', async (fqdn, label) => {
      await touch(label, `${label}:80`);
      const expected = fqdn === label ? `${label}:80` : undefined;
      expect(await findMaintenanceFile(dir, r4, named(fqdn))).toBe(expected);
    });

    it('allows a hyphen and digits in the short name', async () => {
      await touch('db-2');
      expect(await findMaintenanceFile(dir, r4, named('db-2.example.com'))).toBe('db-2');
    });

    it('skips the lookup when the directory is empty or holds only address-named files', async () => {
      const reverse = named('web1.example.com');
      expect(await findMaintenanceFile(dir, r4, reverse)).toBeUndefined();
      await touch('10.0.0.9', '10.0.0.9:80', '[2001:db8::9]', '[2001:db8::9]:443', '2001:db8::8');
      expect(await findMaintenanceFile(dir, r4, reverse)).toBeUndefined();
      expect(reverse).not.toHaveBeenCalled();
      await touch('web9');
      expect(await findMaintenanceFile(dir, r4, reverse)).toBeUndefined();
      expect(reverse).toHaveBeenCalledWith('10.0.0.2');
    });

    it('passes the unbracketed IPv6 address to the lookup', async () => {
      await touch('v6host');
      const reverse = named('v6host.example.com');
      expect(await findMaintenanceFile(dir, r6, reverse)).toBe('v6host');
      expect(reverse).toHaveBeenCalledWith('2001:db8::2');
    });

    it('treats a failing lookup as no name', async () => {
      await touch('web1');
      expect(await findMaintenanceFile(dir, r4, async () => { throw new Error('SERVFAIL'); })).toBeUndefined();
    });
  });

  it('systemReverseLookup resolves 127.0.0.1 through /etc/hosts like getnameinfo', async () => {
    expect(await systemReverseLookup('127.0.0.1')).toBe('localhost');
  });

  it('finds a real by its /etc/hosts name with the system lookup', async () => {
    await touch('localhost:8080');
    expect(await findMaintenanceFile(dir, { address: '127.0.0.1', port: 8080 }, systemReverseLookup)).toBe('localhost:8080');
  });
});
