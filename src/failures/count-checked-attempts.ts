/**
 * Attempts whose answer was checked (they succeeded, or failed with invalid_output or truncated), by
 * interrogation and model: the denominators of the failure ledger's rates.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { FailureFilter } from './failure-filter.ts';

export interface CheckedAttempts {
  interrogation: string;
  model: string | null;
  attempts: number;
}

export async function countCheckedAttempts(db: Kysely<Database>, filter: FailureFilter = {}): Promise<CheckedAttempts[]> {
  let query = db
    .selectFrom('runs')
    .innerJoin('jobs', 'jobs.id', 'runs.job_id')
    .select(['jobs.interrogation_key as interrogation', 'runs.model_name as model', (eb) => eb.fn.countAll<number | string>().as('attempts')])
    .where('jobs.kind', '=', 'interrogation')
    .where((eb) => eb.or([eb('runs.status', '=', 'SUCCEEDED'), eb('runs.error_code', 'in', ['invalid_output', 'truncated'])]));
  if (filter.interrogation !== undefined) query = query.where('jobs.interrogation_key', '=', filter.interrogation);
  if (filter.model !== undefined) query = query.where('runs.model_name', '=', filter.model);
  if (filter.runLabel !== undefined) query = query.where('jobs.run_label', '=', filter.runLabel);
  const rows = await query.groupBy(['jobs.interrogation_key', 'runs.model_name']).execute();
  return rows.map((row) => ({ interrogation: row.interrogation, model: row.model, attempts: Number(row.attempts) }));
}
