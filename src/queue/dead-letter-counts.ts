/** Dead letters by their last error code (the overview's redrive buttons), from the dead-letter index. */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { isDeadLettered } from './status-predicates.ts';

export interface DeadLetterCount {
  /** null: dead-lettered without a code. */
  errorCode: string | null;
  count: number;
}

export async function deadLetterCounts(database: HolocronDatabase): Promise<DeadLetterCount[]> {
  const rows = await database.db
    .selectFrom('jobs')
    .select(['last_error_code', sql<number>`count(*)`.as('count')])
    .where(isDeadLettered)
    .groupBy('last_error_code')
    .orderBy(sql`count(*)`, 'desc')
    .execute();
  return rows.map((row) => ({ errorCode: row.last_error_code, count: Number(row.count) }));
}
