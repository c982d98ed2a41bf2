/**
 * The shipped systemd unit, checked by systemd's own verifier against this checkout's binary.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

const run = promisify(execFile);
const UNIT = new URL('../../etc/ldirectord-ng.service', import.meta.url);

describe('etc/ldirectord-ng.service', () => {
  const text = readFileSync(UNIT, 'utf8');

  it('passes systemd-analyze verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldng-unit-'));
    const unit = join(dir, 'ldirectord-ng.service');
    writeFileSync(unit, text.replaceAll('/usr/local/bin/ldirectord-ng', BIN));
    const { stderr } = await run('systemd-analyze', ['verify', unit]);
    // Lines about other units on the machine (e.g. ldirectord's own KillMode=none) are not ours.
    expect(stderr.split('\n').filter((l) => l.includes(unit))).toEqual([]);
  });

  it('forks, reloads with HUP, and keeps only the capabilities the daemon uses', () => {
    expect(text).toMatch(/^Type=forking$/m);
    expect(text).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(text).toMatch(/^PIDFile=\/run\/ldirectord\.ldirectord\.pid$/m);
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$/m);
  });
});
