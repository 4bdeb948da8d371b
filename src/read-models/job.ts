/** A job as `jobs list --json` and `jobs show --json` print it (and the HTTP API returns it). */
import type { JobRow, JobStatus } from '../database/database.ts';
import type { EvidenceRef } from '../queue/enqueue-jobs.ts';

export interface Job {
  id: number;
  /** What runs the job: a registered job kind (`interrogation` by default). */
  kind: string;
  /** The job that made this one (a pipeline's hand-off, an evaluation run's item), or null. */
  parentJobId: number | null;
  interrogationKey: string;
  status: JobStatus;
  /** Higher first; ties go to the oldest job. */
  priority: number;
  /** The job's input (as checked against the interrogation's input contract). */
  input: unknown;
  /** Evidence files, relative to the evidence root, read when the job runs; null when none. */
  evidenceRefs: EvidenceRef[] | null;
  /** The model the job asked for; null: the worker's default, else the interrogation's. */
  modelHint: string | null;
  dedupeKey: string | null;
  runLabel: string | null;
  /** Attempts used of `maxAttempts`. */
  attemptCount: number;
  maxAttempts: number;
  /** Not claimable before this time (scheduling, retry backoff). */
  availableAt: number;
  createdAt: number;
  updatedAt: number;
  /** While RUNNING: the worker that holds it, since when, and until when its lease runs. */
  lockedBy: string | null;
  lockedAt: number | null;
  leaseExpiresAt: number | null;
  /** The attempt in hand while RUNNING (`jobs.current_run_id`). */
  currentAttemptId: string | null;
  /** The attempt that succeeded (`jobs.result_run_id`). */
  resultAttemptId: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
  completedAt: number | null;
  /** Since when its calls have found the server busy without a break (epoch ms); null: not busy. */
  busySince: number | null;
}

/** One page of `jobs list`, newest first. */
export interface JobListPage {
  jobs: Job[];
  /** Pass as `beforeId` (`--before-id`) for the next, older page; null when this page is the last. */
  nextBeforeId: number | null;
}

export function toJob(row: JobRow): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    parentJobId: nullableNumber(row.parent_job_id),
    interrogationKey: row.interrogation_key,
    status: row.status,
    priority: row.priority,
    input: JSON.parse(row.input),
    evidenceRefs: row.evidence_refs ? (JSON.parse(row.evidence_refs) as EvidenceRef[]) : null,
    modelHint: row.model_hint,
    dedupeKey: row.dedupe_key,
    runLabel: row.run_label,
    attemptCount: row.attempt_count,
    maxAttempts: row.max_attempts,
    availableAt: Number(row.available_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lockedBy: row.locked_by,
    lockedAt: nullableNumber(row.locked_at),
    leaseExpiresAt: nullableNumber(row.lease_expires_at),
    currentAttemptId: row.current_run_id,
    resultAttemptId: row.result_run_id,
    lastError: row.last_error,
    lastErrorCode: row.last_error_code,
    completedAt: nullableNumber(row.completed_at),
    busySince: nullableNumber(row.busy_since),
  };
}

export function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
