/**
 * Puts one job back in the queue now: a DEADLETTER job gets a fresh set of attempts, a job waiting in
 * RETRY skips the rest of its backoff. Running, queued and succeeded jobs are refused with the reason.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { RetryResult } from '../read-models/queue-actions.ts';
import { JobNotFoundError, JobStateError } from './queue-errors.ts';

export async function retryJob(database: HolocronDatabase, jobId: number): Promise<RetryResult> {
  const { db, adapter } = database;
  return adapter.writeTransaction(db, async (transaction) => {
    const job = await transaction.selectFrom('jobs').select(['status', 'attempt_count', 'max_attempts']).where('id', '=', jobId).executeTakeFirst();
    if (!job) throw new JobNotFoundError(jobId);
    if (job.status !== 'DEADLETTER' && job.status !== 'RETRY') {
      const why: Record<string, string> = {
        NEW: 'it is already waiting to run',
        RUNNING: 'a worker holds it now (if that worker died, its lease expires and the job is retried by itself)',
        SUCCEEDED: 'it succeeded; enqueue a new job to run it again',
      };
      throw new JobStateError(jobId, job.status, `Job ${jobId} is ${job.status} and cannot be retried: ${why[job.status]}.`);
    }
    const now = adapter.nowMilliseconds();
    await transaction
      .updateTable('jobs')
      .set((eb) => ({
        status: 'NEW',
        attempt_count: job.status === 'DEADLETTER' ? 0 : eb.ref('attempt_count'),
        available_at: now,
        updated_at: now,
        completed_at: null,
      }))
      .where('id', '=', jobId)
      .where('status', '=', job.status)
      .execute();
    return {
      jobId,
      previousStatus: job.status,
      status: 'NEW' as const,
      attemptCount: job.status === 'DEADLETTER' ? 0 : job.attempt_count,
      maxAttempts: job.max_attempts,
    };
  });
}
