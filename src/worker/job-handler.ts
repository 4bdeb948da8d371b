/**
 * What a worker runs for each claimed job: the `handle` of the job's kind (job-kind-registry.ts). The
 * LLM interrogation pipeline is one; the no-op is another. A handler reports its result as data; it
 * does not touch the queue.
 */
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { ArtifactRecord, AttemptError, AttemptRecord } from '../queue/record-outcomes.ts';

export interface JobContext {
  workerId: string;
  /** Aborted when the worker loses the job's lease or is shutting down hard. */
  signal: AbortSignal;
}

/** What the attempt did (its `runs` row), without the fields the worker fills in itself. */
export type HandlerRecord = Omit<AttemptRecord, 'workerId' | 'startedAt' | 'completedAt'>;

export type HandlerResult =
  | {
      kind: 'succeeded';
      record: HandlerRecord;
      artifacts: ArtifactRecord[];
      /** The validated output, kept as JSON in `runs.output` (the lake keeps the audit copy). */
      output?: unknown;
    }
  | {
      kind: 'failed';
      record: HandlerRecord;
      artifacts: ArtifactRecord[];
      error: AttemptError;
      /** False when a retry cannot help: the job dead-letters at once. */
      retryable: boolean;
      /** A minimum wait before the retry (e.g. the server's Retry-After). */
      retryAfterMs?: number;
      /**
       * The server was busy (503, 429, restarting): backpressure, not a failure of the job. The worker
       * gives the job back without spending an attempt (recorded DEFERRED), unless it has been busy
       * past the busy budget.
       */
      busy?: boolean;
    };

export type JobHandler = (job: ClaimedJob, context: JobContext) => Promise<HandlerResult>;
