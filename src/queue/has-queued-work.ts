/** Whether any job of these kinds is waiting to run (claimable now or later): the worker's pre-flight asks it. */
import type { HolocronDatabase } from '../database/open-database.ts';
import { isClaimable } from './status-predicates.ts';

export async function hasQueuedWorkOfKinds(database: HolocronDatabase, kinds: readonly string[]): Promise<boolean> {
  if (kinds.length === 0) return false;
  const row = await database.db.selectFrom('jobs').select('id').where(isClaimable).where('kind', 'in', kinds).limit(1).executeTakeFirst();
  return row !== undefined;
}
