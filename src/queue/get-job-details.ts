/** One job with all its attempts (oldest first) and every attempt's artifacts. */
import type { ArtifactRow, JobRow, RunRow } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import { JobNotFoundError } from './queue-errors.ts';

/** The stored rows of one job (the read model for people and the API is `read-models`' `JobDetails`). */
export interface JobRows {
  job: JobRow;
  runs: (RunRow & { artifacts: ArtifactRow[] })[];
}

export async function getJobDetails(database: HolocronDatabase, jobId: number): Promise<JobRows> {
  const { db } = database;
  const job = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  if (!job) throw new JobNotFoundError(jobId);
  const runs = await db.selectFrom('runs').selectAll().where('job_id', '=', jobId).orderBy('started_at').orderBy('attempt').execute();
  const artifacts = await db.selectFrom('artifacts').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
  return {
    job,
    runs: runs.map((run) => ({ ...run, artifacts: artifacts.filter((artifact) => artifact.run_id === run.id) })),
  };
}
