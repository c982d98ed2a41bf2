/**
 * Start-up and reload adopt the kernel table instead of resetting it (ldirectord's `ld_start`):
 * a configured real already present with weight > 0 starts `up`, so restarting the daemon over
 * healthy reals changes nothing in the table. A virtual whose fallback server is in the table was
 * left with no real up: its other reals start `down`, so the fallback stays in until a check
 * brings one back (rather than leaving and returning while the first checks run). Everything else
 * starts `unknown` until its check.
 */
import type { RealKey } from '../config/keys.js';
import type { Config } from '../config/model.js';
import { computeDesired } from '../desired/compute.js';
import type { HealthState } from '../health/health-state.js';
import type { IpvsTable } from '../ipvs/types.js';

/** Health seeds for the reals of `config`, read from what the table shows. */
export function adoptFromTable(config: Config, table: IpvsTable): ReadonlyMap<RealKey, HealthState> {
  // The all-down desired table names each virtual's fallback dest; the all-up one says which dest
  // (after gate/ipip port mapping) each real becomes.
  const allUp = computeDesired(config, () => 'up');
  const allDown = computeDesired(config, () => 'down');
  const seeds = new Map<RealKey, HealthState>();
  for (const [skey, service] of allUp.services) {
    const have = table.get(skey);
    if (!have) continue;
    const fallbackIn = [...(allDown.services.get(skey)?.origins ?? [])].some(
      ([dkey, origin]) => origin.role === 'fallback' && (have.dests.get(dkey)?.weight ?? 0) > 0,
    );
    for (const [dkey, origin] of service.origins) {
      if (origin.realKey === undefined) continue;
      const dest = have.dests.get(dkey);
      if (dest !== undefined && dest.weight > 0) seeds.set(origin.realKey, 'up');
      else if (fallbackIn) seeds.set(origin.realKey, 'down');
    }
  }
  return seeds;
}
