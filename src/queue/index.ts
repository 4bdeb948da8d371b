/** The queue: one function per SQL operation, the database handle first. */
export { enqueueJobs, insertJobs, EnqueueFailedError, type JobSpec, type EvidenceRef, type EnqueuedJob } from './enqueue-jobs.ts';
export { claimJobs } from './claim-jobs.ts';
export { claimJobById } from './claim-job-by-id.ts';
export type { ClaimedJob } from './claimed-job.ts';
export type { HeldAttempt } from './held-attempt.ts';
export { renewLeases } from './renew-leases.ts';
export { releaseJobs } from './release-jobs.ts';
export { reapExpiredLeases, type ReapedJob } from './reap-expired-leases.ts';
export {
  recordOutcomes,
  type AttemptOutcome,
  type AttemptRecord,
  type ArtifactRecord,
  type RecordedOutcomes,
  type AppliedOutcome,
  type RecordHookContext,
  type RecordOutcomesOptions,
} from './record-outcomes.ts';
export { listJobs, type ListJobsFilter } from './list-jobs.ts';
export { jobStats, type JobStats } from './job-stats.ts';
export { getJobDetails, type JobRows } from './get-job-details.ts';
export { retryJob } from './retry-job.ts';
export { redriveDeadLetters, type RedriveFilter } from './redrive-dead-letters.ts';
export { retryDelay, type BackoffPolicy } from './backoff.ts';
export { JobNotFoundError, JobStateError } from './queue-errors.ts';
