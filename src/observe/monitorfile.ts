import { appendFileSync } from 'node:fs';
import { formatCtime } from './ctime.js';
import type { Log } from './log.js';

/** One check result as a monitorfile records it (reference §4.4). */
export interface MonitorEntry {
  readonly time: Date;
  readonly pid: number;
  /** ldirectord's real id string, e.g. `negotiate:http:tcp:127.0.0.1:18081:1:masq:/index.html:Test Page`. */
  readonly realId: string;
  readonly state: 'up' | 'down';
  /** What the check said (`200 OK`); `-` is written when absent. */
  readonly message?: string;
}

/**
 * Escapes `%`, `|`, CR and LF as `%` plus two lower-case hex digits, so one check is one line and
 * `|` stays free as a field separator for readers.
 */
export function escapeMonitorMessage(message: string): string {
  return message.replace(/[%|\r\n]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * `[<ctime>] [<pid>] <realid> [<up|down>] <message>`, without the newline. In the real id each
 * run of `:` becomes one space and `\` is removed, as ldirectord's `tr/:/ /s; s/\\//g` does.
 */
export function formatMonitorLine(e: MonitorEntry): string {
  const real = e.realId.replace(/:+/g, ' ').replace(/\\/g, '');
  return `[${formatCtime(e.time)}] [${e.pid}] ${real} [${e.state}] ${escapeMonitorMessage(e.message ?? '-')}`;
}

/**
 * Appends monitor lines to one `monitorfile=`, opening and closing it per line so logrotate can
 * move it freely. ldirectord dies when the write fails; a monitoring aid must not stop the
 * monitoring, so a failure is logged once per outage (with ldirectord's text) and the line is
 * lost, and the next line tries again.
 */
export class MonitorFile {
  private failing = false;

  constructor(
    readonly path: string,
    private readonly log: Log,
  ) {}

  /** Writes one line; returns whether it reached the file. Never throws. */
  append(entry: MonitorEntry): boolean {
    try {
      appendFileSync(this.path, `${formatMonitorLine(entry)}\n`);
      if (this.failing) this.log.info(`Writing to monitorfile '${this.path}' works again`);
      this.failing = false;
      return true;
    } catch (err) {
      if (!this.failing) {
        const reason = err instanceof Error ? err.message : String(err);
        this.log.error(`Error writing to monitorfile '${this.path}': ${reason}`);
      }
      this.failing = true;
      return false;
    }
  }
}
