/**
 * `holocron eval run`: an evaluation whose items run through the queue like any job. Stores the run
 * (`running`) with one pending item per dataset line and repeat, then enqueues one interrogation job per
 * item, linked to it by its dedupe key `eval:<run>:<item>:<repeat>` and labelled `eval:<run>`. Workers run
 * the jobs; `scoreFinishedEvalItems` scores each item whose job is done and completes the run with its
 * last item.
 */
import { randomUUID } from 'node:crypto';
import type { Holocron } from '../../holocron.ts';
import { itemKey, type DatasetItem } from '../dataset.ts';
import { metricVersions } from '../metrics/builtin-metrics.ts';
import { EvaluationInputError } from '../store/evaluation-record.ts';
import { insertEvalItems, insertEvalRun } from '../store/insert-evaluation.ts';
import { deleteEvalRun } from '../store/delete-eval-run.ts';
import { buildMetrics, type MetricSpec } from './metric-specs.ts';

export interface QueuedEvaluationOptions {
  items: readonly DatasetItem[];
  interrogation: string;
  model?: string;
  name?: string;
  description?: string;
  project?: string;
  tags?: string[];
  createdBy?: string;
  datasetName: string;
  repeats?: number;
  metrics: MetricSpec[];
  priority?: number;
  /** The items' cache mode (default: the worker's). */
  cache?: 'off' | 'read' | 'write' | 'readwrite';
}

export const evalJobLabelPrefix = 'eval:';

export function evalDedupeKey(runId: string, key: string, repeat: number): string {
  return `${evalJobLabelPrefix}${runId}:${key}:${repeat}`;
}

export async function startQueuedEvaluation(holocron: Holocron, options: QueuedEvaluationOptions): Promise<{ runId: string; jobs: number }> {
  const interrogation = holocron.registry.get(options.interrogation);
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw new EvaluationInputError('--repeats must be a whole number of 1 or more.');
  const metrics = await buildMetrics(options.metrics, interrogation.outputSchema ?? null);
  const runId = randomUUID();
  const now = Date.now();
  const rows = options.items.flatMap((item, position) => Array.from({ length: repeats }, (_, repeat) => ({ item, position, repeat, key: itemKey(item) })));
  const { database } = holocron;
  await database.adapter.writeTransaction(database.db, async (transaction) => {
    await insertEvalRun(transaction, {
      id: runId,
      name: options.name ?? `${options.interrogation} on ${options.datasetName}${options.model ? ` with ${options.model}` : ''}`,
      description: options.description ?? null,
      project: options.project ?? null,
      dataset: options.datasetName,
      model: options.model ?? interrogation.defaults?.model ?? null,
      interrogation: options.interrogation,
      createdBy: options.createdBy ?? null,
      tags: options.tags ?? [],
      status: 'running',
      createdAt: now,
      startedAt: now,
      completedAt: null,
      durationMs: null,
      metricVersions: metricVersions(metrics),
      config: { repeats, queued: true, metrics: options.metrics },
      error: null,
    });
    await insertEvalItems(
      transaction,
      database.adapter.maxParameters,
      runId,
      rows.map(({ item, position, repeat, key }) => ({
        itemKey: key,
        repeat,
        position,
        status: 'pending',
        input: item.input,
        expected: item.expected,
        output: null,
        error: null,
        latencyMs: null,
        promptTokens: null,
        completionTokens: null,
        jobId: null,
      })),
    );
    await transaction.updateTable('eval_runs').set({ item_count: rows.length }).where('id', '=', runId).execute();
  });
  try {
    await holocron.enqueue(
      rows.map(({ item, repeat, key }, index) => ({
        where: `dataset item ${index / repeats + 1}${repeats > 1 ? ` (repeat ${repeat})` : ''}`,
        request: {
          interrogation: options.interrogation,
          input: item.input as Record<string, unknown>,
          ...(item.evidence ? { evidence: item.evidence } : {}),
          ...(options.model ? { model: options.model } : {}),
          ...(options.priority !== undefined ? { priority: options.priority } : {}),
          dedupe_key: evalDedupeKey(runId, key, repeat),
          // A deliberate repeat: its own fingerprint, never served another repeat's answer.
          repeat,
          ...(options.cache !== undefined ? { cache: options.cache } : {}),
          run_label: `${evalJobLabelPrefix}${runId}`,
        },
      })),
    );
  } catch (error) {
    // Nothing was enqueued (enqueue is all or nothing): the run goes too.
    await deleteEvalRun(database, runId);
    throw error;
  }
  return { runId, jobs: rows.length };
}
