/**
 * The reconciler's brain: desired table × a fresh dump → the ops that make the dump match, in an
 * order the kernel accepts and that never leaves a virtual without a usable dest mid-swap. Pure;
 * the executor only runs the ops in order.
 */
import type { DesiredTable } from '../desired/types.js';
import {
  destKey,
  sameDest,
  sameService,
  serviceKey,
  type DestKey,
  type IpvsDest,
  type IpvsOp,
  type IpvsTable,
  type ServiceKey,
} from './types.js';

/**
 * Ops that turn `actual` into `desired`, touching only services that are desired or in `owned`
 * (the current and the previous config's services; the desired ones count as owned anyway).
 *
 * Order: add-service, edit-service, add-dest, edit-dest (weight raises first), del-dest,
 * del-service; within a group by service key, then dest key. New dests are in before old ones
 * go, a service exists before its dests, and a deleted service takes its dests with it.
 */
export function plan(desired: DesiredTable, actual: IpvsTable, owned: ReadonlySet<ServiceKey>): IpvsOp[] {
  const addServices: IpvsOp[] = [];
  const editServices: IpvsOp[] = [];
  const addDests: IpvsOp[] = [];
  const raiseDests: IpvsOp[] = [];
  const otherEdits: IpvsOp[] = [];
  const delDests: IpvsOp[] = [];
  const delServices: IpvsOp[] = [];

  for (const skey of sortedKeys(desired.services)) {
    const want = desired.services.get(skey);
    if (!want) continue;
    const id = want.service.id;
    const have = actual.get(skey);
    if (!have) addServices.push({ op: 'add-service', service: want.service });
    else if (!sameService(want.service, have.service)) editServices.push({ op: 'edit-service', service: want.service });

    const haveDests: ReadonlyMap<DestKey, IpvsDest> = have?.dests ?? new Map();
    for (const dkey of sortedKeys(want.dests)) {
      const entry = want.dests.get(dkey);
      if (!entry) continue;
      const current = haveDests.get(dkey);
      if (!current) {
        if (entry.presence === 'required') addDests.push({ op: 'add-dest', id, dest: entry.dest });
      } else if (!sameDest(entry.dest, current)) {
        (entry.dest.weight > current.weight ? raiseDests : otherEdits).push({ op: 'edit-dest', id, dest: entry.dest });
      }
    }
    for (const dkey of sortedKeys(haveDests)) {
      const current = haveDests.get(dkey);
      if (!current || want.dests.has(dkey)) continue;
      delDests.push({ op: 'del-dest', id, dest: { family: current.family, address: current.address, port: current.port } });
    }
  }

  for (const skey of sortedKeys(actual)) {
    const have = actual.get(skey);
    if (have && owned.has(skey) && !desired.services.has(skey)) delServices.push({ op: 'del-service', id: have.service.id });
  }

  return [...addServices, ...editServices, ...addDests, ...raiseDests, ...otherEdits, ...delDests, ...delServices];
}

/** How much of the managed table a plan deletes, and why. Entries = services + dests. */
export interface PurgeSummary {
  /**
   * Entries deleted because the config no longer names them: a previous virtual's service and
   * every dest it takes along, and dests of a current virtual that match no real or fallback.
   */
  readonly configPurges: number;
  /** Dests deleted because of health: a real gone down with quiescent=no, the fallback going out. */
  readonly healthDeletes: number;
  /** Entries in the managed part of `actual` (services desired or owned, and their dests). */
  readonly managedSize: number;
  /** `configPurges` as a percentage of `managedSize`; 0 for an empty managed table. */
  readonly purgePercent: number;
}

/**
 * Sorts a plan's deletes into config purges and health-driven deletes, so the reconciler can
 * refuse a plan that would purge more than `maxPurgePercent` of the managed table (a truncated
 * config file, a bad include) while still letting health take reals out.
 */
export function classifyPurge(
  ops: readonly IpvsOp[],
  desired: DesiredTable,
  actual: IpvsTable,
  owned: ReadonlySet<ServiceKey>,
): PurgeSummary {
  let managedSize = 0;
  for (const [skey, entry] of actual) {
    if (owned.has(skey) || desired.services.has(skey)) managedSize += 1 + entry.dests.size;
  }
  let configPurges = 0;
  let healthDeletes = 0;
  for (const op of ops) {
    if (op.op === 'del-service') configPurges += 1 + (actual.get(serviceKey(op.id))?.dests.size ?? 0);
    else if (isConfigPurge(op, desired)) configPurges++;
    else if (op.op === 'del-dest') healthDeletes++;
  }
  const purgePercent = managedSize === 0 ? 0 : (configPurges * 100) / managedSize;
  return { configPurges, healthDeletes, managedSize, purgePercent };
}

/**
 * A delete that exists because the config no longer names the entry: a service not desired, or
 * a dest of a desired service that matches no configured real or fallback. Health-driven deletes
 * (a real down with quiescent=no, the fallback going out) are not purges.
 */
export function isConfigPurge(op: IpvsOp, desired: DesiredTable): boolean {
  if (op.op === 'del-service') return !desired.services.has(serviceKey(op.id));
  if (op.op !== 'del-dest') return false;
  return !desired.services.get(serviceKey(op.id))?.origins.has(destKey(op.dest));
}

/** True when a plan purges more than the config's `maxpurge=` allows (100 turns the guard off). */
export function exceedsPurgeLimit(summary: PurgeSummary, maxPurgePercent: number): boolean {
  return maxPurgePercent < 100 && summary.purgePercent > maxPurgePercent;
}

function sortedKeys<K extends string>(map: ReadonlyMap<K, unknown>): K[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
