/**
 * The expected IPVS table of a daemon scenario, and waiting for the kernel's table to become it.
 * Tables are compared whole (every service with scheduler, flags, persistence, netmask, pe, ops,
 * every dest with forward, weight and both thresholds), in a canonical order so that a test
 * lists services and dests in whatever order reads best.
 */
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { KernelDest, KernelForward, KernelService } from './ipvsadm.js';
import { ipvsadm, parseIpvsadm, readIpvs } from './ipvsadm.js';

/**
 * Extra time allowed on top of a scenario's own bound (e.g. checkinterval × failurecount +
 * timeout) for the emulated machine: a node process, a check and an `ipvsadm` exec each take
 * 0.1–2 s under TCG, more when the host is busy.
 */
export const TCG_MARGIN_MS = 20_000;

/** One dest line as `readIpvs()` returns it. */
export function dest(address: string, forward: KernelForward, weight: number, upperThreshold = 0, lowerThreshold = 0): KernelDest {
  return { address, forward, weight, upperThreshold, lowerThreshold };
}

type ServiceExtras = Partial<Pick<KernelService, 'schedFlags' | 'persistent' | 'netmask' | 'pe' | 'ops'>>;

/** One service as `readIpvs()` returns it: `service('TCP 10.1.1.1:80', 'wrr', [dest(...)])`. */
export function service(id: string, scheduler: string, dests: readonly KernelDest[], extras: ServiceExtras = {}): KernelService {
  return { service: id, scheduler, schedFlags: [], persistent: null, netmask: null, pe: null, ops: false, ...extras, dests };
}

/** Services sorted by identity, dests by address: equal tables compare equal whatever the listing order. */
export function canonical(table: readonly KernelService[]): KernelService[] {
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...table]
    .map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => byText(a.address, b.address)) }))
    .sort((a, b) => byText(a.service, b.service));
}

function withoutThresholds(table: readonly KernelService[]): KernelService[] {
  return table.map((s) => ({ ...s, dests: s.dests.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) }));
}

/** Asserts that the kernel's table is exactly `expected` now. */
export async function expectTable(expected: readonly KernelService[]): Promise<KernelService[]> {
  const table = await readIpvs();
  expect(canonical(table)).toEqual(canonical(expected));
  return table;
}

/**
 * Polls the kernel's table (one cheap `ipvsadm -Ln` per round, the full read with thresholds once
 * that matches) until it is exactly `expected`; fails with a diff after `deadlineMs`.
 * @returns ms from the call until the table matched (includes the polling granularity, under a
 *   second per round under TCG)
 */
export async function waitForTable(expected: readonly KernelService[], what: string, deadlineMs: number): Promise<number> {
  const want = canonical(expected);
  const wantQuick = withoutThresholds(want);
  return waitUntilTable((quick) => isDeepStrictEqual(canonical(withoutThresholds(quick)), wantQuick), what, deadlineMs, (full) => isDeepStrictEqual(canonical(full), want), want);
}

/**
 * Polls until `quick` (a table read without thresholds) holds, then until `full` (the complete
 * table) holds too; fails after `deadlineMs`, with a diff against `want` when one is given.
 * @returns ms from the call until both held
 */
export async function waitUntilTable(
  quick: (table: KernelService[]) => boolean,
  what: string,
  deadlineMs: number,
  full: (table: KernelService[]) => boolean = () => true,
  want?: readonly KernelService[],
): Promise<number> {
  const t0 = performance.now();
  let last: KernelService[] = [];
  for (;;) {
    last = parseIpvsadm(await ipvsadm('-Ln'));
    if (quick(last)) {
      last = await readIpvs();
      if (quick(last) && full(last)) return performance.now() - t0;
    }
    if (performance.now() - t0 > deadlineMs) {
      if (want) expect(canonical(last), `timed out after ${deadlineMs} ms waiting for ${what}`).toEqual(canonical(want));
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}; table: ${JSON.stringify(canonical(last))}`);
    }
    await sleep(100); // pacing between polls, not an assertion
  }
}

/** The dest `address` of service `id` in `table`, if present. */
export function findDest(table: readonly KernelService[], id: string, address: string): KernelDest | undefined {
  return table.find((s) => s.service === id)?.dests.find((d) => d.address === address);
}
