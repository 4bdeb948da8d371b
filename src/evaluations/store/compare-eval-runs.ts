/**
 * `runs compare A B [C …] [--baseline A]`: loads each run's scores once, compares every other run with
 * the one explicit baseline, and caches the result keyed by the runs and options; the entry holds each
 * run's revision, so a run that changed since (new scores, re-import) makes it stale and it is recomputed.
 */
import { sql, type SqlBool } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { comparePair, type CompareOptions, type PairComparison, type RunScores } from '../statistics/compare-runs.ts';
import { EvaluationInputError, EvaluationNotFoundError } from './evaluation-record.ts';

export interface RunComparison {
  baselineRunId: string;
  runs: { id: string; name: string; model: string | null; revision: number }[];
  pairs: PairComparison[];
  /** Whether this came from the cache. */
  cached: boolean;
}

export async function compareEvalRuns(database: HolocronDatabase, runIds: readonly string[], baselineRunId: string | undefined, options: CompareOptions = {}): Promise<RunComparison> {
  if (runIds.length < 2) throw new EvaluationInputError('Compare needs at least two runs.');
  if (new Set(runIds).size !== runIds.length) throw new EvaluationInputError('The same run is named twice.');
  const baseline = baselineRunId ?? runIds[0]!;
  if (!runIds.includes(baseline)) throw new EvaluationInputError(`The baseline ${baseline} is not one of the runs compared.`);
  const ordered = [baseline, ...runIds.filter((id) => id !== baseline)];
  const { db } = database;
  const runs = await db.selectFrom('eval_runs').select(['id', 'name', 'model', 'revision']).where(database.adapter.inList('id', ordered, 'text')).execute();
  for (const id of ordered) if (!runs.some((run) => run.id === id)) throw new EvaluationNotFoundError(`No evaluation run ${id}.`);
  const runInfo = ordered.map((id) => runs.find((run) => run.id === id)!).map((run) => ({ ...run, revision: Number(run.revision) }));
  const cacheKey = JSON.stringify({ runs: ordered, options: { seed: options.seed ?? 1, resamples: options.resamples ?? 2000, normalAbove: options.normalAbove ?? 5000, primaryMetric: options.primaryMetric ?? null, itemLimit: options.itemLimit ?? 20 } });
  const fingerprint = runInfo.map((run) => `${run.id}@${run.revision}`).join(',');

  const hit = await db.selectFrom('eval_comparisons').select(['fingerprint', 'result']).where('cache_key', '=', cacheKey).executeTakeFirst();
  if (hit && hit.fingerprint === fingerprint) return { baselineRunId: baseline, runs: runInfo, pairs: JSON.parse(hit.result), cached: true };

  const baselineScores = await loadRunScores(database, baseline);
  const pairs: PairComparison[] = [];
  for (const id of ordered.slice(1)) pairs.push(comparePair(baselineScores, await loadRunScores(database, id), options));
  const result = JSON.stringify(pairs);
  await db
    .insertInto('eval_comparisons')
    .values({ cache_key: cacheKey, fingerprint, result, created_at: Date.now() })
    .onConflict((conflict) => conflict.column('cache_key').doUpdateSet({ fingerprint, result, created_at: Date.now() }))
    .execute();
  return { baselineRunId: baseline, runs: runInfo, pairs, cached: false };
}

export async function loadRunScores(database: HolocronDatabase, runId: string): Promise<RunScores> {
  const { db } = database;
  const [items, scores] = await Promise.all([
    db.selectFrom('eval_items').select(['item_key', 'repeat']).where('run_id', '=', runId).execute(),
    db.selectFrom('eval_scores').select(['item_key', 'repeat', 'metric', 'field', 'metric_version', 'value', 'passed']).where('run_id', '=', runId).execute(),
  ]);
  const result: RunScores = { runId, versions: new Map(), whole: new Map(), fields: new Map(), items: new Set(items.map((item) => `${item.item_key}#${item.repeat}`)) };
  for (const score of scores) {
    const item = `${score.item_key}#${score.repeat}`;
    const passed = score.passed === null ? null : Number(score.passed) === 1;
    if (score.field === '') {
      let byItem = result.whole.get(score.metric);
      if (!byItem) {
        byItem = new Map();
        result.whole.set(score.metric, byItem);
        result.versions.set(score.metric, score.metric_version);
      }
      byItem.set(item, [score.value === null ? null : Number(score.value), passed]);
    } else {
      let fields = result.fields.get(item);
      if (!fields) {
        fields = new Map();
        result.fields.set(item, fields);
      }
      fields.set(score.field, passed);
    }
  }
  return result;
}

/** Drops cached comparisons (all of them: cheap, and a changed run's entries are stale anyway). */
export async function clearEvalComparisons(database: HolocronDatabase): Promise<number> {
  const deleted = await database.db.deleteFrom('eval_comparisons').where(sql<SqlBool>`1 = 1`).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
