/**
 * Counts that stay fast at millions of jobs: jobs by interrogation, status (and a dead letter's error
 * code), attempts by status, endpoint and error code with their token and duration sums — kept by
 * triggers in the same transaction as every insert, status change and delete
 * (src/database/dialects/maintained-counts.ts), so reading them never scans `jobs` or `runs`.
 * Tables: `queue_status_counts`, `queue_attempt_counts`, `queue_attempt_minutes` (migrations queue/0007–0009).
 */
import { sql } from 'kysely';
import type { MaintainedCountsSpec } from '../database/dialects/maintained-counts.ts';
import type { JobStatus, RunStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';

export const jobCountsSpec: MaintainedCountsSpec = {
  name: 'jobs_status_counts',
  table: 'jobs',
  countsTable: 'queue_status_counts',
  keys: [
    { name: 'interrogation_key', expression: '$.interrogation_key' },
    { name: 'status', expression: '$.status' },
    // Dead letters by their error code (the overview's redrive buttons); '' for every other status.
    { name: 'error_code', expression: "case when $.status = 'DEADLETTER' then coalesce($.last_error_code, '') else '' end" },
  ],
  values: [{ name: 'jobs', expression: '1' }],
  watchedColumns: ['status', 'interrogation_key', 'last_error_code'],
};

/** queue/0007's attempt counts (kept as they were: queue/0008 replaces them with `attemptCountsSpec`). */
export const attemptCountsSpecV1: MaintainedCountsSpec = {
  name: 'runs_status_counts',
  table: 'runs',
  countsTable: 'queue_attempt_counts',
  keys: [
    { name: 'status', expression: '$.status' },
    { name: 'endpoint_id', expression: "coalesce($.endpoint_id, '')" },
    { name: 'error_code', expression: "coalesce($.error_code, '')" },
  ],
  values: [
    { name: 'attempts', expression: '1' },
    { name: 'prompt_tokens', expression: 'coalesce($.prompt_tokens, 0)' },
    { name: 'completion_tokens', expression: 'coalesce($.completion_tokens, 0)' },
    { name: 'duration_ms', expression: 'coalesce($.duration_ms, 0)' },
  ],
  watchedColumns: ['status', 'endpoint_id', 'error_code', 'prompt_tokens', 'completion_tokens', 'duration_ms'],
};

/**
 * Upper bounds (seconds) of the attempt duration classes: the Prometheus histogram's buckets
 * (`holocron_attempt_duration_seconds`), exact and cumulative because they are counted in SQL.
 */
export const durationBucketsSeconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const;

const durationClass = `case ${durationBucketsSeconds.map((le) => `when coalesce($.duration_ms, 0) <= ${le * 1000} then '${le}'`).join(' ')} else '+Inf' end`;

export const attemptCountsSpec: MaintainedCountsSpec = {
  ...attemptCountsSpecV1,
  keys: [...attemptCountsSpecV1.keys, { name: 'duration_le', expression: durationClass }],
};

/** Duration classes of the time series: class k holds d with floor(ln(d + 1) / ln 1.25) = k (25% wide). */
export const durationClassScale = 1 / Math.log(1.25);

/**
 * Attempts by the minute they completed, status and duration class, with how many dead-lettered their
 * job and how many were busy answers: the dashboard's charts read a range of minutes, never `runs`.
 */
export const attemptMinuteCountsSpec: MaintainedCountsSpec = {
  name: 'runs_minute_counts',
  table: 'runs',
  countsTable: 'queue_attempt_minutes',
  keys: [
    { name: 'minute', type: 'integer', expression: '$.completed_at / 60000' },
    { name: 'status', expression: '$.status' },
    { name: 'duration_class', type: 'integer', expression: `cast(floor(ln(coalesce($.duration_ms, 0) + 1) * ${durationClassScale}) as integer)` },
  ],
  values: [
    { name: 'attempts', expression: '1' },
    { name: 'dead_lettered', expression: "case when $.outcome = 'dead_lettered' then 1 else 0 end" },
    { name: 'busy', expression: "case when $.error_code = 'server_busy' then 1 else 0 end" },
  ],
  watchedColumns: ['completed_at', 'status', 'duration_ms', 'outcome', 'error_code'],
};

export interface JobCount {
  interrogationKey: string;
  status: JobStatus;
  /** A dead letter's last error code ('' without one); null for the other statuses. */
  errorCode: string | null;
  jobs: number;
}

export interface AttemptCount {
  status: RunStatus;
  /** null: the attempt recorded no endpoint. */
  endpointId: string | null;
  errorCode: string | null;
  /** The duration class's upper bound in seconds ('0.5', …, '+Inf'). */
  durationLe: string;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
}

/** Delta rows past which a read folds them (PostgreSQL appends one per key per statement). */
const compactAbove = 2000;

export async function readJobCounts(database: HolocronDatabase): Promise<JobCount[]> {
  const { db } = database;
  const read = () =>
    sql<{ interrogation_key: string; status: JobStatus; error_code: string; jobs: number; deltas: number }>`
      select interrogation_key, status, error_code, sum(jobs) as jobs, count(*) as deltas
      from queue_status_counts group by interrogation_key, status, error_code`.execute(db);
  let { rows } = await read();
  if (rows.reduce((total, row) => total + Number(row.deltas), 0) > compactAbove) {
    await database.adapter.maintainedCounts.compact(db, jobCountsSpec);
    ({ rows } = await read());
  }
  return rows
    .filter((row) => Number(row.jobs) !== 0)
    .map((row) => ({
      interrogationKey: row.interrogation_key,
      status: row.status,
      errorCode: row.status === 'DEADLETTER' ? row.error_code : null,
      jobs: Number(row.jobs),
    }));
}

export async function readAttemptCounts(database: HolocronDatabase): Promise<AttemptCount[]> {
  const { db } = database;
  const read = () =>
    sql<{ status: RunStatus; endpoint_id: string; error_code: string; duration_le: string; attempts: number; prompt_tokens: number; completion_tokens: number; duration_ms: number; deltas: number }>`
      select status, endpoint_id, error_code, duration_le, sum(attempts) as attempts, sum(prompt_tokens) as prompt_tokens,
        sum(completion_tokens) as completion_tokens, sum(duration_ms) as duration_ms, count(*) as deltas
      from queue_attempt_counts group by status, endpoint_id, error_code, duration_le`.execute(db);
  let { rows } = await read();
  if (rows.reduce((total, row) => total + Number(row.deltas), 0) > compactAbove) {
    await database.adapter.maintainedCounts.compact(db, attemptCountsSpec);
    ({ rows } = await read());
  }
  return rows
    .filter((row) => Number(row.attempts) !== 0)
    .map((row) => ({
      status: row.status,
      endpointId: row.endpoint_id === '' ? null : row.endpoint_id,
      errorCode: row.error_code === '' ? null : row.error_code,
      durationLe: row.duration_le,
      attempts: Number(row.attempts),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      durationMs: Number(row.duration_ms),
    }));
}
