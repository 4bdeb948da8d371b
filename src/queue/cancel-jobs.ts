/**
 * Cancels jobs that have not started: a NEW or RETRY job becomes DEADLETTER with the error code
 * `cancelled` (so it keeps its history, shows with the dead letters, and `retry` or `redrive` brings it
 * back). A RUNNING job is never half-cancelled: a worker holds it and its attempt will be recorded,
 * so it is refused — as are SUCCEEDED and DEADLETTER jobs, which have nothing left to cancel. The
 * condition is in the UPDATE itself, so a job claimed meanwhile is refused, not cancelled.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import { isClaimable } from './status-predicates.ts';

export const cancelledErrorCode = 'cancelled';

export interface CancelResult {
  /** Jobs cancelled now, ascending. */
  cancelled: number[];
  /** Jobs not cancelled, with the reason: running, finished, or no such job. */
  refused: { jobId: number; status: string | null; reason: string }[];
}

const refusalReasons: Record<string, string> = {
  RUNNING: 'a worker holds it now; its attempt will be recorded (a running job is not cancelled half-way)',
  SUCCEEDED: 'it succeeded; there is nothing to cancel',
  DEADLETTER: 'it is already dead-lettered; there is nothing to cancel',
};

export async function cancelJobs(database: HolocronDatabase, jobIds: readonly number[], reason = 'Cancelled.'): Promise<CancelResult> {
  const { db, adapter } = database;
  const ids = [...new Set(jobIds)];
  if (ids.length === 0) return { cancelled: [], refused: [] };
  return adapter.writeTransaction(db, async (transaction) => {
    const now = adapter.nowMilliseconds();
    const rows = await transaction
      .updateTable('jobs')
      .set({
        status: 'DEADLETTER',
        last_error: reason,
        last_error_code: cancelledErrorCode,
        updated_at: now,
        completed_at: now,
      })
      .where(adapter.inList('id', ids, 'bigint'))
      .where(isClaimable)
      .returning('id')
      .execute();
    const cancelled = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    const done = new Set(cancelled);
    const others = ids.filter((id) => !done.has(id));
    const found =
      others.length === 0
        ? []
        : await transaction.selectFrom('jobs').select(['id', 'status']).where(adapter.inList('id', others, 'bigint')).execute();
    const statusOf = new Map(found.map((row) => [Number(row.id), row.status]));
    const refused = others
      .sort((a, b) => a - b)
      .map((jobId) => {
        const status = statusOf.get(jobId) ?? null;
        return { jobId, status, reason: status === null ? `no job has the id ${jobId}` : (refusalReasons[status] ?? `it is ${status}`) };
      });
    return { cancelled, refused };
  });
}
