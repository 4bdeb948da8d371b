/** Which schema keywords failed at each field, and how often. */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { FailureFilter } from './failure-filter.ts';

export interface KeywordCount {
  interrogation: string;
  field: string;
  keyword: string;
  failures: number;
}

export async function countFailureKeywords(db: Kysely<Database>, filter: FailureFilter = {}): Promise<KeywordCount[]> {
  let query = db
    .selectFrom('output_failures')
    .select(['interrogation_key as interrogation', 'field', 'keyword', (eb) => eb.fn.countAll<number | string>().as('failures')])
    .where('keyword', 'is not', null);
  if (filter.interrogation !== undefined) query = query.where('interrogation_key', '=', filter.interrogation);
  if (filter.model !== undefined) query = query.where('model_name', '=', filter.model);
  if (filter.runLabel !== undefined) query = query.where('run_label', '=', filter.runLabel);
  const rows = await query.groupBy(['interrogation_key', 'field', 'keyword']).execute();
  return rows.map((row) => ({ interrogation: row.interrogation, field: row.field, keyword: row.keyword!, failures: Number(row.failures) }));
}
