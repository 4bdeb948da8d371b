/**
 * Records how attempts ended, many at once, in one transaction: the jobs' new states, the attempts'
 * rows in `runs` (with a success's validated output), and their lake artifacts. Fencing: a job is only
 * updated if the attempt still holds it (`current_run_id` matches and it is RUNNING). A late outcome
 * from a worker that lost its lease is refused — the job never ends with two successful attempts — but
 * its attempt and artifacts are still recorded (as ABANDONED) so nothing it did is lost from the audit.
 *
 * Idempotent: recording an attempt's outcome again (a worker retrying a commit whose acknowledgement
 * was lost) writes nothing and reports what the first recording did (`runs.outcome`); the first
 * recorded outcome of an attempt is the one that counts.
 *
 * `onApplied` runs inside the same transaction, after the rows are written, with the outcomes that were
 * applied to their jobs by this call (fencing passed; never a refused one, never one recorded before):
 * what it writes commits or rolls back with them. It is how an area records its own rows atomically
 * with an attempt (see the worker's job kinds).
 */
import { sql, type Kysely } from 'kysely';
import type { ArtifactType, Database, NewArtifactRow, NewRunRow, RunStatus } from '../database/database.ts';
import type { BulkColumn, DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { insertRows, type BulkInsertEnding } from '../database/bulk-insert.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import { bulkChunks, chunk, rowsPerStatement } from './chunk.ts';
import type { HeldAttempt } from './held-attempt.ts';
import { databaseNow } from './database-now.ts';

/** What an attempt did, for its `runs` row. Times are the worker's clock, epoch milliseconds. */
export interface AttemptRecord {
  workerId: string;
  /** The endpoint that served the attempt's call (as the call reported it), its backend kind and base URL. */
  endpointId?: string | null;
  provider?: string | null;
  baseUrl?: string | null;
  modelName?: string | null;
  modelTag?: string | null;
  modelDigest?: string | null;
  options?: unknown;
  metrics?: unknown;
  promptTokens?: number | null;
  completionTokens?: number | null;
  lakeDir?: string | null;
  /** The call's fingerprint and the interrogation definition it used (src/reproducibility). */
  fingerprint?: string | null;
  definitionHash?: string | null;
  /** The attempt this one was made from: served from the cache, or a replay of its stored request. */
  sourceRunId?: string | null;
  sourceKind?: 'cache_hit' | 'replay' | null;
  /** What the handler passes on to its kind's record hook (not stored in `runs`). */
  hookData?: Readonly<Record<string, unknown>>;
  /** Milliseconds of the LLM call alone. */
  callMs?: number | null;
  /** The endpoint's in-flight limit when the call went out. */
  inFlightLimit?: number | null;
  startedAt: number;
  completedAt: number;
}

export interface ArtifactRecord {
  type: ArtifactType;
  lakePath: string;
  sha256: string;
  bytes: number;
}

export interface AttemptError {
  code: string;
  message: string;
}

interface OutcomeBase {
  held: HeldAttempt;
  attempt: number;
  record: AttemptRecord;
  artifacts: ArtifactRecord[];
}

export interface SucceededOutcome extends OutcomeBase {
  kind: 'succeeded';
  /** The validated output, stored as JSON in `runs.output` (undefined: none). */
  output?: unknown;
}

export interface FailedOutcome extends OutcomeBase {
  kind: 'failed';
  error: AttemptError;
  /** False for errors a retry cannot fix (model not found, bad request): the job dead-letters at once. */
  retryable: boolean;
  /** Backoff before the next attempt. */
  retryDelayMs: number;
  /**
   * The worker itself cut the attempt off (it was shutting down): the job goes back to the queue at
   * once, the attempt does not count against max_attempts, and it is recorded ABANDONED.
   */
  interrupted?: boolean;
  /**
   * The server was busy (backpressure, not a failure of the job): the job goes back to the queue in
   * RETRY after `retryDelayMs` without spending an attempt, `busy_since` is set if it was not, and
   * the attempt is recorded DEFERRED with the busy answer.
   */
  deferred?: boolean;
}

export type AttemptOutcome = SucceededOutcome | FailedOutcome;

export interface RecordedOutcomes {
  /** Attempts whose outcome was applied to their job. */
  accepted: Set<string>;
  /** Attempts that no longer held their job; recorded ABANDONED. */
  refused: Set<string>;
  /** Attempts whose failure moved the job to DEADLETTER. */
  deadLettered: Set<string>;
  /**
   * Attempts whose outcome had been recorded before (also in the sets above, as they were then);
   * nothing was written for them this time.
   */
  alreadyRecorded: Set<string>;
}

/** An outcome this call applied to its job. */
export interface AppliedOutcome<Outcome extends AttemptOutcome = AttemptOutcome> {
  outcome: Outcome;
  /** The failure moved the job to DEADLETTER. */
  deadLettered: boolean;
}

export interface RecordHookContext {
  adapter: DialectAdapter;
  /** The database clock at the start of the transaction, epoch milliseconds. */
  now: number;
}

export interface RecordOutcomesOptions<Outcome extends AttemptOutcome = AttemptOutcome> {
  onApplied?: (
    transaction: Kysely<Database>,
    applied: readonly AppliedOutcome<Outcome>[],
    context: RecordHookContext,
  ) => Promise<void>;
}

export async function recordOutcomes<Outcome extends AttemptOutcome>(
  database: HolocronDatabase,
  outcomes: readonly Outcome[],
  options: RecordOutcomesOptions<Outcome> = {},
): Promise<RecordedOutcomes> {
  const recorded: RecordedOutcomes = { accepted: new Set(), refused: new Set(), deadLettered: new Set(), alreadyRecorded: new Set() };
  if (outcomes.length === 0) return recorded;
  const { db, adapter } = database;
  return adapter.writeTransaction(db, async (transaction) => {
    const now = await databaseNow(transaction, adapter);
    const all: readonly AttemptOutcome[] = outcomes;
    const successes = all.filter((outcome): outcome is SucceededOutcome => outcome.kind === 'succeeded');
    const failures = all.filter((outcome): outcome is FailedOutcome => outcome.kind === 'failed');

    for (const part of chunk(successes, rowsPerStatement(adapter.maxParameters, 2, 2000))) {
      const rows = await transaction
        .updateTable('jobs')
        .set({
          status: 'SUCCEEDED',
          result_run_id: sql`current_run_id`,
          completed_at: now,
          updated_at: now,
          locked_by: null,
          locked_at: null,
          lease_expires_at: null,
          current_run_id: null,
          last_error: null,
          last_error_code: null,
          busy_since: null,
        })
        .where(adapter.inList('id', part.map((outcome) => outcome.held.jobId), 'bigint'))
        .where(adapter.inList('current_run_id', part.map((outcome) => outcome.held.runId), 'text'))
        .where('status', '=', 'RUNNING')
        .returning('result_run_id')
        .execute();
      for (const row of rows) recorded.accepted.add(row.result_run_id!);
    }

    for (const failure of failures) {
      const exhausted = sql<boolean>`attempt_count >= max_attempts`;
      const giveBack = failure.interrupted
        ? {
            status: sql<'NEW' | 'RETRY'>`case when attempt_count <= 1 then 'NEW' else 'RETRY' end`,
            attempt_count: sql<number>`attempt_count - 1`,
            completed_at: null,
            available_at: now,
            // A call that did not count keeps what went wrong with the last attempt that did, so the
            // retry's prompt still says why its answer was rejected.
            ...keepLastError(failure.error),
          }
        : failure.deferred
          ? {
              // RETRY even before the first real attempt: the drain waits for jobs in RETRY, not for
              // jobs scheduled for later.
              status: 'RETRY' as const,
              attempt_count: sql<number>`attempt_count - 1`,
              completed_at: null,
              available_at: now + Math.max(0, Math.round(failure.retryDelayMs)),
              busy_since: sql<number>`coalesce(busy_since, ${sql.lit(now)})`,
              ...keepLastError(failure.error),
            }
          : null;
      const row = await transaction
        .updateTable('jobs')
        .set({
          status: failure.retryable ? sql`case when ${exhausted} then 'DEADLETTER' else 'RETRY' end` : 'DEADLETTER',
          completed_at: failure.retryable ? sql`case when ${exhausted} then ${sql.lit(now)} else null end` : now,
          // A dead letter waits for nobody: no retry time later than its completion.
          available_at: failure.retryable
            ? sql`case when ${exhausted} then ${sql.lit(now)} else ${sql.lit(now + Math.max(0, Math.round(failure.retryDelayMs)))} end`
            : now,
          updated_at: now,
          locked_by: null,
          locked_at: null,
          lease_expires_at: null,
          current_run_id: null,
          last_error: failure.error.message,
          last_error_code: failure.error.code,
          busy_since: null,
          ...giveBack,
        })
        .where('id', '=', failure.held.jobId)
        .where('current_run_id', '=', failure.held.runId)
        .where('status', '=', 'RUNNING')
        .returning('status')
        .executeTakeFirst();
      if (!row) continue;
      recorded.accepted.add(failure.held.runId);
      if (row.status === 'DEADLETTER') recorded.deadLettered.add(failure.held.runId);
    }

    // Not applied: refused, or recorded before (only then is there a runs row with an outcome).
    const unapplied = outcomes.filter((outcome) => !recorded.accepted.has(outcome.held.runId));
    if (unapplied.length > 0) await findRecordedBefore(transaction, adapter, unapplied, recorded);
    for (const outcome of unapplied) {
      if (!recorded.alreadyRecorded.has(outcome.held.runId)) recorded.refused.add(outcome.held.runId);
    }
    const fresh = recorded.alreadyRecorded.size > 0 ? outcomes.filter((outcome) => !recorded.alreadyRecorded.has(outcome.held.runId)) : outcomes;
    await insertRuns(transaction, adapter, fresh, recorded);
    await insertArtifacts(transaction, adapter, fresh, now);
    if (options.onApplied) {
      const applied = fresh
        .filter((outcome) => recorded.accepted.has(outcome.held.runId))
        .map((outcome) => ({ outcome, deadLettered: recorded.deadLettered.has(outcome.held.runId) }));
      if (applied.length > 0) await options.onApplied(transaction, applied, { adapter, now });
    }
    return recorded;
  });
}

/** Outcomes whose attempt already has its outcome recorded: classified as the first recording did. */
async function findRecordedBefore(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  outcomes: readonly AttemptOutcome[],
  recorded: RecordedOutcomes,
): Promise<void> {
  for (const part of chunk(outcomes, rowsPerStatement(adapter.maxParameters, 2, 2000))) {
    const rows = await transaction
      .selectFrom('runs')
      .select(['id', 'outcome'])
      .where(adapter.inList('job_id', part.map((outcome) => outcome.held.jobId), 'bigint'))
      .where(adapter.inList('id', part.map((outcome) => outcome.held.runId), 'text'))
      .where('outcome', 'is not', null)
      .execute();
    for (const row of rows) {
      recorded.alreadyRecorded.add(row.id);
      if (row.outcome === 'refused') recorded.refused.add(row.id);
      else recorded.accepted.add(row.id);
      if (row.outcome === 'dead_lettered') recorded.deadLettered.add(row.id);
    }
  }
}

function toRunRow(outcome: AttemptOutcome, recorded: RecordedOutcomes): NewRunRow {
  const refused = recorded.refused.has(outcome.held.runId);
  const interrupted = outcome.kind === 'failed' && outcome.interrupted === true;
  const deferred = outcome.kind === 'failed' && outcome.deferred === true;
  const status: RunStatus = refused || interrupted ? 'ABANDONED' : deferred ? 'DEFERRED' : outcome.kind === 'succeeded' ? 'SUCCEEDED' : 'FAILED';
  const record = outcome.record;
  const ownError = outcome.kind === 'failed' ? outcome.error : null;
  const refusal = `result refused: the attempt no longer held the job when it finished (${outcome.kind}${
    ownError ? `: ${ownError.message}` : ''
  })`;
  return {
    id: outcome.held.runId,
    job_id: outcome.held.jobId,
    attempt: outcome.attempt,
    status,
    worker_id: record.workerId,
    endpoint_id: record.endpointId ?? null,
    provider: record.provider ?? null,
    base_url: record.baseUrl ?? null,
    model_name: record.modelName ?? null,
    model_tag: record.modelTag ?? null,
    model_digest: record.modelDigest ?? null,
    options: record.options === undefined ? null : JSON.stringify(record.options),
    metrics: record.metrics === undefined ? null : JSON.stringify(record.metrics),
    prompt_tokens: record.promptTokens ?? null,
    completion_tokens: record.completionTokens ?? null,
    error: refused ? refusal : (ownError?.message ?? null),
    error_code: refused ? 'lease_lost' : (ownError?.code ?? null),
    lake_dir: record.lakeDir ?? null,
    output: outcome.kind === 'succeeded' && outcome.output !== undefined && !refused ? JSON.stringify(outcome.output) : null,
    outcome: refused ? 'refused' : recorded.deadLettered.has(outcome.held.runId) ? 'dead_lettered' : 'applied',
    started_at: Math.round(record.startedAt),
    completed_at: Math.round(record.completedAt),
    duration_ms: Math.max(0, Math.round(record.completedAt - record.startedAt)),
    fingerprint: record.fingerprint ?? null,
    definition_hash: record.definitionHash ?? null,
    source_run_id: record.sourceRunId ?? null,
    source_kind: record.sourceKind ?? null,
    call_ms: record.callMs === undefined || record.callMs === null ? null : Math.round(record.callMs),
    in_flight_limit: record.inFlightLimit ?? null,
  };
}

const runColumns: BulkColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'job_id', type: 'bigint' },
  { name: 'attempt', type: 'integer' },
  { name: 'status', type: 'text' },
  { name: 'worker_id', type: 'text' },
  { name: 'endpoint_id', type: 'text' },
  { name: 'provider', type: 'text' },
  { name: 'base_url', type: 'text' },
  { name: 'model_name', type: 'text' },
  { name: 'model_tag', type: 'text' },
  { name: 'model_digest', type: 'text' },
  { name: 'options', type: 'text' },
  { name: 'metrics', type: 'text' },
  { name: 'prompt_tokens', type: 'integer' },
  { name: 'completion_tokens', type: 'integer' },
  { name: 'error', type: 'text' },
  { name: 'error_code', type: 'text' },
  { name: 'lake_dir', type: 'text' },
  { name: 'output', type: 'json' },
  { name: 'outcome', type: 'text' },
  { name: 'started_at', type: 'bigint' },
  { name: 'completed_at', type: 'bigint' },
  { name: 'duration_ms', type: 'integer' },
  { name: 'fingerprint', type: 'text' },
  { name: 'definition_hash', type: 'text' },
  { name: 'source_run_id', type: 'text' },
  { name: 'source_kind', type: 'text' },
  { name: 'call_ms', type: 'integer' },
  { name: 'in_flight_limit', type: 'integer' },
];

