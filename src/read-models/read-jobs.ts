/** Reads jobs as read models: the queue's rows, mapped once, for the CLI and the HTTP API alike. */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { Lake } from '../lake/lake.ts';
import { getJobDetails } from '../queue/get-job-details.ts';
import { listJobs, type ListJobsFilter } from '../queue/list-jobs.ts';
import { toArtifact, toAttempt, type JobDetails } from './job-details.ts';
import { toJob, type JobListPage } from './job.ts';

/** A page of jobs, newest first (50 by default); `nextBeforeId` continues with older ones. */
export async function listJobPage(database: HolocronDatabase, filter: ListJobsFilter = {}): Promise<JobListPage> {
  const limit = filter.limit ?? 50;
  const rows = await listJobs(database, { ...filter, limit });
  const jobs = rows.map(toJob);
  return { jobs, nextBeforeId: jobs.length === limit && jobs.length > 0 ? jobs.at(-1)!.id : null };
}

/** One job, its attempts (oldest first) and their lake files; `JobNotFoundError` when there is none. */
export async function readJobDetails(database: HolocronDatabase, lake: Pick<Lake, 'location'>, jobId: number): Promise<JobDetails> {
  const details = await getJobDetails(database, jobId);
  return {
    job: toJob(details.job),
    attempts: details.runs.map((run) => toAttempt(run, run.artifacts.map((artifact) => toArtifact(artifact, lake.location)))),
  };
}
