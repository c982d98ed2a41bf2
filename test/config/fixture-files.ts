/** The fixture files under fixtures/config, and how tests load them. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigText, type LoadResult } from '../../src/config/load.js';
import { FIXTURE_HOSTNAME, fixtureResolver } from './fixture-resolver.js';

export type FixtureKind = 'valid' | 'invalid';

export const FIXTURE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/config');

export function fixtureNames(kind: FixtureKind): string[] {
  return readdirSync(join(FIXTURE_ROOT, kind)).filter((f) => f.endsWith('.cf')).map((f) => f.slice(0, -3)).sort();
}

export function fixturePath(kind: FixtureKind, name: string): string {
  return join(FIXTURE_ROOT, kind, `${name}.cf`);
}

/** Load a fixture as the tests see it: fixed resolver and hostname, a path relative to the repo. */
export function loadFixture(kind: FixtureKind, name: string): Promise<LoadResult> {
  return loadConfigText(readFileSync(fixturePath(kind, name)), `fixtures/config/${kind}/${name}.cf`, {
    resolver: fixtureResolver, hostname: FIXTURE_HOSTNAME,
  });
}
