import type { Log } from '../observe/log.js';

/**
 * A Log whose destination can be replaced while the daemon runs (a reload that changes
 * `logfile=`), so components keep the one reference they were given.
 */
export class SwitchableLog implements Log {
  constructor(private target: Log) {}

  /** Points at a new destination and returns the old one (for the caller to close). */
  switchTo(next: Log): Log {
    const old = this.target;
    this.target = next;
    return old;
  }

  error(message: string): void { this.target.error(message); }
  warning(message: string): void { this.target.warning(message); }
  info(message: string): void { this.target.info(message); }
  debug(message: string): void { this.target.debug(message); }
}
