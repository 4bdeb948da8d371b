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

/** `enqueue --json` when the jobs are refused (exit code 2): every problem, and nothing enqueued. */
export interface EnqueueRefusal {
  enqueued: 0;
  problems: EnqueueProblem[];
}

export interface EnqueueProblem {
  /** Where the request came from: `jobs.jsonl line 3`, `job 1`, `flags`. */
  where: string;
  /** The JSONL line number, or null when the request did not come from a file. */
  line: number | null;
  /** The field the problem is about (`max_attempts`, `evidence[2].text`); '' for the job as a whole. */
  field: string;
  message: string;
}

export function toEnqueueRefusal(problems: readonly { where: string; line?: number; field: string; message: string }[]): EnqueueRefusal {
  return { enqueued: 0, problems: problems.map((problem) => ({ where: problem.where, line: problem.line ?? null, field: problem.field, message: problem.message })) };
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
