/**
 * Moves dead-lettered jobs back to the queue with a fresh set of attempts — after the cause is fixed
 * (the model pulled, the server back). Filters narrow it to an interrogation, an error code or ids.
 * Their history (runs, last_error) is kept.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { RedriveResult } from '../read-models/queue-actions.ts';
import { isDeadLettered } from './status-predicates.ts';

export interface RedriveFilter {
  interrogationKey?: string;
  errorCode?: string;
  runLabel?: string;
  ids?: number[];
}

export async function redriveDeadLetters(database: HolocronDatabase, filter: RedriveFilter = {}): Promise<RedriveResult> {
  const { db, adapter } = database;
  const now = adapter.nowMilliseconds();
  const rows = await db
    .updateTable('jobs')
    .set({ status: 'NEW', attempt_count: 0, available_at: now, updated_at: now, completed_at: null })
    .where(isDeadLettered)
    .$if(filter.interrogationKey !== undefined, (query) => query.where('interrogation_key', '=', filter.interrogationKey!))
    .$if(filter.errorCode !== undefined, (query) => query.where('last_error_code', '=', filter.errorCode!))
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .$if(filter.ids !== undefined, (query) => query.where('id', 'in', filter.ids!.length > 0 ? filter.ids! : [-1]))
    .returning('id')
    .execute();
  const jobIds = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  return { redriven: jobIds.length, jobIds };
}
