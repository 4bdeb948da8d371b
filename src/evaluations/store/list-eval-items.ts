/**
 * A run's items matching a condition (`runs items <run> --where …`), with their scores; or its worst
 * items by one metric (`runs show`).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';
import type { EvalItemRow, EvalScoreRow } from '../evaluations-tables.ts';

export interface ListEvalItemsOptions {
  where?: Expression<SqlBool>;
  limit?: number;
  offset?: number;
  /** Order by this whole-item metric's value, lowest first (the worst items). Default: dataset order. */
  worstBy?: string;
}

export interface ListedEvalItem extends EvalItemRow {
  scores: EvalScoreRow[];
}

export async function listEvalItems(database: HolocronDatabase, runId: string, options: ListEvalItemsOptions = {}): Promise<{ total: number; items: ListedEvalItem[] }> {
  const { db } = database;
  const where = options.where ?? sql<SqlBool>`1 = 1`;
  let query = db.selectFrom('eval_items').selectAll('eval_items').where('eval_items.run_id', '=', runId).where(where);
  if (options.worstBy) {
    query = query
      .innerJoin('eval_scores as w', (join) =>
        join.onRef('w.run_id', '=', 'eval_items.run_id').onRef('w.item_key', '=', 'eval_items.item_key').onRef('w.repeat', '=', 'eval_items.repeat').on('w.metric', '=', options.worstBy!).on('w.field', '=', ''),
      )
      .orderBy(sql`coalesce(w.value, -1e308)`, 'asc');
  }
  const [items, total] = await Promise.all([
    query.orderBy('eval_items.position').orderBy('eval_items.repeat').limit(options.limit ?? 50).offset(options.offset ?? 0).execute(),
    db.selectFrom('eval_items').select(sql<number>`count(*)`.as('count')).where('eval_items.run_id', '=', runId).where(where).executeTakeFirstOrThrow(),
  ]);
  if (items.length === 0) return { total: Number(total.count), items: [] };
  const keys = [...new Set(items.map((item) => item.item_key))];
  const scores = await db
    .selectFrom('eval_scores')
    .selectAll()
    .where('run_id', '=', runId)
    .where(database.adapter.inList('item_key', keys, 'text'))
    .orderBy('metric')
    .orderBy('field')
    .execute();
  return {
    total: Number(total.count),
    items: items.map((item) => ({ ...item, scores: scores.filter((score) => score.item_key === item.item_key && score.repeat === item.repeat) })),
  };
}
