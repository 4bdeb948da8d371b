/** One evaluation run with its tags and all its aggregates. */
import type { HolocronDatabase } from '../../database/open-database.ts';
import type { EvalMetricAggregateRow, EvalRunRow } from '../evaluations-tables.ts';
import { EvaluationNotFoundError } from './evaluation-record.ts';

export interface EvalRunDetails {
  run: EvalRunRow;
  tags: string[];
  aggregates: EvalMetricAggregateRow[];
}

export async function getEvalRun(database: HolocronDatabase, id: string): Promise<EvalRunDetails> {
  const { db } = database;
  const run = await db.selectFrom('eval_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!run) throw new EvaluationNotFoundError(`No evaluation run ${id}.`);
  const [tags, aggregates] = await Promise.all([
    db.selectFrom('eval_run_tags').select('tag').where('run_id', '=', id).orderBy('tag').execute(),
    db.selectFrom('eval_metric_aggregates').selectAll().where('run_id', '=', id).orderBy('metric').orderBy('field').execute(),
  ]);
  return { run, tags: tags.map((tag) => tag.tag), aggregates };
}

/** A run id, or a unique prefix of one (ids are UUIDs; 8 characters are enough to type). */
export async function resolveEvalRunId(database: HolocronDatabase, idOrPrefix: string): Promise<string> {
  const { db } = database;
  const exact = await db.selectFrom('eval_runs').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
  if (exact) return exact.id;
  if (!/^[0-9a-f-]{4,}$/i.test(idOrPrefix)) throw new EvaluationNotFoundError(`No evaluation run ${idOrPrefix}.`);
  const matches = await db.selectFrom('eval_runs').select('id').where('id', 'like', `${idOrPrefix.toLowerCase()}%`).limit(2).execute();
  if (matches.length === 0) throw new EvaluationNotFoundError(`No evaluation run ${idOrPrefix}.`);
  if (matches.length > 1) throw new EvaluationNotFoundError(`${idOrPrefix} is the start of more than one run id; give more of it.`);
  return matches[0]!.id;
}
