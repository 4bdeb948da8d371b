/**
 * Scores the items of a queued evaluation whose jobs are done (SUCCEEDED: the answer; DEADLETTER: the
 * error) and completes the run when its last item is scored — `completed`, or `failed` when no item
 * produced a scorable answer. Idempotent and safe to run from many workers at once: an item is claimed
 * for scoring by a conditional update (`status = 'pending'`), so it is scored exactly once, and the run
 * is completed by whichever call scores its last item. Runs inside the caller's write transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import type { InterrogationRegistry } from '../../interrogations/interrogation-registry.ts';
import { scoreItem } from '../evaluate.ts';
import type { Metric, ScoringInput } from '../metrics/metric.ts';
import { insertEvalScores } from '../store/insert-evaluation.ts';
import { refreshEvalAggregates } from '../store/refresh-eval-aggregates.ts';
import { buildMetrics, isQueuedJudge, type MetricSpec, type QueuedJudgeMetric } from './metric-specs.ts';
import { enqueueJudgements, openJudgements } from './judge-jobs.ts';
import { evalJobLabelPrefix } from './start-queued-evaluation.ts';

export interface ScoringContext {
  adapter: DialectAdapter;
  registry: InterrogationRegistry;
  /** The lake's root folder, to read an answer from output.json when `runs.output` is empty. */
  lakeRoot: string;
  /** To enqueue LLM-judge jobs (runs with an llm_judge metric). */
  jobs?: { evidenceRoot: string; defaults: { priority: number; maxAttempts: number } };
}

export interface ScoringProgress {
  runId: string;
  scored: number;
  pending: number;
  total: number;
  /** Set when this call completed the run. */
  completed: 'completed' | 'failed' | null;
}

export interface ScoreFinishedOptions {
  /** Score only the items of these jobs (a recording transaction's); default: every finished item. */
  jobIds?: readonly number[];
}

export async function scoreFinishedEvalItems(db: Kysely<Database>, runId: string, context: ScoringContext, options: ScoreFinishedOptions = {}): Promise<ScoringProgress> {
  // Take the run's row lock first: two transactions scoring the last items of one run at once then
  // run one after the other, so the second sees the first's items scored and completes the run.
  await db.updateTable('eval_runs').set({ updated_at: sql`updated_at` }).where('id', '=', runId).execute();
  const run = await db.selectFrom('eval_runs').select(['status', 'config', 'interrogation', 'started_at', 'item_count', 'metric_versions']).where('id', '=', runId).executeTakeFirst();
  if (!run) return { runId, scored: 0, pending: 0, total: 0, completed: null };
  const finished = await db
    .selectFrom('eval_items as i')
    .innerJoin('jobs as j', (join) => join.on(sql<SqlBool>`j.dedupe_key = ${evalJobLabelPrefix} || i.run_id || ':' || i.item_key || ':' || cast(i.repeat as text)`))
    .select(['i.item_key', 'i.repeat', 'i.input', 'i.expected', 'j.id as job_id', 'j.status as job_status', 'j.last_error', 'j.result_run_id'])
    .where('i.run_id', '=', runId)
    .where('i.status', '=', 'pending')
    .where(sql<SqlBool>`j.status in ('SUCCEEDED', 'DEADLETTER')`)
    .$if(options.jobIds !== undefined, (query) => query.where(context.adapter.inList('j.id', options.jobIds ?? [], 'bigint')))
    .execute();
  let scored = 0;
  const toJudge: { input: ScoringInput; repeat: number }[] = [];
  let judges: QueuedJudgeMetric[] = [];
  if (finished.length > 0) {
    let metrics: Metric[];
    try {
      metrics = await metricsFor(runId, run, context.registry);
    } catch (error) {
      // This process cannot score the run as it was defined: say so on the run rather than mix versions.
      const message = `cannot score: ${(error as Error).message}`;
      const now = Date.now();
      await db.updateTable('eval_runs').set({ status: 'failed', error: message, completed_at: now, updated_at: now }).where('id', '=', runId).where('status', '=', 'running').execute();
      return { runId, scored: 0, pending: finished.length, total: Number(run.item_count), completed: run.status === 'running' ? 'failed' : null };
    }
    judges = metrics.filter(isQueuedJudge);
    for (const item of finished) {
      const attempt =
        item.result_run_id === null
          ? undefined
          : await db.selectFrom('runs').select(['id', 'output', 'duration_ms', 'prompt_tokens', 'completion_tokens', 'lake_dir']).where('job_id', '=', Number(item.job_id)).where('id', '=', item.result_run_id).executeTakeFirst();
      let output: unknown = null;
      let error: string | null = item.job_status === 'DEADLETTER' ? (item.last_error ?? 'the job was dead-lettered') : null;
      if (attempt) {
        try {
          output = attempt.output !== null && attempt.output !== undefined ? parseJson(attempt.output) : readLakeOutput(context.lakeRoot, attempt.lake_dir);
        } catch (caught) {
          error = `cannot read the answer: ${(caught as Error).message}`;
        }
      } else if (error === null) error = 'the job has no successful attempt';
      const latencyMs = attempt ? Number(attempt.duration_ms) : null;
      const claimed = await db
        .updateTable('eval_items')
        .set({
          status: error === null && output !== null ? 'ok' : 'error',
          output: output === null ? null : JSON.stringify(output),
          error,
          latency_ms: latencyMs,
          prompt_tokens: attempt?.prompt_tokens ?? null,
          completion_tokens: attempt?.completion_tokens ?? null,
          job_id: Number(item.job_id),
        })
        .where('run_id', '=', runId)
        .where('item_key', '=', item.item_key)
        .where('repeat', '=', item.repeat)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue; // another worker scored it
      const input: ScoringInput = { itemKey: item.item_key, input: JSON.parse(item.input), expected: JSON.parse(item.expected), output, error, latencyMs, promptTokens: attempt?.prompt_tokens ?? null, completionTokens: attempt?.completion_tokens ?? null };
      const scores = await scoreItem(metrics, input, item.repeat);
      await insertEvalScores(db, context.adapter.maxParameters, runId, scores);
      if (judges.length > 0) toJudge.push({ input, repeat: item.repeat });
      scored += 1;
    }
  }
  if (toJudge.length > 0) {
    if (!context.jobs) throw new Error('this run has an LLM judge, and scoring it needs the queue settings to enqueue the judge jobs');
    await enqueueJudgements(db, context.adapter, runId, judges, toJudge, { registry: context.registry, ...context.jobs });
  }
  const { pending, completed } = await completeEvalRunIfDone(db, runId, run);
  return { runId, scored, pending, total: Number(run.item_count), completed };
}

