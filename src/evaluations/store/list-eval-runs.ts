/**
 * Lists evaluation runs matching a condition (a compiled query: `runs list` flags and `runs search` both
 * become one), sorted and paginated, with their tags and headline aggregates, plus the total count.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';
import type { EvalRunRow } from '../evaluations-tables.ts';

export const runSortKeys = ['created_at', 'name', 'success_rate', 'duration_ms', 'item_count', 'status', 'model'] as const;
export type RunSortKey = (typeof runSortKeys)[number];

export interface ListEvalRunsOptions {
  where?: Expression<SqlBool>;
  sort?: RunSortKey;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface ListedEvalRun extends EvalRunRow {
  tags: string[];
  /** Mean (and pass rate) of each whole-item metric. */
  metrics: Record<string, { mean: number | null; passRate: number | null; count: number }>;
}

export interface EvalRunPage {
  total: number;
  runs: ListedEvalRun[];
}

export async function listEvalRuns(database: HolocronDatabase, options: ListEvalRunsOptions = {}): Promise<EvalRunPage> {
  const { db, adapter } = database;
  const where = options.where ?? sql<SqlBool>`1 = 1`;
  const sort = options.sort ?? 'created_at';
  const order = options.order ?? 'desc';
  const [rows, total] = await Promise.all([
    db
      .selectFrom('eval_runs')
      .selectAll()
      .where(where)
      .orderBy(sort, order)
      .orderBy('id', order)
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
      .execute(),
    db.selectFrom('eval_runs').select(sql<number>`count(*)`.as('count')).where(where).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((row) => row.id);
  const [tags, aggregates] =
    ids.length === 0
      ? [[], []]
      : await Promise.all([
          db.selectFrom('eval_run_tags').select(['run_id', 'tag']).where(adapter.inList('run_id', ids, 'text')).orderBy('tag').execute(),
          db.selectFrom('eval_metric_aggregates').select(['run_id', 'metric', 'mean', 'pass_rate', 'count']).where(adapter.inList('run_id', ids, 'text')).where('field', '=', '').execute(),
        ]);
  const runs = rows.map((row) => ({
    ...row,
    tags: tags.filter((tag) => tag.run_id === row.id).map((tag) => tag.tag),
    metrics: Object.fromEntries(
      aggregates.filter((aggregate) => aggregate.run_id === row.id).map((aggregate) => [aggregate.metric, { mean: aggregate.mean, passRate: aggregate.pass_rate, count: Number(aggregate.count) }]),
    ),
  }));
  return { total: Number(total.count), runs };
}
