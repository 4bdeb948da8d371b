/**
 * The failure ledger's counts by interrogation, field, kind and model (failures, and distinct attempts
 * with them): what the `--by field|model|interrogation` views are folded from.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { FailureKind } from './failures-tables.ts';
import type { FailureFilter } from './failure-filter.ts';

export interface FailureCount {
  interrogation: string;
  field: string;
  kind: FailureKind;
  model: string | null;
  failures: number;
  /** Distinct attempts with this failure. */
  attempts: number;
}

export async function countFailures(db: Kysely<Database>, filter: FailureFilter = {}): Promise<FailureCount[]> {
  let query = db
    .selectFrom('output_failures')
    .select([
      'interrogation_key as interrogation',
      'field',
      'kind',
      'model_name as model',
      (eb) => eb.fn.countAll<number | string>().as('failures'),
      (eb) => eb.fn.count<number | string>('run_id').distinct().as('attempts'),
    ]);
  if (filter.interrogation !== undefined) query = query.where('interrogation_key', '=', filter.interrogation);
  if (filter.model !== undefined) query = query.where('model_name', '=', filter.model);
  if (filter.runLabel !== undefined) query = query.where('run_label', '=', filter.runLabel);
  const rows = await query.groupBy(['interrogation_key', 'field', 'kind', 'model_name']).execute();
  return rows.map((row) => ({ ...row, failures: Number(row.failures), attempts: Number(row.attempts) }));
}
