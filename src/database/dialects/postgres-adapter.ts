/** PostgreSQL (pg): many workers on many machines, claims with FOR UPDATE SKIP LOCKED. */
import { sql, type SqlBool } from 'kysely';
import type { BulkColumn, DialectAdapter } from './dialect-adapter.ts';

export function createPostgresAdapter(schema: string | null): DialectAdapter {
  return {
    name: 'postgres',
    supportsSkipLocked: true,
    maxParameters: 65_000,
    autoIncrementIdType: 'bigserial',
    needsAutoIncrementKeyword: false,
    bigIntegerType: 'bigint',
    jsonColumnType: 'jsonb',
    supportsStatementTimeout: true,
    nowMilliseconds: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
    newUuid: () => sql<string>`gen_random_uuid()::text`,
    migrationSchema: schema ?? 'public',
    inList: (column, values, type) => sql<SqlBool>`${sql.ref(column)} = any(${values}::${sql.raw(type)}[])`,
    inSubquery: (column, subquery) => sql<SqlBool>`${sql.ref(column)} = any(array(${subquery}))`,
    bulkRows: (rows, columns) => jsonRows(rows, columns),
    writeTransaction: (db, work) => db.transaction().execute(work),
    async sizeBytes(db) {
      const result = await sql<{ size: string }>`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as size from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema ?? 'public'} and c.relkind in ('r', 'm')`.execute(db);
      return Number(result.rows[0]?.size ?? 0);
    },
    async prepare(db) {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    },
    async tableExists(db, name) {
      const qualified = `${schema ?? 'public'}.${name}`;
      const { rows } = await sql<{ found: string | null }>`select to_regclass(${qualified})::text as found`.execute(db);
      return rows[0]?.found != null;
    },
  };
}

/**
 * `select … from json_to_recordset($1) as rows(id text, job_id bigint, …)`: all rows as one JSON
 * parameter. JSON.stringify is far cheaper than pg's per-element array escaping (measured 40 ms → 12 ms
 * client-side for 1,000 `runs` rows), and the server parses it quickly.
 */
function jsonRows(rows: readonly Record<string, unknown>[], columns: readonly BulkColumn[]) {
  // A JSON column's value is JSON text: read as text, then cast (a JSON value would be taken as is).
  const definition = sql.join(
    columns.map((column) => sql`${sql.id(column.name)} ${sql.raw(column.type === 'json' ? 'text' : column.type)}`),
  );
  const names = sql.join(
    columns.map((column) => (column.type === 'json' ? sql`${sql.id(column.name)}::jsonb` : sql.id(column.name))),
  );
  // A missing key reads as NULL: leaving nulls out makes the JSON the server must lex much shorter.
  const compact = rows.map((row) => {
    const present: Record<string, unknown> = {};
    for (const column of columns) {
      const value = row[column.name];
      if (value !== null && value !== undefined) present[column.name] = value;
    }
    return present;
  });
  return sql`select ${names} from json_to_recordset(${JSON.stringify(compact)}::json) as rows(${definition})`;
}