/**
 * Completes a running run when no item is pending and no judgement open: its aggregates, then
 * `completed`, or `failed` when no item produced a scorable answer. The caller holds the run's lock.
 */
export async function completeEvalRunIfDone(
  db: Kysely<Database>,
  runId: string,
  known?: { status: string; started_at: number },
): Promise<{ pending: number; completed: ScoringProgress['completed'] }> {
  const run = known ?? (await db.selectFrom('eval_runs').select(['status', 'started_at']).where('id', '=', runId).executeTakeFirst());
  const pendingRow = await db.selectFrom('eval_items').select(sql<number>`count(*)`.as('count')).where('run_id', '=', runId).where('status', '=', 'pending').executeTakeFirstOrThrow();
  const pending = Number(pendingRow.count);
  let completed: ScoringProgress['completed'] = null;
  if (run && pending === 0 && run.status === 'running' && (await openJudgements(db, runId)) === 0) {
    await refreshEvalAggregates(db, runId);
    const totals = await db.selectFrom('eval_runs').select(['success_count']).where('id', '=', runId).executeTakeFirstOrThrow();
    const now = Date.now();
    completed = Number(totals.success_count) === 0 ? 'failed' : 'completed';
    const updated = await db
      .updateTable('eval_runs')
      .set({ status: completed, completed_at: now, duration_ms: now - Number(run.started_at), updated_at: now, error: completed === 'failed' ? 'no item produced a scorable answer' : null })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) completed = null;
  }
  return { pending, completed };
}

const metricCache = new Map<string, Metric[]>();

/** The run's metrics, rebuilt from its recorded specs; refused when one builds to another version than the run recorded. */
async function metricsFor(runId: string, run: { config: string; interrogation: string | null; metric_versions: string }, registry: InterrogationRegistry): Promise<Metric[]> {
  let metrics = metricCache.get(runId);
  if (!metrics) {
    const config = JSON.parse(run.config) as { metrics?: MetricSpec[] };
    const schema = run.interrogation && registry.has(run.interrogation) ? (registry.get(run.interrogation).outputSchema ?? null) : null;
    metrics = await buildMetrics(config.metrics ?? [], schema);
    const recorded = JSON.parse(run.metric_versions) as Record<string, string>;
    for (const metric of metrics) {
      if (recorded[metric.name] !== undefined && recorded[metric.name] !== metric.version) {
        throw new Error(`metric ${metric.name} is ${metric.version} in this process, but the run was started with ${recorded[metric.name]} (its definition changed)`);
      }
    }
    if (metricCache.size > 100) metricCache.clear();
    metricCache.set(runId, metrics);
  }
  return metrics;
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function readLakeOutput(lakeRoot: string, lakeDir: string | null): unknown {
  if (!lakeDir) throw new Error('the attempt has no lake folder');
  return JSON.parse(fs.readFileSync(path.join(lakeRoot, lakeDir, 'output.json'), 'utf8'));
}
