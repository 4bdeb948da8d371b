/** Claims one job by id (NEW or RETRY, whatever its available time): a replay runs the job it just made. */
import type { HolocronDatabase } from '../database/open-database.ts';
import { claimedJobColumns, claimValues, toClaimedJob, type ClaimedJob } from './claimed-job.ts';

export async function claimJobById(database: HolocronDatabase, jobId: number, workerId: string, leaseMs: number): Promise<ClaimedJob | undefined> {
  const { db, adapter } = database;
  const row = await db
    .updateTable('jobs')
    .set(claimValues(adapter, workerId, leaseMs, adapter.nowMilliseconds()))
    .where('id', '=', jobId)
    .where('status', 'in', ['NEW', 'RETRY'])
    .returning(claimedJobColumns)
    .executeTakeFirst();
  return row ? toClaimedJob(row) : undefined;
}
