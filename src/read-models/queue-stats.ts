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
  /** Per endpoint (by `runs.endpoint_id`): its calls, busy answers, latency and in-flight level. */
  byEndpoint: EndpointFigures[];
}

/** One endpoint's figures: `jobs stats`. */
export interface EndpointFigures {
  endpointId: string;
  /** Attempts whose call went to it (deferred ones included). */
  calls: number;
  succeeded: number;
  /** Busy answers (503, 429, not answering): DEFERRED attempts. */
  busy: number;
  failed: number;
  /** Latency of its calls alone (the wait for a place in its window not counted), over its latest 10,000 answered calls. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Its adaptive in-flight limit at its latest call. */
  inFlightLimit: number | null;
}
