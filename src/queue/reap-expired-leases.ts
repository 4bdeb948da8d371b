/**
 * Takes back jobs whose lease expired (their worker crashed, hung or lost the database): each gets its
 * attempt recorded ABANDONED and goes back to the queue, or to DEADLETTER when it has used all its
 * attempts (a job that kills its worker every time must not loop forever). No manual SQL, ever.
 *
 * Every worker calls this about once a second, so the common case — nothing expired — is one cheap
 * read (the partial lease index holds only RUNNING jobs) that takes no write lock; the write
 * transaction only starts when there is something to take back. Expiry is judged by the database
 * clock, so workers on machines whose clocks disagree still agree on it.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { NewRunRow } from '../database/database.ts';
import { isRunning } from './status-predicates.ts';
import { databaseNow } from './database-now.ts';

export interface ReapedJob {
  jobId: number;
  runId: string;
  workerId: string | null;
  deadLettered: boolean;
}

export async function reapExpiredLeases(database: HolocronDatabase, limit = 500): Promise<ReapedJob[]> {
  const { db, adapter } = database;
  const anyExpired = await db
    .selectFrom('jobs')
    .select('id')
    .where(isRunning)
    .where('lease_expires_at', '<', adapter.nowMilliseconds())
    .limit(1)
    .executeTakeFirst();
  if (!anyExpired) return [];
  return adapter.writeTransaction(db, async (transaction) => {
    const now = await databaseNow(transaction, adapter);
    const expired = await transaction
      .selectFrom('jobs')
      .select(['id', 'current_run_id', 'locked_by', 'locked_at', 'lease_expires_at', 'attempt_count', 'max_attempts'])
      .where(isRunning)
      .where('lease_expires_at', '<', now)
      .orderBy('lease_expires_at')
      .limit(limit)
      .$if(adapter.supportsSkipLocked, (query) => query.forUpdate().skipLocked())
      .execute();
    if (expired.length === 0) return [];
    const reaped: ReapedJob[] = [];
    const runs: NewRunRow[] = [];
    for (const job of expired) {
      const deadLettered = job.attempt_count >= job.max_attempts;
      const message =
        `attempt ${job.attempt_count} abandoned: worker ${job.locked_by ?? '?'} stopped renewing its lease ` +
        `(expired ${new Date(Number(job.lease_expires_at)).toISOString()})` +
        (deadLettered ? `; no attempts left (${job.max_attempts})` : '');
      await transaction
        .updateTable('jobs')
        .set({
          status: deadLettered ? 'DEADLETTER' : 'RETRY',
          available_at: now,
          updated_at: now,
          completed_at: deadLettered ? now : null,
          locked_by: null,
          locked_at: null,
          lease_expires_at: null,
          current_run_id: null,
          last_error: message,
          last_error_code: 'lease_expired',
        })
        .where('id', '=', job.id)
        .where('current_run_id', '=', job.current_run_id)
        .execute();
      const startedAt = Number(job.locked_at ?? now);
      runs.push({
        id: job.current_run_id!,
        job_id: Number(job.id),
        attempt: job.attempt_count,
        status: 'ABANDONED',
        worker_id: job.locked_by,
        error: message,
        error_code: 'lease_expired',
        started_at: startedAt,
        completed_at: now,
        duration_ms: now - startedAt,
      });
      reaped.push({ jobId: Number(job.id), runId: job.current_run_id!, workerId: job.locked_by, deadLettered });
    }
    await transaction
      .insertInto('runs')
      .values(runs)
      .onConflict((conflict) => conflict.columns(['job_id', 'id']).doNothing())
      .execute();
    return reaped;
  });
}
