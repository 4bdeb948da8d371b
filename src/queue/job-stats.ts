/**
 * Queue statistics: jobs by status (overall and per interrogation), what is ready now, attempt totals.
 * Without a run label the counts come from the maintained counts (status-counts.ts): no scan of `jobs`
 * or `runs` at any size. What is ready, waiting or expired walks only the pending jobs (NEW, RETRY,
 * RUNNING: the queue's depth, not its history) through their partial indexes — the claimable ones
 * from the claim index alone, which carries `available_at` and `created_at` (queue/0010). A run label's stats
 * read that label's jobs through its index.
 */
import { sql } from 'kysely';
import { jobStatuses, type JobStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { QueueStats } from '../read-models/queue-stats.ts';
import { databaseNow } from './database-now.ts';
import { endpointStats } from './endpoint-stats.ts';
import { readAttemptCounts, readJobCounts } from './status-counts.ts';
import { isClaimable, isRunning } from './status-predicates.ts';

/** The queue statistics read model (`src/read-models/queue-stats.ts`). */
export type JobStats = QueueStats;

function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}

export async function jobStats(database: HolocronDatabase, filter: { runLabel?: string } = {}): Promise<JobStats> {
  const { db, adapter } = database;
  const now = await databaseNow(db, adapter);
  const byStatus = emptyCounts();
  const byInterrogation: Record<string, Record<JobStatus, number>> = {};
  let total = 0;
  const grouped =
    filter.runLabel === undefined
      ? (await readJobCounts(database)).map((row) => ({ status: row.status, interrogation_key: row.interrogationKey, count: row.jobs }))
      : await db
          .selectFrom('jobs')
          .select(['status', 'interrogation_key', (eb) => eb.fn.countAll<number>().as('count')])
          .where('run_label', '=', filter.runLabel)
          .groupBy(['status', 'interrogation_key'])
          .execute();
  for (const row of grouped) {
    const count = Number(row.count);
    byStatus[row.status] += count;
    (byInterrogation[row.interrogation_key] ??= emptyCounts())[row.status] += count;
    total += count;
  }
  // Two statements, each implied by one partial index's predicate (a literal, status-predicates.ts), so
  // each walks only that index's rows: the claimable jobs, then the running ones.
  const pending = await db
    .selectFrom('jobs')
    .select([
      sql<number>`sum(case when available_at <= ${now} then 1 else 0 end)`.as('ready'),
      sql<number>`sum(case when available_at > ${now} then 1 else 0 end)`.as('waiting'),
      sql<number | null>`min(case when available_at <= ${now} then created_at end)`.as('oldest'),
    ])
    .where(isClaimable)
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .executeTakeFirstOrThrow();
  const running = await db
    .selectFrom('jobs')
    .select(sql<number>`count(*)`.as('expired'))
    .where(isRunning)
    .where('lease_expires_at', '<', now)
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .executeTakeFirstOrThrow();
  const timing = { ...pending, expired: running.expired };
  const attempts =
    filter.runLabel === undefined
      ? sumAttemptCounts(await readAttemptCounts(database))
      : await db
          .selectFrom('runs')
          .select([
            (eb) => eb.fn.countAll<number>().as('total'),
            sql<number>`sum(case when runs.status = 'SUCCEEDED' then 1 else 0 end)`.as('succeeded'),
            sql<number>`sum(case when runs.status = 'FAILED' then 1 else 0 end)`.as('failed'),
            sql<number>`sum(case when runs.status = 'ABANDONED' then 1 else 0 end)`.as('abandoned'),
            sql<number>`sum(case when runs.status = 'DEFERRED' then 1 else 0 end)`.as('deferred'),
            sql<number>`coalesce(sum(prompt_tokens), 0)`.as('promptTokens'),
            sql<number>`coalesce(sum(completion_tokens), 0)`.as('completionTokens'),
          ])
          .where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.run_label', '=', filter.runLabel!))
          .executeTakeFirstOrThrow();
  return {
    total,
    byStatus,
    byInterrogation,
    readyNow: Number(timing.ready ?? 0),
    waiting: Number(timing.waiting ?? 0),
    expiredLeases: Number(timing.expired ?? 0),
    oldestReadyCreatedAt: timing.oldest === null ? null : Number(timing.oldest),
    attempts: {
      total: Number(attempts.total),
      succeeded: Number(attempts.succeeded ?? 0),
      failed: Number(attempts.failed ?? 0),
      abandoned: Number(attempts.abandoned ?? 0),
      deferred: Number(attempts.deferred ?? 0),
    },
    tokens: { prompt: Number(attempts.promptTokens), completion: Number(attempts.completionTokens) },
    byEndpoint: await endpointStats(database, filter),
  };
}

function sumAttemptCounts(counts: Awaited<ReturnType<typeof readAttemptCounts>>) {
  const sum = { total: 0, succeeded: 0, failed: 0, abandoned: 0, deferred: 0, promptTokens: 0, completionTokens: 0 };
  for (const row of counts) {
    sum.total += row.attempts;
    if (row.status === 'SUCCEEDED') sum.succeeded += row.attempts;
    else if (row.status === 'FAILED') sum.failed += row.attempts;
    else if (row.status === 'DEFERRED') sum.deferred += row.attempts;
    else sum.abandoned += row.attempts;
    sum.promptTokens += row.promptTokens;
    sum.completionTokens += row.completionTokens;
  }
  return sum;
}
