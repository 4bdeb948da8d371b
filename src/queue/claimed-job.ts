/** A job as a worker holds it after a claim: the row, its input parsed, and the attempt in hand. */
import { sql } from 'kysely';
import type { CacheModeColumn, JobRow } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

/** The columns a claim returns: what a worker needs, not the whole row. */
export const claimedJobColumns = [
  'id',
  'kind',
  'parent_job_id',
  'interrogation_key',
  'priority',
  'input',
  'evidence_refs',
  'model_hint',
  'run_label',
  'attempt_count',
  'max_attempts',
  'current_run_id',
  'locked_at',
  'lease_expires_at',
  'last_error',
  'last_error_code',
  'repeat_index',
  'cache_mode',
  'busy_since',
] as const satisfies readonly (keyof JobRow)[];

export type ClaimedJobRow = Pick<JobRow, (typeof claimedJobColumns)[number]>;
import type { EvidenceRef } from './enqueue-jobs.ts';

export interface ClaimedJob {
  id: number;
  /** What runs it (`jobs.kind`): the worker dispatches on it. */
  kind: string;
  /** The job that made this one, if any. */
  parentJobId: number | null;
  interrogationKey: string;
  priority: number;
  input: unknown;
  evidenceRefs: EvidenceRef[];
  modelHint: string | null;
  runLabel: string | null;
  /** This attempt's number, 1-based. */
  attempt: number;
  maxAttempts: number;
  /** The attempt's id: the fencing token for renewals and completion, and its lake folder name. */
  runId: string;
  lockedAt: number;
  leaseExpiresAt: number;
  /** What went wrong last time, so a retry's prompt can say so. */
  previousError: { code: string; message: string } | null;
  /** Which deliberate repeat of the same call the job is (0: the first); part of its fingerprint. */
  repeatIndex?: number;
  /** The job's own cache mode; null or absent: the worker's. */
  cacheMode?: CacheModeColumn | null;
  /** Since when (database clock, epoch ms) its calls have found the server busy without a break; null: not busy. */
  busySince: number | null;
}

export function toClaimedJob(row: ClaimedJobRow): ClaimedJob {
  return {
    id: Number(row.id),
    kind: row.kind,
    parentJobId: row.parent_job_id === null ? null : Number(row.parent_job_id),
    interrogationKey: row.interrogation_key,
    priority: row.priority,
    input: JSON.parse(row.input),
    evidenceRefs: row.evidence_refs ? (JSON.parse(row.evidence_refs) as EvidenceRef[]) : [],
    modelHint: row.model_hint,
    runLabel: row.run_label,
    attempt: row.attempt_count,
    maxAttempts: row.max_attempts,
    runId: row.current_run_id!,
    lockedAt: Number(row.locked_at),
    leaseExpiresAt: Number(row.lease_expires_at),
    previousError:
      row.last_error !== null ? { code: row.last_error_code ?? 'unknown', message: row.last_error } : null,
    repeatIndex: Number(row.repeat_index ?? 0),
    cacheMode: row.cache_mode ?? null,
    busySince: row.busy_since === null || row.busy_since === undefined ? null : Number(row.busy_since),
  };
}

/**
 * What a claim sets on a job: RUNNING, one more attempt, held by the worker under a lease, with a new
 * attempt id (its fencing token). `now` is the adapter's clock expression.
 */
export function claimValues(adapter: DialectAdapter, workerId: string, leaseMs: number, now: ReturnType<DialectAdapter['nowMilliseconds']>) {
  return {
    status: 'RUNNING' as const,
    attempt_count: sql<number>`attempt_count + 1`,
    locked_by: workerId,
    locked_at: now,
    lease_expires_at: sql<number>`${now} + ${leaseMs}`,
    current_run_id: adapter.newUuid(),
    updated_at: now,
  };
}
