/**
 * Claims up to `limit` ready jobs for one worker in a single statement: highest priority first, then
 * oldest. Each claimed job gets a lease, a new attempt id (its fencing token) and one more attempt.
 * PostgreSQL skips rows other workers are claiming (FOR UPDATE SKIP LOCKED); on SQLite the one
 * UPDATE statement is atomic under the database write lock.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import { claimedJobColumns, claimValues, toClaimedJob, type ClaimedJob } from './claimed-job.ts';
import { isClaimable } from './status-predicates.ts';

export async function claimJobs(
  database: HolocronDatabase,
  workerId: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  if (limit <= 0) return [];
  const { db, adapter } = database;
  const now = adapter.nowMilliseconds();
  const rows = await db
    .updateTable('jobs')
    .set(claimValues(adapter, workerId, leaseMs, now))
    .where(({ selectFrom }) =>
      adapter.inSubquery(
        'id',
        selectFrom('jobs')
          .select('id')
          .where(isClaimable)
          .where('available_at', '<=', now)
          .orderBy('priority', 'desc')
          .orderBy('id')
          .limit(limit)
          .$if(adapter.supportsSkipLocked, (query) => query.forUpdate().skipLocked()),
      ),
    )
    .returning(claimedJobColumns)
    .execute();
  return rows.map(toClaimedJob).sort((a, b) => b.priority - a.priority || a.id - b.id);
}
