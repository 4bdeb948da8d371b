/** Dead letters by their last error code (the overview's redrive buttons), from the maintained counts. */
import type { HolocronDatabase } from '../database/open-database.ts';
import { readJobCounts } from './status-counts.ts';

export interface DeadLetterCount {
  /** null: dead-lettered without a code. */
  errorCode: string | null;
  count: number;
}

export async function deadLetterCounts(database: HolocronDatabase): Promise<DeadLetterCount[]> {
  const byCode = new Map<string, number>();
  for (const row of await readJobCounts(database)) {
    if (row.status === 'DEADLETTER') byCode.set(row.errorCode ?? '', (byCode.get(row.errorCode ?? '') ?? 0) + row.jobs);
  }
  return [...byCode]
    .map(([errorCode, count]) => ({ errorCode: errorCode === '' ? null : errorCode, count }))
    .sort((a, b) => b.count - a.count || String(a.errorCode).localeCompare(String(b.errorCode)));
}
