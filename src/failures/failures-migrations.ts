/** The failure ledger's migrations (area `failures`); no foreign keys to the queue's tables. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export function failuresMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return { 'failures/0001-output-failures': createOutputFailures(adapter) };
}

function createOutputFailures(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('output_failures')
        .addColumn('id', adapter.autoIncrementIdType, (column) => (adapter.needsAutoIncrementKeyword ? column.primaryKey().autoIncrement() : column.primaryKey()))
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('job_id', adapter.bigIntegerType, (column) => column.notNull())
        .addColumn('interrogation_key', 'text', (column) => column.notNull())
        .addColumn('model_name', 'text')
        .addColumn('endpoint_id', 'text')
        .addColumn('run_label', 'text')
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('field', 'text', (column) => column.notNull())
        .addColumn('keyword', 'text')
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('created_at', adapter.bigIntegerType, (column) => column.notNull())
        .addCheckConstraint('output_failures_kind_check', sql`kind in ('schema', 'invalid_json', 'truncated', 'parse_error')`)
        .execute();
      await sql`create index output_failures_interrogation_index on output_failures (interrogation_key, field)`.execute(db);
      await sql`create index output_failures_model_index on output_failures (model_name, interrogation_key)`.execute(db);
      await sql`create index output_failures_run_index on output_failures (run_id)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('output_failures').execute();
    },
  };
}
