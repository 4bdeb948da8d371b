/** Lists jobs, newest first, optionally filtered by status, interrogation or run label. */
import type { JobRow, JobStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';

export interface ListJobsFilter {
  status?: JobStatus;
  interrogationKey?: string;
  runLabel?: string;
  limit?: number;
  /** Only jobs with an id below this (for paging backwards). */
  beforeId?: number;
}

export async function listJobs(database: HolocronDatabase, filter: ListJobsFilter = {}): Promise<JobRow[]> {
  return database.db
    .selectFrom('jobs')
    .selectAll()
    .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status!))
    .$if(filter.interrogationKey !== undefined, (query) => query.where('interrogation_key', '=', filter.interrogationKey!))
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .$if(filter.beforeId !== undefined, (query) => query.where('id', '<', filter.beforeId!))
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50)
    .execute();
}
