/** Shortcuts for config tests: load text with the fixture resolver and no filesystem checks. */
import { expect } from 'vitest';
import { loadConfigText, type LoadOptions, type LoadResult } from '../../src/config/load.js';
import type { Config, ConfigWarning, Virtual } from '../../src/config/model.js';
import { FIXTURE_HOSTNAME, fixtureResolver } from './fixture-resolver.js';

export function load(text: string, options: LoadOptions = {}): Promise<LoadResult> {
  return loadConfigText(text, 't.cf', { resolver: fixtureResolver, hostname: FIXTURE_HOSTNAME, checkPaths: false, ...options });
}

/** The config of text that must load. */
export async function ok(text: string, options: LoadOptions = {}): Promise<Config> {
  const r = await load(text, options);
  if (!r.ok) expect.fail(`expected the config to load, got:\n${r.problems.map((p) => `${p.line}: ${p.message}`).join('\n')}`);
  return r.config;
}

/** The only virtual of text that must load. */
export async function virtualOf(text: string, options: LoadOptions = {}): Promise<Virtual> {
  const c = await ok(text, options);
  expect(c.virtuals).toHaveLength(1);
  return c.virtuals[0] as Virtual;
}

/** `line: message` of each problem of text that must not load. */
export async function problems(text: string, options: LoadOptions = {}): Promise<string[]> {
  const r = await load(text, options);
  if (r.ok) expect.fail('expected problems, but the config loaded');
  return r.problems.map((p) => `${p.line}: ${p.message}`);
}

/** `line: message` of each warning (of a config that loads or not). */
export async function warnings(text: string, options: LoadOptions = {}): Promise<string[]> {
  const r = await load(text, options);
  const list: readonly ConfigWarning[] = r.ok ? r.config.warnings : r.warnings;
  return list.map((w) => `${w.line ?? '-'}: ${w.message}`);
}

/** A virtual section around some lines (TAB-indented), after optional global lines. */
export function section(lines: readonly string[], globals: readonly string[] = [], header = 'virtual=192.0.2.10:80'): string {
  return [...globals, header, ...lines.map((l) => `\t${l}`), ''].join('\n');
}

/** A section with one real, for tests of other directives. */
export function withReal(lines: readonly string[], globals: readonly string[] = []): string {
  return section(['real=198.51.100.1:80 gate', ...lines], globals);
}
