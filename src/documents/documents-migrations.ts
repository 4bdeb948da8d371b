/**
 * The documents area's migrations. No foreign keys to the queue's tables (areas migrate independently);
 * the transaction that records an attempt writes its document row, which is what keeps them together.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export function documentsMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return {
    'documents/0001-create-documents': createDocuments(adapter),
    'documents/0002-list-by-run-and-stage': listByRunAndStage(),
    'documents/0003-attempt-index-by-job': attemptIndexByJob(),
  };
}

/**
 * One document per attempt, keyed by its job first: attempt ids are random, so an index on them alone
 * took every new document on a random page — one more page written to the log at each commit and
 * again at checkpoint, per document. Job ids grow, so (job_id, attempt_id) grows at its end (measured
 * on the cache-hit drain: the documents insert 42 → 36 µs per job, the commit 28–31 → 26 µs). Attempt
 * ids are unique, so the pair is too.
 */
function attemptIndexByJob(): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`drop index documents_attempt_index`.execute(db);
      await sql`create unique index documents_attempt_index on documents (job_id, attempt_id) where attempt_id is not null`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop index documents_attempt_index`.execute(db);
      await sql`create unique index documents_attempt_index on documents (attempt_id) where attempt_id is not null`.execute(db);
    },
  };
}

/**
 * `docs list --run-label L --stage S`, newest first, a page at a time: one exact index range, however
 * the run's documents are spread over stages (with the run-label index alone, each page also walked the
 * other stages' rows of the run).
 */
function listByRunAndStage(): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`create index documents_run_stage_index on documents (run_label, stage, id) where run_label is not null`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop index documents_run_stage_index`.execute(db);
    },
  };
}

function createDocuments(adapter: DialectAdapter): Migration {
  const big = adapter.bigIntegerType;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('documents')
        .addColumn('id', adapter.autoIncrementIdType, (column) =>
          adapter.needsAutoIncrementKeyword ? column.primaryKey().autoIncrement() : column.primaryKey(),
        )
        .addColumn('doc_id', 'text', (column) => column.notNull().unique())
        .addColumn('logical_key_id', 'text', (column) => column.notNull())
        .addColumn('stage', 'text', (column) => column.notNull())
        .addColumn('task_id', 'text')
        .addColumn('source_id', 'text')
        .addColumn('parent_doc_id', 'text')
        .addColumn('template_id', 'text')
        .addColumn('model_id', 'text')
        .addColumn('run_label', 'text')
        .addColumn('prompt_path', 'text')
        .addColumn('prompt_hash', 'text')
        .addColumn('parser', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('usage_prompt_tokens', 'integer')
        .addColumn('usage_completion_tokens', 'integer')
        .addColumn('usage_max_tokens', 'integer')
        .addColumn('created_at', big, (column) => column.notNull())
        .addColumn('doc_dir', 'text', (column) => column.notNull())
        .addColumn('raw_sha256', 'text')
        .addColumn('parsed_sha256', 'text')
        .addColumn('raw_chars', big)
        .addColumn('parsed_chars', big)
        .addColumn('meta_small', 'text')
        .addColumn('lineage_prev_doc_id', 'text')
        .addColumn('template_hash', 'text')
        .addColumn('schema_hash', 'text')
        .addColumn('model_digest', 'text')
        .addColumn('options_hash', 'text')
        .addColumn('job_id', big)
        .addColumn('attempt_id', 'text')
        .addColumn('legacy_path', 'text')
        .addCheckConstraint(
          'documents_status_check',
          sql`status in ('ok', 'truncated', 'parse_error', 'gen_error', 'skipped')`,
        )
        .execute();
      // The seed's two indexes, keyed by insertion order instead of created_at (which can tie).
      await sql`create index documents_logical_index on documents (logical_key_id, id)`.execute(db);
      await sql`create index documents_stage_index on documents (stage, id)`.execute(db);
      // "The latest successful attempt of this logical key" is one index probe.
      await sql`create index documents_latest_ok_index on documents (logical_key_id, id) where status = 'ok'`.execute(db);
      await sql`create index documents_parent_index on documents (parent_doc_id) where parent_doc_id is not null`.execute(db);
      await sql`create index documents_run_label_index on documents (run_label, id) where run_label is not null`.execute(db);
      await sql`create index documents_task_index on documents (task_id, id) where task_id is not null`.execute(db);
      await sql`create index documents_status_index on documents (status, id)`.execute(db);
      // One document per attempt: recording the same attempt twice cannot add a second row.
      await sql`create unique index documents_attempt_index on documents (attempt_id) where attempt_id is not null`.execute(db);
      // A second backfill of the same tree adds nothing.
      await sql`create unique index documents_legacy_index on documents (legacy_path) where legacy_path is not null`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('documents').execute();
    },
  };
}