const artifactColumns: BulkColumn[] = [
  { name: 'run_id', type: 'text' },
  { name: 'job_id', type: 'bigint' },
  { name: 'artifact_type', type: 'text' },
  { name: 'lake_path', type: 'text' },
  { name: 'sha256', type: 'text' },
  { name: 'bytes', type: 'bigint' },
  { name: 'created_at', type: 'bigint' },
];

/** A refused attempt may already be recorded ABANDONED by the reaper: keep its row, add what it did. */
const runUpsert: BulkInsertEnding<'runs'> = {
  name: 'runs-upsert',
  apply: (query) =>
    query.onConflict((conflict) =>
      conflict.columns(['job_id', 'id']).doUpdateSet((eb) => ({
        worker_id: eb.ref('excluded.worker_id'),
        endpoint_id: eb.ref('excluded.endpoint_id'),
        provider: eb.ref('excluded.provider'),
        base_url: eb.ref('excluded.base_url'),
        model_name: eb.ref('excluded.model_name'),
        model_tag: eb.ref('excluded.model_tag'),
        model_digest: eb.ref('excluded.model_digest'),
        options: eb.ref('excluded.options'),
        metrics: eb.ref('excluded.metrics'),
        prompt_tokens: eb.ref('excluded.prompt_tokens'),
        completion_tokens: eb.ref('excluded.completion_tokens'),
        lake_dir: eb.ref('excluded.lake_dir'),
        fingerprint: eb.ref('excluded.fingerprint'),
        definition_hash: eb.ref('excluded.definition_hash'),
        source_run_id: eb.ref('excluded.source_run_id'),
        source_kind: eb.ref('excluded.source_kind'),
        call_ms: eb.ref('excluded.call_ms'),
        in_flight_limit: eb.ref('excluded.in_flight_limit'),
        outcome: eb.ref('excluded.outcome'),
        error: sql`runs.error || '; ' || excluded.error`,
      })),
    ),
};

