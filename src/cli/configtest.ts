import { dumpConfig } from '../config/dump.js';
import { formatProblem, formatWarning } from '../config/format.js';
import { loadConfig } from '../config/load.js';
import type { CliIo } from './io.js';
import { writeLine } from './io.js';

/**
 * `-t` / `configtest` / `--dump-config`: load the file, print every warning and problem, and
 * exit 0 when it is valid, 2 when it is not (ldirectord's config-error status).
 */
export async function configtest(path: string, dump: boolean, io: CliIo): Promise<number> {
  const result = await loadConfig(path);
  if (!result.ok) {
    for (const w of result.warnings) writeLine(io.stderr, formatWarning(w, path));
    for (const p of result.problems) writeLine(io.stderr, formatProblem(p));
    const n = result.problems.length;
    writeLine(io.stderr, `${path}: ${n} ${n === 1 ? 'error' : 'errors'}, configuration not valid`);
    return 2;
  }
  const { config } = result;
  for (const w of config.warnings) writeLine(io.stderr, formatWarning(w, path));
  if (dump) {
    writeLine(io.stdout, dumpConfig(config));
    return 0;
  }
  const reals = config.virtuals.reduce((n, v) => n + v.reals.length, 0);
  writeLine(io.stdout, `${path}: configuration OK (${config.virtuals.length} virtual ${config.virtuals.length === 1 ? 'service' : 'services'}, ${reals} real ${reals === 1 ? 'server' : 'servers'})`);
  return 0;
}
