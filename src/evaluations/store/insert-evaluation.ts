/**
 * Writes an evaluation run with its tags, items and scores, and computes its aggregates — in one
 * transaction, so a run appears whole or not at all. Used by `evaluate()`, `runs import` and the queue.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { chunk, rowsPerStatement } from '../../queue/chunk.ts';
import type { EvaluationItemRecord, EvaluationRecord, EvaluationRunRecord, EvaluationScoreRecord } from './evaluation-record.ts';
import { refreshEvalAggregates } from './refresh-eval-aggregates.ts';

export async function insertEvaluation(database: HolocronDatabase, record: EvaluationRecord): Promise<string> {
  const { db, adapter } = database;
  return adapter.writeTransaction(db, async (transaction) => {
    await insertEvalRun(transaction, record.run);
    await insertEvalItems(transaction, adapter.maxParameters, record.run.id, record.items);
    await insertEvalScores(transaction, adapter.maxParameters, record.run.id, record.scores);
    await refreshEvalAggregates(transaction, record.run.id);
    return record.run.id;
  });
}

export async function insertEvalRun(db: Kysely<Database>, run: EvaluationRunRecord): Promise<void> {
  if (run.project) {
    await db.insertInto('eval_projects').values({ name: run.project, description: null, created_at: run.createdAt }).onConflict((conflict) => conflict.column('name').doNothing()).execute();
  }
  await db
    .insertInto('eval_runs')
    .values({
      id: run.id,
      name: run.name,
      description: run.description,
      project: run.project,
      dataset: run.dataset,
      model: run.model,
      interrogation: run.interrogation,
      created_by: run.createdBy,
      status: run.status,
      item_count: 0,
      success_count: 0,
      success_rate: null,
      duration_ms: run.durationMs,
      created_at: run.createdAt,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      updated_at: run.createdAt,
      revision: 1,
      metric_versions: JSON.stringify(run.metricVersions),
      config: JSON.stringify(run.config),
      error: run.error,
    })
    .execute();
  const tags = [...new Set(run.tags)];
  if (tags.length > 0) await db.insertInto('eval_run_tags').values(tags.map((tag) => ({ run_id: run.id, tag }))).execute();
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export async function insertEvalItems(db: Kysely<Database>, maxParameters: number, runId: string, items: readonly EvaluationItemRecord[]): Promise<void> {
  for (const part of chunk(items, rowsPerStatement(maxParameters, 13, 1000))) {
    await db
      .insertInto('eval_items')
      .values(
        part.map((item) => ({
          run_id: runId,
          item_key: item.itemKey,
          repeat: item.repeat,
          position: item.position,
          status: item.status,
          input: JSON.stringify(item.input ?? null),
          expected: JSON.stringify(item.expected ?? null),
          output: item.output === null || item.output === undefined ? null : JSON.stringify(item.output),
          error: item.error,
          latency_ms: item.latencyMs,
          prompt_tokens: item.promptTokens,
          completion_tokens: item.completionTokens,
          job_id: item.jobId,
        })),
      )
      .execute();
  }
}

export async function insertEvalScores(db: Kysely<Database>, maxParameters: number, runId: string, scores: readonly EvaluationScoreRecord[]): Promise<void> {
  for (const part of chunk(scores, rowsPerStatement(maxParameters, 9, 1000))) {
    await db
      .insertInto('eval_scores')
      .values(
        part.map((score) => ({
          run_id: runId,
          item_key: score.itemKey,
          repeat: score.repeat,
          metric: score.metric,
          field: score.field ?? '',
          metric_version: score.metricVersion,
          value: score.value,
          passed: score.passed === null ? null : score.passed ? 1 : 0,
          details: score.details ? json(score.details) : null,
        })),
      )
      .execute();
  }
}
