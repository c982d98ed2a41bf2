/**
 * The filesystem checks ldirectord makes while reading a config (it opens the logfile and each
 * monitorfile for appending, and tests maintenancedir with `-d`), plus ours for tlscafile. We
 * test without creating anything: a file must be writable if it exists, otherwise its directory
 * must exist and be writable.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Diagnostics } from './diagnostics.js';
import type { PathCheck } from './drafts.js';
import { strerror } from './strerror.js';

/** Run the checks concurrently and add what fails to `diag`. */
export async function runPathChecks(checks: readonly PathCheck[], diag: Diagnostics): Promise<void> {
  const results = await Promise.all(checks.map(async (c) => ({ c, error: await failure(c) })));
  for (const { c, error } of results) {
    if (error === undefined) continue;
    switch (c.kind) {
      case 'monitorfile':
        diag.error(c.line, c.kind, `unable to open monitorfile ${c.path}: ${error}`);
        break;
      case 'logfile':
        diag.error(c.line, c.kind, `unable to open logfile: ${c.path} (${error})`);
        break;
      case 'maintenancedir':
        diag.warn(c.line, c.kind, 'maintenance directory does not exist');
        break;
      case 'tlscafile':
        diag.error(c.line, c.kind, `unable to read tlscafile ${c.path}: ${error}`);
        break;
      default:
        return c satisfies never;
    }
  }
}

/** Why the check fails, as strerror(3) says it, or undefined. */
async function failure(c: PathCheck): Promise<string | undefined> {
  try {
    switch (c.kind) {
      case 'monitorfile':
      case 'logfile':
        await checkAppendable(c.path);
        return undefined;
      case 'maintenancedir':
        return (await stat(c.path)).isDirectory() ? undefined : 'Not a directory';
      case 'tlscafile':
        if ((await stat(c.path)).isDirectory()) return 'Is a directory';
        await access(c.path, constants.R_OK);
        return undefined;
      default:
        return c satisfies never;
    }
  } catch (err) {
    return strerror(err);
  }
}

async function checkAppendable(path: string): Promise<void> {
  if (path === '') throw Object.assign(new Error('empty path'), { code: 'ENOENT' });
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await access(path, constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const dir = dirname(path);
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  }
}
