/**
 * The LLM judge of a queued run, through the queue: when an item's answer is scored, each judge metric
 * enqueues one `eval_judge_v1` job for it (dedupe key `evaljudge:<run>:<metric>:<repeat>:<item>`, run
 * label `evaljudge:<run>`) in the same transaction; when the judge's attempt is recorded, its verdict
 * becomes the item's score — with the prompt and the raw answer from the attempt's folder in the
 * score's details, and the attempt named, so the grade can be audited — and the run completes once no
 * item and no judgement is left. An item with no answer is not judged: it scores 0 at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import type { InterrogationRegistry } from '../../interrogations/interrogation-registry.ts';
import { prepareJobSpecs, type LabelledRequest } from '../../pipeline/job-request.ts';
import type { ClaimedJob } from '../../queue/claimed-job.ts';
import { insertJobs } from '../../queue/enqueue-jobs.ts';
import type { AttemptOutcome } from '../../queue/record-outcomes.ts';
import { judgeInput, judgeScore, parseVerdict, unansweredScore } from '../metrics/llm-judge.ts';
import type { ScoringInput } from '../metrics/metric.ts';
import type { EvaluationScoreRecord } from '../store/evaluation-record.ts';
import { insertEvalScores } from '../store/insert-evaluation.ts';
import type { QueuedJudgeMetric } from './metric-specs.ts';

export const judgeJobLabelPrefix = 'evaljudge:';

export interface JudgeJobSettings {
  registry: InterrogationRegistry;
  evidenceRoot: string;
  defaults: { priority: number; maxAttempts: number };
}

export function judgeDedupeKey(runId: string, metric: string, repeat: number, itemKey: string): string {
  return `${judgeJobLabelPrefix}${runId}:${metric}:${repeat}:${itemKey}`;
}

function parseJudgeDedupeKey(key: string): { runId: string; metric: string; repeat: number; itemKey: string } | null {
  const match = /^evaljudge:([^:]+):([^:]+):(\d+):(.*)$/s.exec(key);
  return match ? { runId: match[1]!, metric: match[2]!, repeat: Number(match[3]), itemKey: match[4]! } : null;
}

/** For items just scored: the judges' jobs (answered items) and their scores of 0 (unanswered ones). */
export async function enqueueJudgements(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  runId: string,
  judges: readonly QueuedJudgeMetric[],
  items: readonly { input: ScoringInput; repeat: number }[],
  settings: JudgeJobSettings,
): Promise<number> {
  if (judges.length === 0 || items.length === 0) return 0;
  const requests: LabelledRequest[] = [];
  const unanswered: EvaluationScoreRecord[] = [];
  for (const judge of judges) {
    for (const { input, repeat } of items) {
      if (input.output === null || input.output === undefined) {
        const score = unansweredScore(judge.name, input);
        unanswered.push({ itemKey: input.itemKey, repeat, metric: judge.name, field: null, metricVersion: judge.version, value: score.value, passed: score.passed, details: score.details ?? null });
        continue;
      }
      requests.push({
        where: `the ${judge.name} judgement of item ${input.itemKey}`,
        request: {
          interrogation: 'eval_judge_v1',
          input: judgeInput(input, judge.queuedJudge.rubric),
          model: judge.queuedJudge.model,
          dedupe_key: judgeDedupeKey(runId, judge.name, repeat, input.itemKey),
          run_label: `${judgeJobLabelPrefix}${runId}`,
        },
      });
    }
  }
  await insertEvalScores(transaction, adapter.maxParameters, runId, unanswered);
  if (requests.length === 0) return 0;
  const specs = await prepareJobSpecs(requests, settings);
  await insertJobs(transaction, adapter, specs);
  return specs.length;
}

/** Judgements of a run not finished yet (its judge jobs neither succeeded nor dead-lettered). */
export async function openJudgements(db: Kysely<Database>, runId: string): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select(sql<number>`count(*)`.as('count'))
    .where('run_label', '=', `${judgeJobLabelPrefix}${runId}`)
    .where(sql<SqlBool>`status not in ('SUCCEEDED', 'DEADLETTER', 'CANCELLED')`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * In the recording transaction: the verdicts of judge jobs whose attempts just ended (a success, or a
 * dead letter: then the score has no value and says why). Returns the runs they belong to.
 */
export async function recordJudgeVerdicts(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  recorded: readonly { job: ClaimedJob; outcome: AttemptOutcome; deadLettered: boolean }[],
  lakeRoot: string,
): Promise<string[]> {
  const done = recorded.filter(({ job, outcome, deadLettered }) => job.runLabel?.startsWith(judgeJobLabelPrefix) && (outcome.kind === 'succeeded' || deadLettered));
  if (done.length === 0) return [];
  const keys = new Map(
    (await transaction.selectFrom('jobs').select(['id', 'dedupe_key']).where(adapter.inList('id', done.map(({ job }) => job.id), 'bigint')).execute()).map((row) => [Number(row.id), row.dedupe_key]),
  );
  const byRun = new Map<string, EvaluationScoreRecord[]>();
  for (const { job, outcome } of done) {
    const key = parseJudgeDedupeKey(keys.get(job.id) ?? '');
    if (!key) continue;
    const audit: Record<string, unknown> = { judgeJobId: job.id, attemptId: outcome.held.runId, lakeDir: outcome.record.lakeDir ?? null };
    let score: { value: number | null; passed: boolean | null; details: Record<string, unknown> };
    if (outcome.kind === 'succeeded') {
      audit.prompt = readLakeText(lakeRoot, outcome.record.lakeDir, 'prompt.txt');
      audit.rawAnswer = readLakeText(lakeRoot, outcome.record.lakeDir, 'raw.txt');
      const parsed = parseVerdict(outcome.output ?? audit.rawAnswer);
      score = parsed.ok ? judgeScore(key.metric, parsed.verdict, audit) as typeof score : { value: null, passed: null, details: { error: parsed.error, ...audit } };
    } else {
      score = { value: null, passed: null, details: { error: `the judge failed: ${outcome.error.message}`, ...audit } };
    }
    const list = byRun.get(key.runId) ?? [];
    if (list.length === 0) byRun.set(key.runId, list);
    list.push({ itemKey: key.itemKey, repeat: key.repeat, metric: key.metric, field: null, metricVersion: '', value: score.value, passed: score.passed, details: score.details });
  }
  for (const [runId, scores] of byRun) {
    const run = await transaction.selectFrom('eval_runs').select('metric_versions').where('id', '=', runId).executeTakeFirst();
    if (!run) continue;
    const versions = JSON.parse(run.metric_versions) as Record<string, string>;
    const fresh: EvaluationScoreRecord[] = [];
    for (const score of scores) {
      // A judgement recorded once only (a job retried after its verdict was stored adds nothing).
      const exists = await transaction
        .selectFrom('eval_scores')
        .select('run_id')
        .where('run_id', '=', runId)
        .where('metric', '=', score.metric)
        .where('field', '=', '')
        .where('item_key', '=', score.itemKey)
        .where('repeat', '=', score.repeat)
        .executeTakeFirst();
      if (!exists) fresh.push({ ...score, metricVersion: versions[score.metric] ?? 'llm_judge@unknown' });
    }
    await insertEvalScores(transaction, adapter.maxParameters, runId, fresh);
  }
  return [...byRun.keys()];
}

function readLakeText(lakeRoot: string, lakeDir: string | null | undefined, name: string): string | null {
  if (!lakeDir) return null;
  try {
    return fs.readFileSync(path.join(lakeRoot, lakeDir, name), 'utf8');
  } catch {
    return null;
  }
}
