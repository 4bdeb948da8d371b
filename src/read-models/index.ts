/**
 * Read models: the objects Holocron shows. What `--json` prints is exactly these objects, and the HTTP
 * API returns the same ones; the library functions return them.
 *
 * Conventions (stable; a change here is a breaking change for scripts and API clients):
 * - Field names are camelCase (`interrogationKey`, `attemptCount`), mapped once from the snake_case
 *   SQL columns here. Input formats keep their own names (a JSONL line's `entity_id`, `max_attempts`).
 * - Times are integers: milliseconds since the Unix epoch, from the database's clock (`createdAt`).
 *   Durations say their unit (`durationMs`, `seconds`).
 * - JSON stored as text in SQL (a job's input, an attempt's options and metrics) is parsed.
 * - "Attempt" is the word for a row of `runs` (so `resultAttemptId` is `jobs.result_run_id`).
 * - Absent values are `null`, never missing keys.
 *
 * | Command | Read model |
 * |---|---|
 * | `enqueue --json` | `EnqueueResult`; refused (exit 2): `EnqueueRefusal` |
 * | `jobs list --json` | `JobListPage` (`Job[]` and a cursor) |
 * | `jobs show --json` | `JobDetails` (`Job`, `Attempt[]` with `Artifact[]`) |
 * | `jobs stats --json` | `QueueStats` |
 * | `jobs retry --json` | `RetryResult` |
 * | `jobs redrive --json` | `RedriveResult` |
 * | `work --json` | `WorkerRunSummary` |
 * | `config show --json` | `EffectiveConfig` |
 * | `jobs failures --json` | `FailureLedger` (by field: `FieldFailures[]`; by model or interrogation: `GroupFailures[]`) |
 */
export type { Job, JobListPage } from './job.ts';
export { toJob } from './job.ts';
export type { Attempt, Artifact, JobDetails } from './job-details.ts';
export { toAttempt, toArtifact } from './job-details.ts';
export type { QueueStats } from './queue-stats.ts';
export type { EnqueuedJob, EnqueueResult, EnqueueRefusal, EnqueueProblem, RetryResult, RedriveResult } from './queue-actions.ts';
export { toEnqueueResult, toEnqueueRefusal } from './queue-actions.ts';
export type { WorkerRunSummary } from './worker-run-summary.ts';
export { toWorkerRunSummary } from './worker-run-summary.ts';
export type { EffectiveConfig, EffectiveSetting } from './effective-config.ts';
export { listJobPage, readJobDetails } from './read-jobs.ts';
export type { FailureLedger, FieldFailures, GroupFailures, FailureGrouping } from './failure-ledger.ts';
export { readFailureLedger, failureGroupings } from './failure-ledger.ts';
