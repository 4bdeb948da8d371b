/**
 * Gives claimed jobs back to the queue without counting the attempt (a worker shutting down before it
 * started them, or one that gave up on them cleanly). Only the holder's own attempts are released.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { chunk, rowsPerStatement } from './chunk.ts';
import type { HeldAttempt } from './held-attempt.ts';

export async function releaseJobs(database: HolocronDatabase, held: readonly HeldAttempt[]): Promise<number> {
  if (held.length === 0) return 0;
  const { db, adapter } = database;
  const now = adapter.nowMilliseconds();
  let released = 0;
  for (const part of chunk(held, rowsPerStatement(adapter.maxParameters, 2, 2000))) {
    const result = await db
      .updateTable('jobs')
      .set({
        status: sql`case when attempt_count <= 1 then 'NEW' else 'RETRY' end`,
        attempt_count: sql`attempt_count - 1`,
        available_at: now,
        updated_at: now,
        locked_by: null,
        locked_at: null,
        lease_expires_at: null,
        current_run_id: null,
      })
      .where(adapter.inList('id', part.map((attempt) => attempt.jobId), 'bigint'))
      .where(adapter.inList('current_run_id', part.map((attempt) => attempt.runId), 'text'))
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}
