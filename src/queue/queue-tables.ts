/**
 * The queue's tables as TypeScript types, one interface per table, gathered in `QueueTables` (and,
 * with the other areas' tables, in `Database`, src/database/database.ts). Its migrations:
 * queue-migrations.ts.
 *
 * Terminology (the seeds use "run" for three things; we don't):
 * - job: one queued unit of work — an interrogation over some input and evidence (`jobs`).
 * - attempt: one execution of a job against a model; stored as a row of `runs` (the seed's `llm.run`).
 *   A job's attempt in hand is `jobs.current_run_id`; it doubles as the fencing token of the lease.
 * - lease: the time a worker may hold a claimed job (`lease_expires_at`); the worker renews it while the
 *   LLM call runs. An expired lease makes the job claimable again and its attempt is recorded ABANDONED.
 * - artifact: one file of an attempt in the lake (request, response, evidence, prompt, output, error),
 *   with its sha256 and size; the lake holds the bytes, SQL holds the pointers.
 * - run label: an operator's tag that groups jobs into one experiment.
 *
 * All times are integers: milliseconds since the Unix epoch, taken from the database's clock so that
 * workers on many machines agree on leases.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Where a job is in its life. Claimable: NEW and RETRY (once `available_at` has passed). */
export const jobStatuses = ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/**
 * How an attempt ended. ABANDONED: its worker lost the lease (crashed, hung, or was partitioned away).
 * DEFERRED: the server was busy (503, 429, restarting); the job went back to the queue without spending
 * an attempt, and this row keeps the busy answer for the audit.
 */
export const runStatuses = ['SUCCEEDED', 'FAILED', 'ABANDONED', 'DEFERRED'] as const;
export type RunStatus = (typeof runStatuses)[number];

export const runOutcomes = ['applied', 'dead_lettered', 'refused'] as const;
export type RunOutcome = (typeof runOutcomes)[number];

// raw: the model's answer exactly as it came (raw.txt); metadata: the document's metadata.json.
// replay: what a replay sent and from which attempt (replay.json).
export const artifactTypes = ['request', 'response', 'response_stream', 'evidence', 'prompt', 'output', 'error', 'raw', 'metadata', 'replay'] as const;
export type ArtifactType = (typeof artifactTypes)[number];

export interface JobTable {
  id: Generated<number>;
  /**
   * What runs the job: a registered job kind (src/worker/job-kind-registry.ts). Default
   * 'interrogation', the LLM pipeline.
   */
  kind: ColumnType<string, string | undefined, string>;
  /** The job that made this one (a pipeline's hand-off, an evaluation run's items); no foreign key. */
  parent_job_id: number | null;
  /** The interrogation an interrogation job runs; other kinds put their own key here (their registration says). */
  interrogation_key: string;
  status: JobStatus;
  /** Higher first; ties go to the oldest job. */
  priority: number;
  /** The job input as JSON text (checked against the interrogation's input contract at enqueue). */
  input: string;
  /** JSON array of evidence file references, or null. */
  evidence_refs: string | null;
  model_hint: string | null;
  /** Enqueueing a second job with the same key is a no-op that returns the first. */
  dedupe_key: string | null;
  run_label: string | null;
  attempt_count: number;
  max_attempts: number;
  /** Not claimable before this time: scheduling and retry backoff. */
  available_at: number;
  created_at: number;
  updated_at: number;
  locked_by: string | null;
  locked_at: number | null;
  lease_expires_at: number | null;
  /** The attempt in hand while RUNNING; only its worker may complete the job (fencing). */
  current_run_id: string | null;
  /** The attempt that succeeded. */
  result_run_id: string | null;
  last_error: string | null;
  last_error_code: string | null;
  completed_at: number | null;
  /** Which deliberate repeat of the same call this job is (0 for the first); part of its calls' fingerprints. */
  repeat_index: ColumnType<number, number | undefined, number>;
  /** The job's own cache mode (`off|read|write|readwrite`); null: the worker's (`cache.mode`). */
  cache_mode: CacheModeColumn | null;
  /**
   * Since when the job's calls have found the server busy without a break (deferred attempts), null
   * when the last attempt was not deferred: a job busy past the busy budget fails.
   */
  busy_since: number | null;
}

export const cacheModes = ['off', 'read', 'write', 'readwrite'] as const;
export type CacheModeColumn = (typeof cacheModes)[number];

