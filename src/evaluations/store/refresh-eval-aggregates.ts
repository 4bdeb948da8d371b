/**
 * Recomputes a run's totals (items, items with a scorable answer, success rate) and its per-metric
 * aggregates from its stored items and scores, and bumps its revision (which invalidates cached
 * comparisons). Runs inside the caller's transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import { aggregateScores, type ScoredRow } from '../statistics/aggregate-scores.ts';
import { chunk } from '../../queue/chunk.ts';

export async function refreshEvalAggregates(db: Kysely<Database>, runId: string): Promise<void> {
  const totals = await db
    .selectFrom('eval_items')
    .select([
      sql<number>`count(*)`.as('items'),
      sql<number>`coalesce(sum(case when status = 'ok' then 1 else 0 end), 0)`.as('ok'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  const scores = await db
    .selectFrom('eval_scores')
    .select(['metric', 'field', 'metric_version', 'value', 'passed'])
    .where('run_id', '=', runId)
    .execute();
  const rows: ScoredRow[] = scores.map((score) => ({
    metric: score.metric,
    field: score.field,
    metricVersion: score.metric_version,
    value: score.value === null ? null : Number(score.value),
    passed: score.passed === null ? null : Number(score.passed) === 1,
  }));
  const aggregates = aggregateScores(rows);
  await db.deleteFrom('eval_metric_aggregates').where('run_id', '=', runId).execute();
  for (const part of chunk(aggregates, 500)) {
    await db
      .insertInto('eval_metric_aggregates')
      .values(
        part.map((aggregate) => ({
          run_id: runId,
          metric: aggregate.metric,
          field: aggregate.field,
          metric_version: aggregate.metricVersion,
          count: aggregate.count,
          mean: aggregate.mean,
          min: aggregate.min,
          max: aggregate.max,
          p50: aggregate.p50,
          p95: aggregate.p95,
          std: aggregate.std,
          pass_rate: aggregate.passRate,
          histogram: JSON.stringify(aggregate.histogram),
        })),
      )
      .execute();
  }
  const items = Number(totals.items);
  const ok = Number(totals.ok);
  await db
    .updateTable('eval_runs')
    .set((eb) => ({
      item_count: items,
      success_count: ok,
      success_rate: items === 0 ? null : ok / items,
      revision: eb('revision', '+', 1),
    }))
    .where('id', '=', runId)
    .execute();
}
