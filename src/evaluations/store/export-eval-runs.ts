/**
 * `runs export`: runs as one JSON document, lossless — every column of the run, its tags, every item and
 * every score, exactly as stored (aggregates are derived from the scores and recomputed on import).
 */
import type { HolocronDatabase } from '../../database/open-database.ts';
import type { EvaluationRecord } from './evaluation-record.ts';
import { getEvalRun } from './get-eval-run.ts';

export const exportFormat = 'holocron-evaluation-runs';
export const exportVersion = 1;

export interface EvaluationExport {
  format: typeof exportFormat;
  version: typeof exportVersion;
  runs: EvaluationRecord[];
}

const parse = (text: string | null) => (text === null ? null : JSON.parse(text));

export async function exportEvalRuns(database: HolocronDatabase, ids: readonly string[]): Promise<EvaluationExport> {
  const { db } = database;
  const runs: EvaluationRecord[] = [];
  for (const id of ids) {
    const { run, tags } = await getEvalRun(database, id);
    const [items, scores] = await Promise.all([
      db.selectFrom('eval_items').selectAll().where('run_id', '=', id).orderBy('position').orderBy('repeat').orderBy('item_key').execute(),
      db.selectFrom('eval_scores').selectAll().where('run_id', '=', id).orderBy('item_key').orderBy('repeat').orderBy('metric').orderBy('field').execute(),
    ]);
    runs.push({
      run: {
        id: run.id,
        name: run.name,
        description: run.description,
        project: run.project,
        dataset: run.dataset,
        model: run.model,
        interrogation: run.interrogation,
        createdBy: run.created_by,
        tags,
        status: run.status,
        createdAt: Number(run.created_at),
        startedAt: Number(run.started_at),
        completedAt: run.completed_at === null ? null : Number(run.completed_at),
        durationMs: run.duration_ms === null ? null : Number(run.duration_ms),
        metricVersions: JSON.parse(run.metric_versions),
        config: JSON.parse(run.config),
        error: run.error,
      },
      items: items.map((item) => ({
        itemKey: item.item_key,
        repeat: item.repeat,
        position: item.position,
        status: item.status,
        input: JSON.parse(item.input),
        expected: JSON.parse(item.expected),
        output: parse(item.output),
        error: item.error,
        latencyMs: item.latency_ms === null ? null : Number(item.latency_ms),
        promptTokens: item.prompt_tokens,
        completionTokens: item.completion_tokens,
        jobId: item.job_id === null ? null : Number(item.job_id),
      })),
      scores: scores.map((score) => ({
        itemKey: score.item_key,
        repeat: score.repeat,
        metric: score.metric,
        field: score.field === '' ? null : score.field,
        metricVersion: score.metric_version,
        value: score.value === null ? null : Number(score.value),
        passed: score.passed === null ? null : Number(score.passed) === 1,
        details: parse(score.details),
      })),
    });
  }
  return { format: exportFormat, version: exportVersion, runs };
}
