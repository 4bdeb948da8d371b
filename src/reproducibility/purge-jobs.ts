/**
 * `holocron jobs purge --status S --older-than 30d [--dry-run]`: removes the history of old finished
 * jobs — their rows in `jobs`, `runs` and `artifacts`, and their attempts' lake folders — unless
 * something still references them: a document (made by one of its attempts), an evaluation item, a
 * cache entry, an attempt of another job made from one of its attempts (a cache hit or a replay), a
 * pipeline task, or a child job. Those are kept and counted by reason. A folder is only removed when no
 * remaining row references it. What would go is listed first, with sizes; `--dry-run` stops there.
 * A RUNNING job is never purged. Rows go in one transaction; folders after it commits.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import { databaseNow } from '../queue/database-now.ts';
import { referencedFolders, sizeOf } from './lake-gc.ts';
import { ReproducibilityError } from './reproducibility-error.ts';

export const keepReasons = ['document', 'evaluation_item', 'cache_entry', 'derived_attempt', 'pipeline_task', 'child_job'] as const;
export type KeepReason = (typeof keepReasons)[number];

export interface PurgeOptions {
  statuses: readonly JobStatus[];
  olderThanMs: number;
  dryRun?: boolean;
  lakeRoot: string;
}

export interface PurgeReport {
  dryRun: boolean;
  /** Jobs finished (or last changed) before this time, epoch milliseconds. */
  cutoff: number;
  candidates: number;
  kept: Record<KeepReason, number>;
  purged: { jobs: number; attempts: number; artifacts: number; folders: number; bytes: number };
  /** The jobs that go (or would), at most 1000 listed. */
  jobs: { id: number; status: JobStatus; attempts: number }[];
  folders: { path: string; bytes: number; files: number }[];
}

export async function purgeJobs(database: HolocronDatabase, options: PurgeOptions): Promise<PurgeReport> {
  if (options.statuses.includes('RUNNING')) throw new ReproducibilityError('a RUNNING job is never purged: choose SUCCEEDED, DEADLETTER, NEW or RETRY');
  if (options.statuses.length === 0) throw new ReproducibilityError('say which jobs to purge: --status SUCCEEDED|DEADLETTER|…');
  const { db, adapter } = database;
  const now = await databaseNow(db, adapter);
  const cutoff = now - options.olderThanMs;
  const candidates = await db
    .selectFrom('jobs')
    .select(['id', 'status'])
    .where('status', 'in', [...options.statuses])
    .where((eb) => eb(eb.fn.coalesce('completed_at', 'updated_at'), '<', cutoff))
    .orderBy('id')
    .execute();
  const kept = Object.fromEntries(keepReasons.map((reason) => [reason, 0])) as Record<KeepReason, number>;
  const purgeable: { id: number; status: JobStatus }[] = [];
  for (let start = 0; start < candidates.length; start += 500) {
    const part = candidates.slice(start, start + 500);
    const reasons = await keepReasonsOf(database, part.map((job) => Number(job.id)));
    for (const job of part) {
      const reason = reasons.get(Number(job.id));
      if (reason) kept[reason]++;
      else purgeable.push({ id: Number(job.id), status: job.status });
    }
  }
  const ids = purgeable.map((job) => job.id);
  const attempts: { job_id: number; id: string; lake_dir: string | null }[] = [];
  let artifacts = 0;
  for (let start = 0; start < ids.length; start += 500) {
    const part = ids.slice(start, start + 500);
    attempts.push(...(await db.selectFrom('runs').select(['job_id', 'id', 'lake_dir']).where('job_id', 'in', part).execute()));
    artifacts += Number((await db.selectFrom('artifacts').select((eb) => eb.fn.countAll<number>().as('count')).where('job_id', 'in', part).executeTakeFirstOrThrow()).count);
  }
  const attemptsOf = new Map<number, number>();
  for (const attempt of attempts) attemptsOf.set(Number(attempt.job_id), (attemptsOf.get(Number(attempt.job_id)) ?? 0) + 1);
  const ownFolders = [...new Set(attempts.flatMap((attempt) => (attempt.lake_dir ? [attempt.lake_dir] : [])))];

  if (!options.dryRun && ids.length > 0) {
    await adapter.writeTransaction(db, async (transaction) => {
      for (let start = 0; start < ids.length; start += 500) {
        const part = ids.slice(start, start + 500);
        // Only what is still as it was read (a job retried meanwhile stays).
        const still = (await transaction.selectFrom('jobs').select('id').where('id', 'in', part).where('status', 'in', [...options.statuses]).execute()).map((row) => Number(row.id));
        if (still.length === 0) continue;
        await transaction.deleteFrom('artifacts').where('job_id', 'in', still).execute();
        await transaction.deleteFrom('runs').where('job_id', 'in', still).execute();
        await transaction.deleteFrom('jobs').where('id', 'in', still).execute();
      }
    });
  }
  // A folder goes only when no remaining row references it (a cache hit of another job shares its source's).
  const root = path.resolve(options.lakeRoot);
  const stillReferenced = options.dryRun ? await referencedExcept(database, ownFolders, new Set(attempts.map((attempt) => attempt.id))) : await referencedFolders(database, ownFolders);
  const folders = ownFolders.filter((folder) => !stillReferenced.has(folder) && fs.existsSync(path.join(root, folder))).map((folder) => ({ path: folder, ...sizeOf(path.join(root, folder)) }));
  if (!options.dryRun) for (const folder of folders) fs.rmSync(path.join(root, folder.path), { recursive: true, force: true });
  return {
    dryRun: options.dryRun ?? false,
    cutoff,
    candidates: candidates.length,
    kept,
    purged: { jobs: ids.length, attempts: attempts.length, artifacts, folders: folders.length, bytes: folders.reduce((sum, folder) => sum + folder.bytes, 0) },
    jobs: purgeable.slice(0, 1000).map((job) => ({ ...job, attempts: attemptsOf.get(job.id) ?? 0 })),
    folders,
  };
}

