import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalPerlCheck } from '../../src/checks/external-perl.js';
import { within } from './support.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldng-perl-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function perlScript(body: string): string {
  const path = join(dir, `check-${++n}.pl`);
  writeFileSync(path, `${body}\n`);
  return path;
}

const ARGS = ['5', '0', '127.0.0.1', '8080'];

describe('external-perl check', () => {
  it('passes on exit 0 and sees the arguments in @ARGV', async () => {
    const file = perlScript('print "got @ARGV\\n"; exit($ARGV[3] eq "8080" ? 0 : 1);');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: true, detail: 'exit status 0: got 5 0 127.0.0.1 8080' });
  });

  it('passes when the script falls off the end', async () => {
    const file = perlScript('my $x = 1 + 1;');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: true });
  });

  it('passes when the script returns, since ldirectord runs it as the body of a sub', async () => {
    const file = perlScript('return 1 if $ARGV[2] eq "127.0.0.1";\nexit 1;');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: true });
  });

  it('fails when the script exits 1', async () => {
    const file = perlScript('exit 1;');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status', detail: `external-perl ${file} ${ARGS.join(' ')}: exit status 1` });
  });

  it('fails when the script dies, quoting the message', async () => {
    const file = perlScript('die "backend unhappy\\n";');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status' });
    expect(r.detail).toMatch(/: exit status 255: backend unhappy$/);
  });

  it('fails on a compile error, naming the script and line', async () => {
    const file = perlScript('my $ok = 1;\nthis is not perl (;');
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status' });
    expect(r.detail).toContain(file);
  });

  it('fails when the script file cannot be read', async () => {
    const r = await within(5000, (sig) => externalPerlCheck({ kind: 'external-perl', script: join(dir, 'missing.pl'), args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'exit-status' });
    expect(r.detail).toContain('cannot open external-perl checkcommand file');
  });

  it('is killed at the deadline when it hangs', async () => {
    const file = perlScript('sleep 60;');
    const r = await within(400, (sig) => externalPerlCheck({ kind: 'external-perl', script: file, args: ARGS }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
  });
});
