/**
 * `runs compare A B [C …] [--baseline A]`: loads each run's scores once, compares every other run with
 * the one explicit baseline, and caches the result keyed by the runs and options; the entry holds each
 * run's revision, so a run that changed since (new scores, re-import) makes it stale and it is recomputed.
 */
import { sql, type SqlBool } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { compareMetrics, flippedFields, itemChanges, lowerIsBetterByName, primaryMetricOf, type AlignedMetric, type CompareOptions, type PairComparison } from '../statistics/compare-runs.ts';
import { alignedItemCounts, alignedMetricValues, itemFieldResults, runMetricVersions } from './aligned-scores.ts';
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
  const cacheKey = JSON.stringify({ runs: ordered, options: { seed: options.seed ?? 1, resamples: options.resamples ?? 2000, primaryMetric: options.primaryMetric ?? null, itemLimit: options.itemLimit ?? 20 } });
  const fingerprint = runInfo.map((run) => `${run.id}@${run.revision}`).join(',');

  const hit = await db.selectFrom('eval_comparisons').select(['fingerprint', 'result']).where('cache_key', '=', cacheKey).executeTakeFirst();
  if (hit && hit.fingerprint === fingerprint) return { baselineRunId: baseline, runs: runInfo, pairs: JSON.parse(hit.result), cached: true };

  const baselineVersions = await runMetricVersions(db, baseline);
  const pairs = await Promise.all(ordered.slice(1).map((id) => compareTwoRuns(database, baseline, baselineVersions, id, options)));
  const result = JSON.stringify(pairs);
  await db
    .insertInto('eval_comparisons')
    .values({ cache_key: cacheKey, fingerprint, result, created_at: Date.now() })
    .onConflict((conflict) => conflict.column('cache_key').doUpdateSet({ fingerprint, result, created_at: Date.now() }))
    .execute();
  return { baselineRunId: baseline, runs: runInfo, pairs, cached: false };
}

/** One candidate against the baseline: each metric's aligned values from one SQL join, then the statistics. */
async function compareTwoRuns(
  database: HolocronDatabase,
  baseline: string,
  baselineVersions: Map<string, { version: string; passFail: boolean }>,
  candidate: string,
  options: CompareOptions,
): Promise<PairComparison> {
  const { db } = database;
  const candidateVersions = await runMetricVersions(db, candidate);
  const metricNames = [...new Set([...baselineVersions.keys(), ...candidateVersions.keys()])].sort();
  const comparableNames = metricNames.filter((metric) => baselineVersions.get(metric) && baselineVersions.get(metric)?.version === candidateVersions.get(metric)?.version);
  // Item keys are read only for the metric whose changes are listed: the option, or the one
  // primaryMetricOf will likely pick (read again below in the rare case the guess was wrong).
  const likelyPrimary = options.primaryMetric ?? comparableNames.find((metric) => baselineVersions.get(metric)!.passFail) ?? comparableNames.find((metric) => !(options.lowerIsBetter ?? lowerIsBetterByName)(metric));
  // The reads are independent: on PostgreSQL they run side by side on the pool.
  const countsRead = alignedItemCounts(db, baseline, candidate);
  const aligned: AlignedMetric[] = await Promise.all(
    metricNames.map(async (metric) => {
      const baselineVersion = baselineVersions.get(metric)?.version ?? null;
      const candidateVersion = candidateVersions.get(metric)?.version ?? null;
      const values = comparableNames.includes(metric)
        ? await alignedMetricValues(db, baseline, candidate, metric, metric === likelyPrimary)
        : { metric, baseline: new Float64Array(0), candidate: new Float64Array(0), baselinePassed: new Int8Array(0), candidatePassed: new Int8Array(0) };
      return { ...values, baselineVersion, candidateVersion };
    }),
  );
  const metrics = compareMetrics(aligned, options);
  const primary = primaryMetricOf(metrics, options.primaryMetric);
  const counts = await countsRead;
  let regressed: PairComparison['regressed'] = { count: 0, items: [] };
  let improved: PairComparison['improved'] = { count: 0, items: [] };
  if (primary) {
    const lowerIsBetter = (options.lowerIsBetter ?? lowerIsBetterByName)(primary);
    let values = aligned.find((entry) => entry.metric === primary && entry.items);
    if (!values) values = { ...(await alignedMetricValues(db, baseline, candidate, primary, true)), baselineVersion: null, candidateVersion: null };
    ({ regressed, improved } = itemChanges(values, lowerIsBetter ? -1 : 1, options.itemLimit ?? 20));
    const listed = [...regressed.items, ...improved.items].map((change) => change.item);
    const [baseFields, candFields] = await Promise.all([itemFieldResults(db, baseline, listed), itemFieldResults(db, candidate, listed)]);
    for (const change of regressed.items) change.fieldsChanged = flippedFields(baseFields.get(change.item), candFields.get(change.item), false);
    for (const change of improved.items) change.fieldsChanged = flippedFields(baseFields.get(change.item), candFields.get(change.item), true);
  }
  return {
    baselineRunId: baseline,
    candidateRunId: candidate,
    aligned: counts.aligned,
    onlyInBaseline: counts.baseline - counts.aligned,
    onlyInCandidate: counts.candidate - counts.aligned,
    metrics,
    primaryMetric: primary,
    regressed,
    improved,
  };
}

/** Drops cached comparisons (all of them: cheap, and a changed run's entries are stale anyway). */
export async function clearEvalComparisons(database: HolocronDatabase): Promise<number> {
  const deleted = await database.db.deleteFrom('eval_comparisons').where(sql<SqlBool>`1 = 1`).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
