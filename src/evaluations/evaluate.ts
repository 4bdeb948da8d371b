/**
 * `evaluate({ task, dataset, metrics, … })`: runs any async function over a dataset, scores every answer
 * with the metrics, and stores the run (on by default; `store: false` keeps it in memory only). As the
 * seed's evaluator: zero code changes beyond the call. A task that throws is that item's error, not the
 * run's; the run fails only when no item produced a scorable answer.
 */
import { randomUUID } from 'node:crypto';
import type { HolocronDatabase } from '../database/open-database.ts';
import { checkDatasetItem, checkUniqueKeys, itemKey, readDataset, type DatasetItem } from './dataset.ts';
import { metricVersions } from './metrics/builtin-metrics.ts';
import type { Metric, ScoringInput } from './metrics/metric.ts';
import { aggregateScores, runTotals, type MetricAggregate } from './statistics/aggregate-scores.ts';
import { EvaluationInputError, type EvaluationItemRecord, type EvaluationRecord, type EvaluationScoreRecord } from './store/evaluation-record.ts';
import { insertEvaluation } from './store/insert-evaluation.ts';

export interface TaskContext {
  item: DatasetItem;
  repeat: number;
  /** Report the tokens the task used (for the tokens metric). */
  reportTokens(prompt: number, completion: number): void;
}

export interface EvaluateOptions {
  task: (input: unknown, context: TaskContext) => unknown | Promise<unknown>;
  /** Items, or the path of a JSONL file. */
  dataset: readonly DatasetItem[] | string;
  metrics: readonly Metric[];
  /** Required when storing. */
  database?: HolocronDatabase;
  store?: boolean;
  name?: string;
  description?: string;
  project?: string;
  tags?: string[];
  model?: string;
  interrogation?: string;
  createdBy?: string;
  /** The dataset's name (default: the file's path, or `inline`). */
  datasetName?: string;
  repeats?: number;
  /** Items run at once (default 4). */
  concurrency?: number;
  config?: Record<string, unknown>;
  onProgress?: (done: number, total: number) => void;
}

export interface EvaluationResult {
  runId: string;
  stored: boolean;
  status: 'completed' | 'failed';
  itemCount: number;
  successCount: number;
  successRate: number | null;
  durationMs: number;
  aggregates: MetricAggregate[];
  record: EvaluationRecord;
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const store = options.store ?? true;
  if (store && !options.database) throw new EvaluationInputError('evaluate() stores its run: give `database` (or set store: false).');
  const items = typeof options.dataset === 'string' ? readDataset(options.dataset) : options.dataset.map((item, index) => checkDatasetItem(item, `dataset item ${index + 1}`));
  if (typeof options.dataset !== 'string') checkUniqueKeys(items, 'the dataset');
  if (items.length === 0) throw new EvaluationInputError('The dataset has no items.');
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw new EvaluationInputError('repeats must be a whole number of 1 or more.');
  const names = new Set<string>();
  for (const metric of options.metrics) {
    if (names.has(metric.name)) throw new EvaluationInputError(`Two metrics are named ${metric.name}.`);
    names.add(metric.name);
  }

  const createdAt = Date.now();
  const started = performance.now();
  const jobs = items.flatMap((item, position) => Array.from({ length: repeats }, (_, repeat) => ({ item, position, repeat })));
  const itemRecords: EvaluationItemRecord[] = new Array(jobs.length);
  const scoreRecords: EvaluationScoreRecord[][] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const { item, position, repeat } = jobs[index]!;
      const key = itemKey(item);
      let promptTokens: number | null = null;
      let completionTokens: number | null = null;
      let output: unknown = null;
      let error: string | null = null;
      const begin = performance.now();
      try {
        output = await options.task(item.input, {
          item,
          repeat,
          reportTokens(prompt, completion) {
            promptTokens = prompt;
            completionTokens = completion;
          },
        });
        if (output === undefined) output = null;
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      const latencyMs = Math.round((performance.now() - begin) * 1000) / 1000;
      const scoring: ScoringInput = { itemKey: key, input: item.input, expected: item.expected, output, error, latencyMs, promptTokens, completionTokens };
      itemRecords[index] = { itemKey: key, repeat, position, status: error === null && output !== null ? 'ok' : 'error', input: item.input, expected: item.expected, output, error, latencyMs, promptTokens, completionTokens, jobId: null };
      scoreRecords[index] = await scoreItem(options.metrics, scoring, repeat);
      done += 1;
      options.onProgress?.(done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, jobs.length) }, worker));
  const durationMs = Math.round(performance.now() - started);
  const scores = scoreRecords.flat();
  const totals = runTotals(itemRecords.map((record) => ({ output: record.output, error: record.error })));
  const status = totals.successCount === 0 ? 'failed' : 'completed';
  const record: EvaluationRecord = {
    run: {
      id: randomUUID(),
      name: options.name ?? `evaluation ${new Date(createdAt).toISOString()}`,
      description: options.description ?? null,
      project: options.project ?? null,
      dataset: options.datasetName ?? (typeof options.dataset === 'string' ? options.dataset : 'inline'),
      model: options.model ?? null,
      interrogation: options.interrogation ?? null,
      createdBy: options.createdBy ?? null,
      tags: options.tags ?? [],
      status,
      createdAt,
      startedAt: createdAt,
      completedAt: createdAt + durationMs,
      durationMs,
      metricVersions: metricVersions(options.metrics),
      config: { repeats, ...(options.config ?? {}) },
      error: status === 'failed' ? 'no item produced a scorable answer' : null,
    },
    items: itemRecords,
    scores,
  };
  if (store) await insertEvaluation(options.database!, record);
  return {
    runId: record.run.id,
    stored: store,
    status,
    itemCount: totals.itemCount,
    successCount: totals.successCount,
    successRate: totals.successRate,
    durationMs,
    aggregates: aggregateScores(scores.map((score) => ({ metric: score.metric, field: score.field, value: score.value, passed: score.passed, metricVersion: score.metricVersion }))),
    record,
  };
}

/** Every metric's scores for one item, each stamped with its metric's version. A metric that throws fails the evaluation: a broken metric must not pass for a low score. */
export async function scoreItem(metrics: readonly Metric[], input: ScoringInput, repeat: number): Promise<EvaluationScoreRecord[]> {
  const records: EvaluationScoreRecord[] = [];
  for (const metric of metrics) {
    let scores;
    try {
      scores = await metric.score(input);
    } catch (error) {
      throw new EvaluationInputError(`Metric ${metric.name} failed on item ${input.itemKey}: ${(error as Error).message}`);
    }
    for (const score of scores) {
      records.push({ itemKey: input.itemKey, repeat, metric: score.metric, field: score.field, metricVersion: metric.version, value: score.value, passed: score.passed, details: score.details ?? null });
    }
  }
  return records;
}
