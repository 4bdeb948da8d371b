/**
 * Extends the leases of the attempts a worker holds. Returns the run ids still held; an attempt missing
 * from the answer was lost (its lease expired and the job was reclaimed, retried or redriven), and the
 * worker must stop working on it.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { chunk, rowsPerStatement } from './chunk.ts';
import type { HeldAttempt } from './held-attempt.ts';

export async function renewLeases(
  database: HolocronDatabase,
  workerId: string,
  held: readonly HeldAttempt[],
  leaseMs: number,
): Promise<Set<string>> {
  const kept = new Set<string>();
  if (held.length === 0) return kept;
  const { db, adapter } = database;
  const now = adapter.nowMilliseconds();
  for (const part of chunk(held, rowsPerStatement(adapter.maxParameters, 2, 2000))) {
    const rows = await db
      .updateTable('jobs')
      .set({ lease_expires_at: sql`${now} + ${leaseMs}` })
      .where(adapter.inList('id', part.map((attempt) => attempt.jobId), 'bigint'))
      .where(adapter.inList('current_run_id', part.map((attempt) => attempt.runId), 'text'))
      .where('status', '=', 'RUNNING')
      .where('locked_by', '=', workerId)
      .returning('current_run_id')
      .execute();
    for (const row of rows) kept.add(row.current_run_id!);
  }
  return kept;
}