async function insertRuns(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  outcomes: readonly AttemptOutcome[],
  recorded: RecordedOutcomes,
): Promise<void> {
  const rows = outcomes.map((outcome) => toRunRow(outcome, recorded));
  for (const part of bulkChunks(adapter, rows, rowsPerStatement(adapter.maxParameters, runColumns.length, 1000))) {
    await insertRows(transaction, adapter, 'runs', part, runColumns, runUpsert);
  }
}

async function insertArtifacts(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  outcomes: readonly AttemptOutcome[],
  now: number,
): Promise<void> {
  const rows: NewArtifactRow[] = [];
  for (const outcome of outcomes) {
    for (const artifact of outcome.artifacts) {
      rows.push({
        run_id: outcome.held.runId,
        job_id: outcome.held.jobId,
        artifact_type: artifact.type,
        lake_path: artifact.lakePath,
        sha256: artifact.sha256,
        bytes: artifact.bytes,
        created_at: now,
      });
    }
  }
  for (const part of bulkChunks(adapter, rows, rowsPerStatement(adapter.maxParameters, artifactColumns.length, 2000))) {
    await insertRows(transaction, adapter, 'artifacts', part, artifactColumns);
  }
}

/** The job's last error unless it has none: then this call's (a job that was only ever deferred says why). */
function keepLastError(error: { message: string; code: string }) {
  return {
    last_error: sql<string>`coalesce(last_error, ${error.message})`,
    last_error_code: sql<string>`case when last_error is null then ${error.code} else last_error_code end`,
  };
}
