/** Queue statistics: `jobs stats --json`. */
import type { JobStatus } from '../database/database.ts';

export interface QueueStats {
  total: number;
  byStatus: Record<JobStatus, number>;
  byInterrogation: Record<string, Record<JobStatus, number>>;
  /** NEW or RETRY jobs whose available_at has passed. */
  readyNow: number;
  /** NEW or RETRY jobs waiting for a later time (scheduled or backing off). */
  waiting: number;
  /** RUNNING jobs whose lease has expired (the next claim or reap takes them back). */
  expiredLeases: number;
  /** When the oldest ready job was enqueued, or null. */
  oldestReadyCreatedAt: number | null;
  /** `deferred`: calls a busy server refused (the job went back without spending an attempt). */
  attempts: { total: number; succeeded: number; failed: number; abandoned: number; deferred: number };
  tokens: { prompt: number; completion: number };
}
