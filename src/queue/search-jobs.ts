/**
 * Finds jobs, newest first, by any mix of status, interrogation, run label, model, error code and text
 * inside the input — for the HTTP API's job list, at millions of jobs.
 *
 * Only a run label has an index that orders by id (`jobs_run_label_index`); the other filters are
 * evaluated over bounded windows of ids (ids grow with time), walking down from the cursor: each call
 * examines at most `scanBudget` ids, so no request scans the table. A page may come back short — even
 * empty — with a `nextBeforeId` to continue from: the search went that far and has not reached the
 * oldest job. `nextBeforeId` null: nothing older is left.
 */
import { sql, type SqlBool } from 'kysely';
import { jobStatuses, type JobRow, type JobStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';

export interface SearchJobsFilter {
  status?: JobStatus;
  interrogationKey?: string;
  runLabel?: string;
  /** The model the job asked for (`model_hint`) or that any of its attempts ran on. */
  model?: string;
  /** The job's last error code (`model_not_found`, `schema_violation`, …). */
  errorCode?: string;
  /** Text inside the input JSON, case-insensitive. */
  inputContains?: string;
  limit?: number;
  /** Only jobs with an id below this (the previous page's `nextBeforeId`). */
  beforeId?: number;
  /** Most ids one call examines (default 100,000). */
  scanBudget?: number;
  /** Ids per statement (default 25,000). */
  window?: number;
}

export interface SearchJobsResult {
  jobs: JobRow[];
  /** Continue below this id; null when the oldest job has been examined. */
  nextBeforeId: number | null;
}

export async function searchJobs(database: HolocronDatabase, filter: SearchJobsFilter = {}): Promise<SearchJobsResult> {
  const { db } = database;
  const limit = filter.limit ?? 50;
  const conditions = filterConditions(filter);
  const base = () =>
    db
      .selectFrom('jobs')
      .selectAll()
      .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
      .$call((query) => conditions.reduce((q, condition) => q.where(condition), query))
      .orderBy('id', 'desc');

  if (conditions.length === 0) {
    // Unfiltered, or by run label only: an index walk in id order.
    const jobs = await base()
      .$if(filter.beforeId !== undefined, (query) => query.where('id', '<', filter.beforeId!))
      .limit(limit)
      .execute();
    return { jobs, nextBeforeId: jobs.length === limit ? Number(jobs.at(-1)!.id) : null };
  }

  let before = filter.beforeId;
  if (before === undefined) {
    const top = await db.selectFrom('jobs').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    if (top?.max === null || top?.max === undefined) return { jobs: [], nextBeforeId: null };
    before = Number(top.max) + 1;
  }
  const window = filter.window ?? 25_000;
  const budget = filter.scanBudget ?? 100_000;
  const jobs: JobRow[] = [];
  let scanned = 0;
  while (before > 1 && scanned < budget && jobs.length < limit) {
    const low = Math.max(1, before - window);
    const rows = await base()
      .where('id', '<', before)
      .where('id', '>=', low)
      .limit(limit - jobs.length)
      .execute();
    jobs.push(...rows);
    if (jobs.length === limit) return { jobs, nextBeforeId: Number(rows.at(-1)!.id) };
    scanned += before - low;
    before = low;
  }
  return { jobs, nextBeforeId: before > 1 ? before : null };
}

function filterConditions(filter: SearchJobsFilter) {
  const conditions = [];
  if (filter.status !== undefined) {
    if (!jobStatuses.includes(filter.status)) throw new TypeError(`Unknown job status ${String(filter.status)}`);
    // A literal, like the partial indexes' predicates (status-predicates.ts).
    conditions.push(sql<SqlBool>`status = ${sql.lit(filter.status)}`);
  }
  if (filter.interrogationKey !== undefined) conditions.push(sql<SqlBool>`interrogation_key = ${filter.interrogationKey}`);
  if (filter.errorCode !== undefined) conditions.push(sql<SqlBool>`last_error_code = ${filter.errorCode}`);
  if (filter.model !== undefined) {
    conditions.push(
      sql<SqlBool>`(model_hint = ${filter.model} or exists (select 1 from runs where runs.job_id = jobs.id and runs.model_name = ${filter.model}))`,
    );
  }
  if (filter.inputContains !== undefined) {
    const pattern = `%${filter.inputContains.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    conditions.push(sql<SqlBool>`lower(input) like ${pattern} escape '\\'`);
  }
  return conditions;
}
