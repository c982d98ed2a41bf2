/**
 * Base of every error the daemon raises on purpose. `code` is stable (tests and callers switch
 * on it), the message is for humans, and context fields say where it happened.
 */
export class DaemonError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A problem in a configuration file, tied to the line that caused it. */
export class ConfigError extends DaemonError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly directive: string,
    message: string,
  ) {
    super('LD_ERR_CONFIG', message);
  }
}

/** A usage mistake on the command line (exit 255, as ldirectord). */
export class UsageError extends DaemonError {
  constructor(message: string) {
    super('LD_ERR_USAGE', message);
  }
}
