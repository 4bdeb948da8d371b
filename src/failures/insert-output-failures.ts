/** Appends failure-ledger rows inside the caller's transaction (the one recording their attempts). */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { bulkChunks, rowsPerStatement } from '../queue/chunk.ts';
import type { NewOutputFailureRow } from './failures-tables.ts';

const columnsPerRow = 11;

export async function insertOutputFailures(db: Kysely<Database>, adapter: DialectAdapter, rows: readonly NewOutputFailureRow[]): Promise<void> {
  for (const part of bulkChunks(adapter, rows, rowsPerStatement(adapter.maxParameters, columnsPerRow, 500))) {
    await db.insertInto('output_failures').values(part).execute();
  }
}
