/**
 * The loader: bytes → a frozen Config, or every problem in the file. It is the only part of the
 * config layer that touches the outside world: it reads the file, hashes it, resolves the names
 * the parser asked for (all at once, then parses again), and runs the filesystem checks.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { deepFreeze } from './deep-freeze.js';
import { LIMITS } from './defaults.js';
import type { Config, ConfigProblem, ConfigWarning } from './model.js';
import { NameCache } from './names.js';
import { parseConfig, type ParsedConfig } from './parse-config.js';
import { runPathChecks } from './path-checks.js';
import { systemResolver, type NameResolver } from './resolver.js';
import { strerror } from './strerror.js';

/** How to load; everything has a default suitable for the daemon. */
export interface LoadOptions {
  /** Default: systemResolver (getaddrinfo and /etc/services). */
  resolver?: NameResolver;
  /** ldirectord's `$HOSTNAME` for the ftp/sip login defaults. Default: os.hostname(). */
  hostname?: string;
  /** Run ldirectord's filesystem checks (logfile, monitorfile, maintenancedir, tlscafile). Default true. */
  checkPaths?: boolean;
}

/** A frozen Config, or every problem (bounded) with the warnings found along the way. */
export type LoadResult =
  | { ok: true; config: Config }
  | { ok: false; problems: readonly ConfigProblem[]; warnings: readonly ConfigWarning[] };

/** Read and load a config file. A file that cannot be read is one problem at line 0. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  let read: Buffer | { tooLarge: number | undefined };
  try {
    read = await readBounded(path, LIMITS.maxFileBytes);
  } catch (err) {
    return failed([{ file: path, line: 0, directive: '', message: `can not open file ${path}: ${strerror(err)}` }]);
  }
  if (!Buffer.isBuffer(read)) return tooLarge(path, read.tooLarge);
  return loadConfigText(read, path, options);
}

/**
 * The file's bytes, or its size (when known) if it holds more than `max`. Reads in chunks rather
 * than trusting the size from stat, so a device or pipe (`/dev/zero`) cannot make us read forever.
 */
async function readBounded(path: string, max: number): Promise<Buffer | { tooLarge: number | undefined }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > max) return { tooLarge: size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // stat's size for a regular file (so one read plus the EOF read); 64 KiB steps otherwise.
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(size - total + 1, 65_536), max + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) return { tooLarge: undefined };
    }
  } finally {
    await handle.close();
  }
}

/** Load config text that has already been read; `path` is used in messages and Config.file. */
export async function loadConfigText(text: Buffer | string, path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length > LIMITS.maxFileBytes) return tooLarge(path, bytes.length);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const source = typeof text === 'string' ? text : bytes.toString('utf8');
  const cache = new NameCache(options.resolver ?? systemResolver);
  const parse = (): ParsedConfig => parseConfig(source, { file: path, names: cache, hostname: options.hostname ?? osHostname() });
  let parsed = parse();
  // Each pass asks for every name it meets; one more pass normally answers all of them.
  for (let pass = 0; pass < 3 && cache.hasPending; pass++) {
    await cache.resolvePending();
    parsed = parse();
  }
  if (cache.hasPending) {
    cache.giveUpPending();
    parsed = parse();
  }
  if (options.checkPaths !== false) await runPathChecks(parsed.pathChecks, parsed.diag);
  const { diag } = parsed;
  if (diag.hasProblems) return { ok: false, problems: diag.problems(), warnings: diag.warnings() };
  const config: Config = { file: path, hash, globals: parsed.globals, virtuals: parsed.virtuals, warnings: diag.warnings() };
  return { ok: true, config: deepFreeze(config) };
}

function failed(problems: ConfigProblem[]): LoadResult {
  return { ok: false, problems, warnings: [] };
}

function tooLarge(path: string, size: number | undefined): LoadResult {
  const what = size === undefined ? 'more than that' : `${size} bytes`;
  return failed([{
    file: path, line: 0, directive: '',
    message: `the file is too large (${what}; ldirectord-ng reads at most ${LIMITS.maxFileBytes})`,
  }]);
}
