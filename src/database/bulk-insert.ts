/**
 * `INSERT INTO table (columns) …` for many rows in the dialect's cheapest bulk form (`adapter.bulkRows`:
 * PostgreSQL one JSON parameter, SQLite a VALUES list bound without Kysely's per-row parse), else
 * Kysely's `.values(rows)`. Returns the builder, so a caller can add `onConflict` before executing.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Database } from './database.ts';
import type { BulkColumn, DialectAdapter } from './dialects/dialect-adapter.ts';

export function bulkInsert<Table extends keyof Database & string>(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  table: Table,
  rows: readonly Insertable<Database[Table]>[],
  columns: readonly BulkColumn[],
) {
  const bulk = adapter.bulkRows(rows as readonly Record<string, unknown>[], columns);
  const query = db.insertInto(table);
  return bulk
    ? query.columns(columns.map((column) => column.name) as never).expression(bulk as never)
    : query.values(rows as never);
}
