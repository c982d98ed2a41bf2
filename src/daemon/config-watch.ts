/**
 * Watches the config file for content changes however an editor saves it (in place, write and
 * rename, `sed -i`, delete then recreate). Events are debounced and only a changed content hash
 * counts, so `touch` and same-content saves do nothing (ldirectord's mtime + MD5 test).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock, TimerHandle } from '../util/clock.js';

export interface ConfigWatchOptions {
  readonly path: string;
  /** Hash of the content the daemon runs now; only a different one is reported. */
  readonly initialHash: string;
  readonly clock: Clock;
  /** Quiet time after the last event before the file is read (ms). Default 300. */
  readonly debounceMs?: number;
  /** Poll the file instead of using inotify (NFS); default false. */
  readonly usePolling?: boolean;
  /** Called with the new bytes and their hash when the content really changed. */
  readonly onChange: (content: Buffer, hash: string) => void;
  /** A failure to read the file (e.g. between delete and recreate); the old config stays. */
  readonly onError: (error: unknown) => void;
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export class ConfigWatch {
  readonly #o: ConfigWatchOptions;
  readonly #watcher: FSWatcher;
  #hash: string;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: ConfigWatchOptions) {
    this.#o = options;
    this.#hash = options.initialHash;
    this.#watcher = watch(options.path, {
      ignoreInitial: true,
      atomic: true,
      usePolling: options.usePolling ?? false,
      interval: 500,
    });
    this.#watcher.on('all', (event) => {
      if (event === 'unlink') return; // wait for the file to come back; the old config stays
      this.#schedule();
    });
    this.#watcher.on('error', (e) => this.#o.onError(e));
  }

  /** Promise that settles once the watcher is ready to see events. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.#watcher.once('ready', () => resolve()));
  }

  /** The daemon loaded this content by other means (SIGHUP); do not report it again. */
  accept(hash: string): void {
    this.#hash = hash;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    await this.#watcher.close();
  }

  #schedule(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, this.#o.debounceMs ?? 300);
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    let content: Buffer;
    try {
      content = await readFile(this.#o.path);
    } catch (e) {
      this.#o.onError(e);
      return;
    }
    const hash = sha256(content);
    if (hash === this.#hash || this.#closed) return;
    this.#hash = hash;
    this.#o.onChange(content, hash);
  }
}
