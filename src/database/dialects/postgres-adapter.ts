/** PostgreSQL (pg): many workers on many machines, claims with FOR UPDATE SKIP LOCKED. */
import { sql, type SqlBool } from 'kysely';
import type { BulkColumn, DialectAdapter } from './dialect-adapter.ts';

export function createPostgresAdapter(schema: string | null): DialectAdapter {
  return {
    name: 'postgres',
    supportsSkipLocked: true,
    maxParameters: 65_000,
    autoIncrementIdType: 'bigserial',
    bigIntegerType: 'bigint',
    nowMilliseconds: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
    newUuid: () => sql<string>`gen_random_uuid()::text`,
    migrationSchema: schema ?? 'public',
    inList: (column, values, type) => sql<SqlBool>`${sql.ref(column)} = any(${values}::${sql.raw(type)}[])`,
    bulkRows: (rows, columns) => unnestRows(rows, columns),
    writeTransaction: (db, work) => db.transaction().execute(work),
    async prepare(db) {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    },
  };
}

/** `select * from unnest($1::text[], $2::bigint[], …)`: one array parameter per column, any number of rows. */
function unnestRows(rows: readonly Record<string, unknown>[], columns: readonly BulkColumn[]) {
  const arrays = columns.map((column) => {
    const values = rows.map((row) => row[column.name] ?? null);
    return sql`${values}::${sql.raw(column.type)}[]`;
  });
  return sql`select * from unnest(${sql.join(arrays)})`;
}
