/** Distinct attempts with at least one ledger failure, by interrogation and model (failed attempts, not failures). */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { FailureFilter } from './failure-filter.ts';

export interface FailedAttempts {
  interrogation: string;
  model: string | null;
  attempts: number;
}

export async function countFailedAttempts(db: Kysely<Database>, filter: FailureFilter = {}): Promise<FailedAttempts[]> {
  let query = db
    .selectFrom('output_failures')
    .select(['interrogation_key as interrogation', 'model_name as model', (eb) => eb.fn.count<number | string>('run_id').distinct().as('attempts')]);
  if (filter.interrogation !== undefined) query = query.where('interrogation_key', '=', filter.interrogation);
  if (filter.model !== undefined) query = query.where('model_name', '=', filter.model);
  if (filter.runLabel !== undefined) query = query.where('run_label', '=', filter.runLabel);
  const rows = await query.groupBy(['interrogation_key', 'model_name']).execute();
  return rows.map((row) => ({ interrogation: row.interrogation, model: row.model, attempts: Number(row.attempts) }));
}
