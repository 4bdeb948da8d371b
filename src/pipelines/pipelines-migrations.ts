/** The pipelines area's migrations (no foreign keys to other areas). */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export function pipelinesMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return { 'pipelines/0001-create-pipelines': createPipelines(adapter) };
}

function createPipelines(adapter: DialectAdapter): Migration {
  const big = adapter.bigIntegerType;
  const key = (column: { primaryKey(): any }) =>
    adapter.needsAutoIncrementKeyword ? (column.primaryKey() as { autoIncrement(): any }).autoIncrement() : column.primaryKey();
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('pipeline_runs')
        .addColumn('id', adapter.autoIncrementIdType, key)
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('run_label', 'text', (column) => column.notNull().unique())
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('definition_hash', 'text', (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('pipeline_tasks')
        .addColumn('id', adapter.autoIncrementIdType, key)
        .addColumn('pipeline_run_id', big, (column) => column.notNull())
        .addColumn('stage', 'text', (column) => column.notNull())
        .addColumn('item_id', 'text', (column) => column.notNull())
        .addColumn('template_id', 'text', (column) => column.notNull())
        .addColumn('model_id', 'text')
        .addColumn('parent_doc_id', 'text')
        .addColumn('task_key', 'text', (column) => column.notNull().unique())
        .addColumn('context', 'text', (column) => column.notNull())
        .addColumn('job_id', big)
        .addColumn('error', 'text')
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await sql`create unique index pipeline_tasks_job_index on pipeline_tasks (job_id) where job_id is not null`.execute(db);
      await sql`create index pipeline_tasks_run_index on pipeline_tasks (pipeline_run_id, stage)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('pipeline_tasks').execute();
      await db.schema.dropTable('pipeline_runs').execute();
    },
  };
}
