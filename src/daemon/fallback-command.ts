/**
 * `fallbackcommand`: run through the shell as `<cmd> start <vip>:<vport> <proto>` when a virtual
 * has no real left in service, and `<cmd> stop ...` when the first one returns (ldirectord §3.5).
 * Only changes run it, once each, whatever the kernel said to the fallback server's op.
 */
import type { Virtual, VirtualKey } from '../config/model.js';
import type { Log } from '../observe/log.js';

/** Runs a shell command line; resolves with its exit status (or a description of its failure). */
export type ShellRunner = (commandLine: string) => Promise<{ code: number | null; error?: string }>;

export class FallbackCommands {
  readonly #active = new Map<VirtualKey, boolean>();

  constructor(
    private readonly run: ShellRunner,
    private readonly log: Log,
  ) {}

  /** Compares each virtual's fallback state with the last one seen and runs the command on changes. */
  update(virtuals: readonly Virtual[], isActive: (key: VirtualKey) => boolean): void {
    const seen = new Set<VirtualKey>();
    for (const v of virtuals) {
      seen.add(v.key);
      const now = isActive(v.key);
      const before = this.#active.get(v.key) ?? false;
      this.#active.set(v.key, now);
      if (now === before || v.fallbackcommand === undefined) continue;
      const line = `${v.fallbackcommand} ${now ? 'start' : 'stop'} ${fallbackArgs(v)}`;
      this.log.debug(`Running fallbackcommand: ${line}`);
      void this.run(line).then((r) => {
        if (r.code !== 0) this.log.info(`system(${line}) failed: ${r.error ?? `exit status ${r.code}`}`);
      });
    }
    for (const key of [...this.#active.keys()]) if (!seen.has(key)) this.#active.delete(key);
  }
}

/**
 * `<vip>:<vport> <proto>`. ldirectord passes `:0 fwm` for a firewall-mark virtual (its address is
 * undefined); we pass the mark in the address position: `<mark>:0 fwm`.
 */
export function fallbackArgs(v: Virtual): string {
  if (v.endpoint.kind === 'fwmark') return `${v.endpoint.mark}:0 fwm`;
  return `${v.label} ${v.endpoint.protocol}`;
}