/** Why each of these jobs must stay (the first reason found), if it must. */
async function keepReasonsOf(database: HolocronDatabase, jobIds: readonly number[]): Promise<Map<number, KeepReason>> {
  const { db } = database;
  const reasons = new Map<number, KeepReason>();
  const mark = (reason: KeepReason, rows: { job_id: number | null }[]) => {
    for (const row of rows) if (row.job_id !== null && !reasons.has(Number(row.job_id))) reasons.set(Number(row.job_id), reason);
  };
  mark('document', await db.selectFrom('documents').select('job_id').where('job_id', 'in', [...jobIds]).execute());
  mark('evaluation_item', await db.selectFrom('eval_items').select('job_id').where('job_id', 'in', [...jobIds]).execute());
  mark('cache_entry', await db.selectFrom('cache_entries').select('job_id').where('job_id', 'in', [...jobIds]).execute());
  mark(
    'derived_attempt',
    await db
      .selectFrom('runs as source')
      .select('source.job_id')
      .where('source.job_id', 'in', [...jobIds])
      .where(({ exists, selectFrom }) => exists(selectFrom('runs as derived').select('derived.id').whereRef('derived.source_run_id', '=', 'source.id')))
      .execute(),
  );
  mark('pipeline_task', await db.selectFrom('pipeline_tasks').select('job_id').where('job_id', 'in', [...jobIds]).execute());
  mark('child_job', (await db.selectFrom('jobs').select('parent_job_id').where('parent_job_id', 'in', [...jobIds]).execute()).map((row) => ({ job_id: row.parent_job_id })));
  return reasons;
}

/** For a dry run: the folders referenced by something other than the attempts that would go. */
async function referencedExcept(database: HolocronDatabase, folders: readonly string[], going: Set<string>): Promise<Set<string>> {
  const { db } = database;
  const referenced = new Set<string>();
  for (let start = 0; start < folders.length; start += 500) {
    const part = folders.slice(start, start + 500);
    for (const row of await db.selectFrom('runs').select(['id', 'lake_dir']).where('lake_dir', 'in', part).execute()) if (!going.has(row.id)) referenced.add(row.lake_dir!);
    for (const row of await db.selectFrom('documents').select('doc_dir').where('doc_dir', 'in', part).execute()) referenced.add(row.doc_dir);
    for (const row of await db.selectFrom('cache_entries').select('lake_dir').where('lake_dir', 'in', part).execute()) referenced.add(row.lake_dir);
  }
  return referenced;
}
