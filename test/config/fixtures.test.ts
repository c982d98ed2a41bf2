/**
 * Walks fixtures/config: every valid/NAME.cf must load to exactly NAME.expected.json (the
 * normalised config, secrets shown), every invalid/NAME.cf must fail with exactly the lines of
 * NAME.expected.txt (problems, then warnings). The expected files are reviewed by hand against
 * reference/ldirectord.md; UPDATE_FIXTURES=1 rewrites them, and the diff must then be reviewed.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpConfig } from '../../src/config/dump.js';
import { formatProblem, formatWarning } from '../../src/config/format.js';
import { FIXTURE_ROOT, fixtureNames, loadFixture } from './fixture-files.js';

const ROOT = FIXTURE_ROOT;
const UPDATE = process.env.UPDATE_FIXTURES === '1';

function compare(expectedPath: string, actual: string): void {
  if (UPDATE) writeFileSync(expectedPath, actual);
  expect(existsSync(expectedPath), `${expectedPath} is missing`).toBe(true);
  expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
}

describe('valid fixtures', () => {
  it('there are enough of them', () => {
    expect(fixtureNames('valid').length).toBeGreaterThanOrEqual(25);
  });

  it.each(fixtureNames('valid'))('%s', async (name) => {
    const r = await loadFixture('valid', name);
    if (!r.ok) expect.fail(r.problems.map(formatProblem).join('\n'));
    compare(join(ROOT, 'valid', `${name}.expected.json`), `${dumpConfig(r.config, { showSecrets: true })}\n`);
  });
});

describe('invalid fixtures', () => {
  it('there are enough of them', () => {
    expect(fixtureNames('invalid').length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtureNames('invalid'))('%s', async (name) => {
    const r = await loadFixture('invalid', name);
    if (r.ok) expect.fail('the fixture loaded');
    const file = `fixtures/config/invalid/${name}.cf`;
    const lines = [...r.problems.map(formatProblem), ...r.warnings.map((w) => formatWarning(w, file))];
    compare(join(ROOT, 'invalid', `${name}.expected.txt`), `${lines.join('\n')}\n`);
  });
});

describe('fixture directories', () => {
  it.each(['valid', 'invalid'] as const)('%s has no expected file without its .cf', (kind) => {
    const names = new Set(fixtureNames(kind));
    const orphans = readdirSync(join(ROOT, kind))
      .filter((f) => /\.expected\.(json|txt)$/.test(f))
      .filter((f) => !names.has(f.replace(/\.expected\.(json|txt)$/, '')));
    expect(orphans).toEqual([]);
  });
});
