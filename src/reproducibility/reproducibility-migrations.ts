/** The reproducibility area's migrations (its columns on `runs` and `jobs` are the queue's `0006`). */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export function reproducibilityMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return { 'reproducibility/0001-definitions-fingerprints-cache': createTables(adapter) };
}

function createTables(adapter: DialectAdapter): Migration {
  const big = adapter.bigIntegerType;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('interrogation_definitions')
        .addColumn('hash', 'text', (column) => column.primaryKey())
        .addColumn('interrogation_key', 'text', (column) => column.notNull())
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('call_fingerprints')
        .addColumn('fingerprint', 'text', (column) => column.primaryKey())
        .addColumn('fields', 'text', (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('cache_entries')
        .addColumn('id', adapter.autoIncrementIdType, (column) =>
          adapter.needsAutoIncrementKeyword ? column.primaryKey().autoIncrement() : column.primaryKey(),
        )
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('job_id', big, (column) => column.notNull())
        .addColumn('lake_dir', 'text', (column) => column.notNull())
        .addColumn('artifacts', 'text', (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await sql`create index cache_entries_fingerprint_index on cache_entries (fingerprint, id)`.execute(db);
      await sql`create index cache_entries_run_index on cache_entries (run_id)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('cache_entries').execute();
      await db.schema.dropTable('call_fingerprints').execute();
      await db.schema.dropTable('interrogation_definitions').execute();
    },
  };
}
