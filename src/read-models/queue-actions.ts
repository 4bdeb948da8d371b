/** What the commands that change the queue report: `enqueue --json`, `jobs retry --json`, `jobs redrive --json`. */
import type { JobStatus } from '../database/database.ts';

/** One job of an enqueue: its id, and whether it already existed (same dedupe key; nothing added). */
export interface EnqueuedJob {
  id: number;
  deduplicated: boolean;
}

export interface EnqueueResult {
  /** Jobs added. */
  enqueued: number;
  /** Jobs not added because one with the same dedupe key exists. */
  deduplicated: number;
  /** Every requested job, in the order of the requests. */
  jobs: EnqueuedJob[];
}

export function toEnqueueResult(jobs: readonly EnqueuedJob[]): EnqueueResult {
  const deduplicated = jobs.filter((job) => job.deduplicated).length;
  return { enqueued: jobs.length - deduplicated, deduplicated, jobs: [...jobs] };
}

export interface RetryResult {
  jobId: number;
  /** DEADLETTER (it gets fresh attempts) or RETRY (it skips the rest of its backoff). */
  previousStatus: Extract<JobStatus, 'DEADLETTER' | 'RETRY'>;
  status: Extract<JobStatus, 'NEW'>;
  /** Attempts used so far (0 after a dead letter's retry) of `maxAttempts`. */
  attemptCount: number;
  maxAttempts: number;
}

export interface RedriveResult {
  /** Dead letters moved back to the queue with fresh attempts. */
  redriven: number;
  /** Their ids, ascending. */
  jobIds: number[];
}
