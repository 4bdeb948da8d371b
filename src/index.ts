/** Holocron as a library. See the README for a tour. */
export { openHolocron, defaultWorkerId, type Holocron, type CreateWorkerOptions, type EnqueueOptions } from './holocron.ts';
export { loadConfig, ConfigError, environmentVariables, type LoadConfigOptions } from './config/load-config.ts';
export { configSchema, type HolocronConfig } from './config/config-schema.ts';
export { defaults } from './config/defaults.ts';
export { openDatabase, type HolocronDatabase } from './database/open-database.ts';
export {
  migrateToLatest,
  schemaStatus,
  assertSchemaCurrent,
  MigrationError,
  SchemaNotCurrentError,
  type AreaMigrations,
  type SchemaStatus,
} from './database/migrate.ts';
export type * from './database/database.ts';
export * from './queue/index.ts';
export { Worker, type WorkerOptions, type WorkerSummary, type WorkerMode } from './worker/worker.ts';
export type { JobHandler, JobContext, HandlerResult } from './worker/job-handler.ts';
export {
  JobKindRegistry,
  JobKindError,
  defaultJobKind,
  type JobKind,
  type RecordedAttempt,
  type InputValidation,
} from './worker/job-kind-registry.ts';
export { noopJobKind } from './worker/noop-job-kind.ts';
export { createInterrogationHandler, createInterrogationJobKind } from './pipeline/create-interrogation-handler.ts';
export {
  prepareJobSpecs,
  jobRequestSchema,
  jobRequestBounds,
  jobRequestFields,
  JobRequestError,
  type JobRequest,
  type RequestProblem,
} from './pipeline/job-request.ts';
export { InterrogationRegistry, createDefaultRegistry } from './interrogations/interrogation-registry.ts';
export type { Interrogation } from './interrogations/interrogation.ts';
export { createLocalLake } from './lake/local-lake.ts';
export type { Lake, LakeFile } from './lake/lake.ts';
export * from './providers/index.ts';
export { startSimulator, type RunningSimulator } from './simulator/index.ts';
export * from './read-models/index.ts';
export { describeConfig } from './config/describe-config.ts';
export { parseGoDuration } from './durations/go-duration.ts';
export { evaluate, type EvaluateOptions, type EvaluationResult } from './evaluations/evaluate.ts';
export { exactMatch, fieldMatch, latency, listMatch, numericTolerance, schemaValid, tokens } from './evaluations/metrics/builtin-metrics.ts';
export { defineMetric, type Metric, type MetricScore, type ScoringInput } from './evaluations/metrics/metric.ts';
export type { DatasetItem } from './evaluations/dataset.ts';
