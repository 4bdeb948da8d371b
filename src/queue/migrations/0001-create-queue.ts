/**
 * Jobs, their attempts (runs) and the attempts' lake artifacts.
 * `runs` and `artifacts` are append-only history written in the same transaction as the job update
 * they belong to, so they carry no foreign-key constraints: a per-row FK check costs about as much as
 * the insert itself on the completion path, and the transaction already guarantees the link.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';

export function createQueueMigration(adapter: DialectAdapter): Migration {
  const big = adapter.bigIntegerType;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', adapter.autoIncrementIdType, (column) =>
          adapter.needsAutoIncrementKeyword ? column.primaryKey().autoIncrement() : column.primaryKey(),
        )
        .addColumn('interrogation_key', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('priority', 'integer', (column) => column.notNull())
        .addColumn('input', 'text', (column) => column.notNull())
        .addColumn('evidence_refs', 'text')
        .addColumn('model_hint', 'text')
        .addColumn('dedupe_key', 'text')
        .addColumn('run_label', 'text')
        .addColumn('attempt_count', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (column) => column.notNull())
        .addColumn('available_at', big, (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .addColumn('updated_at', big, (column) => column.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_at', big)
        .addColumn('lease_expires_at', big)
        .addColumn('current_run_id', 'text')
        .addColumn('result_run_id', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_code', 'text')
        .addColumn('completed_at', big)
        .addCheckConstraint('jobs_status_check', sql`status in ('NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER')`)
        .addCheckConstraint('jobs_attempts_check', sql`max_attempts >= 1 and attempt_count >= 0`)
        .execute();
      // The claim walks this index in order: claimable jobs, highest priority first, then oldest.
      await sql`create index jobs_claim_index on jobs (priority desc, id) where status in ('NEW', 'RETRY')`.execute(db);
      // The reaper finds expired leases without scanning finished jobs.
      await sql`create index jobs_lease_index on jobs (lease_expires_at) where status = 'RUNNING'`.execute(db);
      // Every claim and completion rewrites the job row and inserts into each index whose predicate it
      // matches, so the other indexes are partial: they only hold the rows they are for.
      await sql`create unique index jobs_dedupe_key_index on jobs (dedupe_key) where dedupe_key is not null`.execute(db);
      await sql`create index jobs_run_label_index on jobs (run_label, id) where run_label is not null`.execute(db);
      await sql`create index jobs_dead_letter_index on jobs (interrogation_key, id) where status = 'DEADLETTER'`.execute(db);

      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (column) => column.notNull())
        .addColumn('job_id', big, (column) => column.notNull())
        .addColumn('attempt', 'integer', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('worker_id', 'text')
        .addColumn('provider', 'text')
        .addColumn('base_url', 'text')
        .addColumn('model_name', 'text')
        .addColumn('model_tag', 'text')
        .addColumn('model_digest', 'text')
        .addColumn('options', 'text')
        .addColumn('metrics', 'text')
        .addColumn('prompt_tokens', 'integer')
        .addColumn('completion_tokens', 'integer')
        .addColumn('error', 'text')
        .addColumn('error_code', 'text')
        .addColumn('lake_dir', 'text')
        .addColumn('started_at', big, (column) => column.notNull())
        .addColumn('completed_at', big, (column) => column.notNull())
        .addColumn('duration_ms', 'integer', (column) => column.notNull())
        .addCheckConstraint('runs_status_check', sql`status in ('SUCCEEDED', 'FAILED', 'ABANDONED')`)
        // Job first: ids grow, so inserts append instead of landing on random pages as a key on the
        // random attempt id alone would (half the insert cost, measured); the same index finds a job's
        // attempts. An attempt is found by its job and id.
        .addPrimaryKeyConstraint('runs_pkey', ['job_id', 'id'])
        .execute();

      await db.schema
        .createTable('artifacts')
        .addColumn('id', adapter.autoIncrementIdType, (column) =>
          adapter.needsAutoIncrementKeyword ? column.primaryKey().autoIncrement() : column.primaryKey(),
        )
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('job_id', big, (column) => column.notNull())
        .addColumn('artifact_type', 'text', (column) => column.notNull())
        .addColumn('lake_path', 'text', (column) => column.notNull())
        .addColumn('sha256', 'text', (column) => column.notNull())
        .addColumn('bytes', big, (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
      await db.schema.createIndex('artifacts_job_index').on('artifacts').columns(['job_id', 'run_id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('artifacts').execute();
      await db.schema.dropTable('runs').execute();
      await db.schema.dropTable('jobs').execute();
    },
  };
}