export interface RunTable {
  /** A UUID, also the name of the attempt's folder in the lake. */
  id: string;
  job_id: number;
  /** The job's attempt number when this attempt was claimed. */
  attempt: number;
  status: RunStatus;
  worker_id: string | null;
  /** The configured endpoint that served the attempt's call (`default` without an endpoint list), as the call reported it. */
  endpoint_id: string | null;
  /** Its backend kind (`ollama`) and base URL, likewise as served. */
  provider: string | null;
  base_url: string | null;
  model_name: string | null;
  model_tag: string | null;
  model_digest: string | null;
  /** JSON: the generation options sent. */
  options: string | null;
  /** JSON: server timings, time to first byte and elapsed (all milliseconds), token counts. */
  metrics: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  error_code: string | null;
  /** The attempt's folder, relative to the lake root. */
  lake_dir: string | null;
  /**
   * The validated output of a successful attempt, as JSON text (a `jsonb` column on PostgreSQL, JSON
   * text on SQLite; read as JSON text on both). The lake's output.json is the audit copy, hashed.
   */
  output: string | null;
  /**
   * What recording the attempt's own outcome did to its job: 'applied', 'dead_lettered' (applied, and
   * the job went to DEADLETTER) or 'refused' (the attempt no longer held the job). Null while no
   * outcome was recorded (e.g. the reaper's ABANDONED row). Makes recording again a no-op.
   */
  outcome: RunOutcome | null;
  started_at: number;
  completed_at: number;
  duration_ms: number;
  /** sha256 of the canonical call (src/reproducibility/call-fingerprint.ts); null when no call was prepared. */
  fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  /** The content-addressed interrogation definition the attempt used (`interrogation_definitions.hash`). */
  definition_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** The attempt this one was made from (`source_kind`: `cache_hit` or `replay`). */
  source_run_id: ColumnType<string | null, string | null | undefined, string | null>;
  source_kind: ColumnType<'cache_hit' | 'replay' | null, 'cache_hit' | 'replay' | null | undefined, 'cache_hit' | 'replay' | null>;
  /** Milliseconds the LLM call itself took (not the wait for a place in its endpoint's window); null: no call answered. */
  call_ms: number | null;
  /** The endpoint's adaptive in-flight limit when the call went out (see the endpoint pool). */
  in_flight_limit: number | null;
}

export interface ArtifactTable {
  id: Generated<number>;
  run_id: string;
  job_id: number;
  artifact_type: ArtifactType;
  /** Relative to the lake root, `/`-separated. */
  lake_path: string;
  sha256: string;
  bytes: number;
  created_at: ColumnType<number, number, never>;
}

/**
 * Jobs by interrogation, status and (dead letters only, else '') error code, kept by triggers
 * (src/queue/status-counts.ts). PostgreSQL holds delta rows to be summed; SQLite one row per key.
 */
export interface QueueStatusCountsTable {
  interrogation_key: string;
  status: JobStatus;
  error_code: string;
  jobs: number;
}

/** Attempts by status, endpoint and error code ('' for none), with sums; kept likewise. */
export interface QueueAttemptCountsTable {
  status: RunStatus;
  endpoint_id: string;
  error_code: string;
  /** Duration class upper bound in seconds, as text ('0.5', '+Inf'). */
  duration_le: string;
  attempts: number;
  prompt_tokens: number;
  completion_tokens: number;
  duration_ms: number;
}

/** Attempts by completion minute (epoch ms / 60,000), status and duration class; kept likewise. */
export interface QueueAttemptMinutesTable {
  minute: number;
  status: RunStatus;
  duration_class: number;
  attempts: number;
  dead_lettered: number;
  busy: number;
}

export interface QueueTables {
  jobs: JobTable;
  runs: RunTable;
  artifacts: ArtifactTable;
  queue_status_counts: QueueStatusCountsTable;
  queue_attempt_counts: QueueAttemptCountsTable;
  queue_attempt_minutes: QueueAttemptMinutesTable;
}

export type JobRow = Selectable<JobTable>;
export type NewJobRow = Insertable<JobTable>;
export type RunRow = Selectable<RunTable>;
export type NewRunRow = Insertable<RunTable>;
export type ArtifactRow = Selectable<ArtifactTable>;
export type NewArtifactRow = Insertable<ArtifactTable>;
