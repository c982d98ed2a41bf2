/**
 * Runs the real ldirectord 4.12 (`/usr/sbin/ldirectord FILE status`) on every fixture and checks
 * that it accepts (exit 3, "stopped") or rejects (exit 2) exactly the files we accept or reject,
 * apart from the intentional differences listed below (each also a line in docs/compat.md).
 *
 * ldirectord resolves names for real, so it runs in a fresh network namespace (`unshare --net`):
 * its lookups of unresolvable fixture names fail at once and never leave the machine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureNames, fixturePath, loadFixture } from './fixture-files.js';

const LDIRECTORD = '/usr/sbin/ldirectord';

type Verdict = 'accepts' | 'rejects';

/**
 * Where ldirectord 4.12 and ldirectord-ng deliberately disagree: what ldirectord does (`hangs`:
 * still reading the file after HANG_MS), and why we differ. The fixture's directory says what we do.
 */
const DIFFERENCES: Readonly<Record<string, { ldirectord: Verdict | 'hangs'; why: string }>> = {
  'valid/bom': { ldirectord: 'rejects', why: 'a UTF-8 byte-order mark is skipped' },
  'valid/crlf': { ldirectord: 'rejects', why: 'CRLF line ends and trailing blanks are accepted' },
  'valid/whitespace-only-line': { ldirectord: 'rejects', why: 'a line of blanks in a section is a blank line, not "Unknown command"' },
  'valid/section-inline-comment': { ldirectord: 'rejects', why: 'the blank left before a "#" comment no longer breaks yes/no' },
  'valid/extensions': { ldirectord: 'rejects', why: 'ldirectord-ng directives are unknown to ldirectord' },
  'invalid/bad-receive-regex': { ldirectord: 'accepts', why: 'a receive that is not a valid regex is refused at load (ldirectord dies at the first check)' },
  'invalid/netmask-octet': { ldirectord: 'accepts', why: 'a netmask part above 255 is refused at load (ipvsadm fails on it later)' },
  'invalid/range-too-large': { ldirectord: 'hangs', why: 'ranges are capped at 65536 addresses (ldirectord builds 16M reals, quadratically)' },
};

/** How long ldirectord may take to read one file before it counts as hanging. */
const HANG_MS = 4_000;

function runLdirectord(path: string): Promise<{ verdict: Verdict | 'hangs'; detail: string }> {
  return new Promise((resolve, reject) => {
    // PERLIO=perlio is what ldirectord sets before re-executing itself; setting it skips that exec.
    const child = spawn('unshare', ['--net', LDIRECTORD, path, 'status'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PERLIO: 'perlio' },
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
    // ldirectord handles SIGTERM by setting a flag, so only SIGKILL stops it mid-parse.
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ verdict: 'hangs', detail: output });
      else if (code === 3) resolve({ verdict: 'accepts', detail: output });
      else if (code === 2) resolve({ verdict: 'rejects', detail: output });
      else reject(new Error(`unshare --net ldirectord ${path} status exited ${code}: ${output}`));
    });
  });
}

const fixtures = (['valid', 'invalid'] as const).flatMap((kind) => fixtureNames(kind).map((name) => ({ kind, name, id: `${kind}/${name}` })));

describe('accept/reject parity with ldirectord 4.12', () => {
  it('has ldirectord to compare with', () => {
    expect(existsSync(LDIRECTORD), `${LDIRECTORD} is missing: apt-get install ldirectord (the parity test runs the original)`).toBe(true);
  });

  it('lists only differences that have a fixture', () => {
    expect(Object.keys(DIFFERENCES).filter((id) => !fixtures.some((f) => f.id === id))).toEqual([]);
  });

  it.concurrent.each(fixtures)('$id', async ({ kind, name, id }) => {
    expect(existsSync(LDIRECTORD), `${LDIRECTORD} is missing: apt-get install ldirectord`).toBe(true);
    const ours: Verdict = (await loadFixture(kind, name)).ok ? 'accepts' : 'rejects';
    expect(ours, 'a fixture\'s directory says whether we accept it').toBe(kind === 'valid' ? 'accepts' : 'rejects');
    const theirs = await runLdirectord(fixturePath(kind, name));
    const difference = DIFFERENCES[id];
    if (difference) {
      expect(theirs.verdict, `listed difference (${difference.why}) no longer holds: ${theirs.detail}`).toBe(difference.ldirectord);
    } else {
      expect(theirs.verdict, `ldirectord differs from us: ${theirs.detail}`).toBe(ours);
    }
  }, 20_000);
});
