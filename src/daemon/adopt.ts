/**
 * Start-up and reload adopt the kernel table instead of resetting it (ldirectord's `ld_start`):
 * a configured real already present with weight > 0 starts `up`, so restarting the daemon over
 * healthy reals changes nothing in the table. Everything else starts `unknown` until its check.
 */
import type { RealKey } from '../config/keys.js';
import type { Config } from '../config/model.js';
import { computeDesired } from '../desired/compute.js';
import type { HealthState } from '../health/health-state.js';
import type { IpvsTable } from '../ipvs/types.js';

/** Health seeds for the reals of `config` that the table shows in service. */
export function adoptFromTable(config: Config, table: IpvsTable): ReadonlyMap<RealKey, HealthState> {
  // The all-up desired table says which dest (after gate/ipip port mapping) each real becomes.
  const allUp = computeDesired(config, () => 'up');
  const seeds = new Map<RealKey, HealthState>();
  for (const [skey, service] of allUp.services) {
    const have = table.get(skey);
    if (!have) continue;
    for (const [dkey, origin] of service.origins) {
      if (origin.realKey === undefined) continue;
      const dest = have.dests.get(dkey);
      if (dest !== undefined && dest.weight > 0) seeds.set(origin.realKey, 'up');
    }
  }
  return seeds;
}
