/**
 * `INSERT INTO table (columns) …` for many rows in the dialect's cheapest bulk form (`adapter.bulkRows`:
 * PostgreSQL one JSON parameter, SQLite a VALUES list bound without Kysely's per-row parse), else
 * Kysely's `.values(rows)`.
 *
 * `insertRows` runs one: the first batch of a given table, size and ending is built and compiled by
 * Kysely; its text is kept, and later batches of that shape run it with their own values
 * (`adapter.bulkParameters`). Kysely builds, freezes and visits one node per bound value — 3,000 to
 * 6,000 for a batch of attempts' documents, runs or artifacts — to produce the same text every time.
 */
import { CompiledQuery, type Insertable, type InsertQueryBuilder, type InsertResult, type Kysely } from 'kysely';
import type { Database } from './database.ts';
import type { BulkColumn, DialectAdapter } from './dialects/dialect-adapter.ts';

function bulkInsert<Table extends keyof Database & string>(
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

/**
 * What follows the rows (`ON CONFLICT …`), with a name that tells it apart in the text cache: one
 * module-level constant per ending, never built per call.
 */
export interface BulkInsertEnding<Table extends keyof Database & string> {
  readonly name: string;
  readonly apply: (query: InsertQueryBuilder<Database, Table, InsertResult>) => InsertQueryBuilder<Database, Table, InsertResult>;
}

interface CompiledShape {
  sql: string;
  /** Parameters of the ending, bound after the rows' values. */
  trailing: readonly unknown[];
}

/** Compiled texts by dialect adapter (its bulk form), column list (module constants), then table, row count and ending. */
const shapes = new WeakMap<DialectAdapter, WeakMap<readonly BulkColumn[], Map<string, CompiledShape | null>>>();
const maxShapesPerColumns = 64;

export async function insertRows<Table extends keyof Database & string>(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  table: Table,
  rows: readonly Insertable<Database[Table]>[],
  columns: readonly BulkColumn[],
  ending?: BulkInsertEnding<Table>,
): Promise<void> {
  if (rows.length === 0) return;
  let byColumns = shapes.get(adapter);
  if (!byColumns) {
    byColumns = new WeakMap();
    shapes.set(adapter, byColumns);
  }
  let byShape = byColumns.get(columns);
  if (!byShape) {
    byShape = new Map();
    byColumns.set(columns, byShape);
  }
  const key = `${table}\u0000${rows.length}\u0000${ending?.name ?? ''}`;
  const shape = byShape.get(key);
  if (shape) {
    const values = adapter.bulkParameters(rows as readonly Record<string, unknown>[], columns);
    await db.executeQuery(CompiledQuery.raw(shape.sql, shape.trailing.length === 0 ? values : [...values, ...shape.trailing]));
    return;
  }
  const query = bulkInsert(db, adapter, table, rows, columns) as InsertQueryBuilder<Database, Table, InsertResult>;
  const compiled = (ending ? ending.apply(query) : query).compile();
  await db.executeQuery(compiled);
  if (shape === null) return; // met before and found not reusable
  // Kept only when the compiled statement binds exactly the rows' values first (then the ending's):
  // a dialect whose bulk form inlined or reordered a value would get a wrong statement from the text.
  const values = adapter.bulkParameters(rows as readonly Record<string, unknown>[], columns);
  const bound = compiled.parameters;
  const reusable = bound.length >= values.length && values.every((value, index) => Object.is(value, bound[index]));
  if (byShape.size >= maxShapesPerColumns) byShape.delete(byShape.keys().next().value!);
  byShape.set(key, reusable ? { sql: compiled.sql, trailing: bound.slice(values.length) } : null);
}
