/** Deletes a run with its tags, items, scores and aggregates, in one transaction. */
import { sql, type SqlBool } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { escapeLike } from '../query/compile-run-query.ts';
import { EvaluationNotFoundError } from './evaluation-record.ts';

export async function deleteEvalRun(database: HolocronDatabase, id: string): Promise<void> {
  const { db, adapter } = database;
  await adapter.writeTransaction(db, async (transaction) => {
    const deleted = await transaction.deleteFrom('eval_runs').where('id', '=', id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new EvaluationNotFoundError(`No evaluation run ${id}.`);
    // Cached comparisons that include the run (its id appears quoted in their key).
    await transaction.deleteFrom('eval_comparisons').where(sql<SqlBool>`cache_key like ${`%${escapeLike(JSON.stringify(id))}%`} escape '\\'`).execute();
    for (const table of ['eval_run_tags', 'eval_items', 'eval_scores', 'eval_metric_aggregates'] as const) {
      await transaction.deleteFrom(table).where('run_id', '=', id).execute();
    }
  });
}
