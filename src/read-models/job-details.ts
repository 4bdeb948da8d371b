/** One job with its attempts and their lake files: `jobs show --json`. */
import path from 'node:path';
import type { ArtifactRow, ArtifactType, RunOutcome, RunRow, RunStatus } from '../database/database.ts';
import type { Job } from './job.ts';
import { nullableNumber } from './job.ts';

export interface JobDetails {
  job: Job;
  /** Oldest first. */
  attempts: Attempt[];
}

/** One execution of a job against a model (a row of `runs`). */
export interface Attempt {
  /** A UUID, also the name of the attempt's folder in the lake. */
  id: string;
  jobId: number;
  /** The job's attempt number when this attempt was claimed (1, 2, …). */
  number: number;
  status: RunStatus;
  workerId: string | null;
  /** The configured endpoint that served the attempt's call, as the call reported it (null: none was asked). */
  endpointId: string | null;
  /** Its backend kind and base URL, likewise as served. */
  provider: string | null;
  baseUrl: string | null;
  modelName: string | null;
  modelTag: string | null;
  modelDigest: string | null;
  /** The generation options sent. */
  options: Record<string, unknown> | null;
  /** Server timings, time to first byte and elapsed time (all milliseconds), token counts. */
  metrics: Record<string, unknown> | null;
  promptTokens: number | null;
  completionTokens: number | null;
  error: string | null;
  errorCode: string | null;
  /** The attempt's folder, relative to the lake root. */
  lakeDir: string | null;
  /** The validated output of a successful attempt (the lake's output.json is the audit copy); else null. */
  output: unknown;
  /**
   * What recording this attempt did to its job: `applied`, `dead_lettered` or `refused` (it had lost
   * the job); a DEFERRED attempt (the server was busy) is `applied`: its job went back to the queue; null when no outcome of its own was recorded (an ABANDONED attempt).
   */
  outcome: RunOutcome | null;
  startedAt: number;
  completedAt: number;
  durationMs: number;
  /** Milliseconds of the LLM call alone (not the wait for a place at its endpoint); null: no answer. */
  callMs: number | null;
  /** The endpoint's adaptive in-flight limit when the call went out. */
  inFlightLimit: number | null;
  artifacts: Artifact[];
}

/** One file of an attempt in the lake. */
export interface Artifact {
  id: number;
  type: ArtifactType;
  /** Relative to the lake root, `/`-separated. */
  lakePath: string;
  /** Where it is: the lake's location joined with `lakePath`. */
  path: string;
  sha256: string;
  bytes: number;
  createdAt: number;
}

export function toAttempt(run: RunRow, artifacts: readonly Artifact[]): Attempt {
  return {
    id: run.id,
    jobId: Number(run.job_id),
    number: run.attempt,
    status: run.status,
    workerId: run.worker_id,
    endpointId: run.endpoint_id,
    provider: run.provider,
    baseUrl: run.base_url,
    modelName: run.model_name,
    modelTag: run.model_tag,
    modelDigest: run.model_digest,
    options: run.options ? (JSON.parse(run.options) as Record<string, unknown>) : null,
    metrics: run.metrics ? (JSON.parse(run.metrics) as Record<string, unknown>) : null,
    promptTokens: nullableNumber(run.prompt_tokens),
    completionTokens: nullableNumber(run.completion_tokens),
    error: run.error,
    errorCode: run.error_code,
    lakeDir: run.lake_dir,
    output: run.output === null ? null : JSON.parse(run.output),
    outcome: run.outcome,
    startedAt: Number(run.started_at),
    completedAt: Number(run.completed_at),
    durationMs: Number(run.duration_ms),
    callMs: nullableNumber(run.call_ms),
    inFlightLimit: nullableNumber(run.in_flight_limit),
    artifacts: [...artifacts],
  };
}

/** `lakeLocation`: the lake's folder (or URL) that `lakePath` is relative to. */
export function toArtifact(row: ArtifactRow, lakeLocation: string): Artifact {
  return {
    id: Number(row.id),
    type: row.artifact_type,
    lakePath: row.lake_path,
    path: /^[a-z][a-z0-9+.-]*:\/\//i.test(lakeLocation) ? `${lakeLocation.replace(/\/+$/, '')}/${row.lake_path}` : path.join(lakeLocation, row.lake_path),
    sha256: row.sha256,
    bytes: Number(row.bytes),
    createdAt: Number(row.created_at),
  };
}
