/**
 * The evaluation store's migrations. Indexes follow the queries: runs are listed newest first, filtered by
 * project, dataset, model, interrogation, status or creator (each with created_at for the order), by tag
 * (tag → run), by metric (aggregates keyed by run, metric, field); a run's scores are read per metric for
 * comparisons (key run, metric, field, item) and per item for `runs show`.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export function evaluationsMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return {
    'evaluations/0001-create-evaluation-store': createEvaluationStore(adapter),
    'evaluations/0002-pending-items-index': pendingItemsIndex(),
    'evaluations/0003-compare-covering-index': compareCoveringIndex(),
  };
}

/**
 * `runs compare` joins two runs' scores of one metric on (item, repeat) and reads only value and
 * passed: with them in the index the join never touches the table (a covering index on both databases).
 */
function compareCoveringIndex(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('eval_scores_compare_index').on('eval_scores').columns(['run_id', 'metric', 'field', 'item_key', 'repeat', 'value', 'passed']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('eval_scores_compare_index').execute();
    },
  };
}

/** Every recording transaction of a queued run counts its pending items: a small partial index makes that cheap at any size. */
function pendingItemsIndex(): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`create index eval_items_pending_index on eval_items (run_id) where status = 'pending'`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop index eval_items_pending_index`.execute(db);
    },
  };
}

function createEvaluationStore(adapter: DialectAdapter): Migration {
  const big = adapter.bigIntegerType;
  const real = 'double precision';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('eval_projects')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('description', 'text')
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('eval_runs')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('description', 'text')
        .addColumn('project', 'text')
        .addColumn('dataset', 'text')
        .addColumn('model', 'text')
        .addColumn('interrogation', 'text')
        .addColumn('created_by', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('item_count', 'integer', (column) => column.notNull())
        .addColumn('success_count', 'integer', (column) => column.notNull())
        .addColumn('success_rate', real)
        .addColumn('duration_ms', big)
        .addColumn('created_at', big, (column) => column.notNull())
        .addColumn('started_at', big, (column) => column.notNull())
        .addColumn('completed_at', big)
        .addColumn('updated_at', big, (column) => column.notNull())
        .addColumn('revision', 'integer', (column) => column.notNull())
        .addColumn('metric_versions', 'text', (column) => column.notNull())
        .addColumn('config', 'text', (column) => column.notNull())
        .addColumn('error', 'text')
        .addCheckConstraint('eval_runs_status_check', sql`status in ('running', 'completed', 'failed')`)
        .execute();
      await db.schema.createIndex('eval_runs_created_index').on('eval_runs').columns(['created_at', 'id']).execute();
      for (const column of ['project', 'dataset', 'model', 'interrogation', 'status', 'created_by']) {
        await db.schema.createIndex(`eval_runs_${column}_index`).on('eval_runs').columns([column, 'created_at']).execute();
      }

      await db.schema
        .createTable('eval_run_tags')
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('tag', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('eval_run_tags_pkey', ['run_id', 'tag'])
        .execute();
      await db.schema.createIndex('eval_run_tags_tag_index').on('eval_run_tags').columns(['tag', 'run_id']).execute();

      await db.schema
        .createTable('eval_items')
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('item_key', 'text', (column) => column.notNull())
        .addColumn('repeat', 'integer', (column) => column.notNull())
        .addColumn('position', 'integer', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('input', 'text', (column) => column.notNull())
        .addColumn('expected', 'text', (column) => column.notNull())
        .addColumn('output', 'text')
        .addColumn('error', 'text')
        .addColumn('latency_ms', real)
        .addColumn('prompt_tokens', 'integer')
        .addColumn('completion_tokens', 'integer')
        .addColumn('job_id', big)
        .addPrimaryKeyConstraint('eval_items_pkey', ['run_id', 'item_key', 'repeat'])
        .addCheckConstraint('eval_items_status_check', sql`status in ('pending', 'ok', 'error')`)
        .execute();
      await sql`create index eval_items_job_index on eval_items (job_id) where job_id is not null`.execute(db);

      await db.schema
        .createTable('eval_scores')
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('item_key', 'text', (column) => column.notNull())
        .addColumn('repeat', 'integer', (column) => column.notNull())
        .addColumn('metric', 'text', (column) => column.notNull())
        .addColumn('field', 'text', (column) => column.notNull())
        .addColumn('metric_version', 'text', (column) => column.notNull())
        .addColumn('value', real)
        .addColumn('passed', 'integer')
        .addColumn('details', 'text')
        .addPrimaryKeyConstraint('eval_scores_pkey', ['run_id', 'metric', 'field', 'item_key', 'repeat'])
        .execute();
      await db.schema.createIndex('eval_scores_item_index').on('eval_scores').columns(['run_id', 'item_key', 'repeat']).execute();

      await db.schema
        .createTable('eval_metric_aggregates')
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('metric', 'text', (column) => column.notNull())
        .addColumn('field', 'text', (column) => column.notNull())
        .addColumn('metric_version', 'text', (column) => column.notNull())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addColumn('mean', real)
        .addColumn('min', real)
        .addColumn('max', real)
        .addColumn('p50', real)
        .addColumn('p95', real)
        .addColumn('std', real)
        .addColumn('pass_rate', real)
        .addColumn('histogram', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('eval_metric_aggregates_pkey', ['run_id', 'metric', 'field'])
        .execute();
      await db.schema.createIndex('eval_metric_aggregates_metric_index').on('eval_metric_aggregates').columns(['metric', 'field', 'run_id']).execute();

      await db.schema
        .createTable('eval_comparisons')
        .addColumn('cache_key', 'text', (column) => column.primaryKey())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('result', 'text', (column) => column.notNull())
        .addColumn('created_at', big, (column) => column.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['eval_comparisons', 'eval_metric_aggregates', 'eval_scores', 'eval_items', 'eval_run_tags', 'eval_runs', 'eval_projects']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
