/** The normalised config as pretty JSON, for `--dump-config`, status output and fixtures. */
import type { Config } from './model.js';

/** Fields whose non-empty values are secrets. */
const SECRET_FIELDS = new Set(['passwd', 'secret']);

/** How to dump. */
export interface DumpOptions {
  /** Print secrets as they are (for reviewed test fixtures only). Default false: `********`. */
  readonly showSecrets?: boolean;
}

/** The config as JSON, two-space indented; non-empty `passwd` and `secret` values become `********`. */
export function dumpConfig(config: Config, options: DumpOptions = {}): string {
  return JSON.stringify(
    config,
    (key, value: unknown) =>
      !options.showSecrets && SECRET_FIELDS.has(key) && typeof value === 'string' && value !== '' ? '********' : value,
    2,
  );
}
