/** Queue statistics: jobs by status (overall and per interrogation), what is ready now, attempt totals. */
import { sql } from 'kysely';
import { jobStatuses, type JobStatus } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { QueueStats } from '../read-models/queue-stats.ts';
import { databaseNow } from './database-now.ts';

/** The queue statistics read model (`src/read-models/queue-stats.ts`). */
export type JobStats = QueueStats;

function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}

export async function jobStats(database: HolocronDatabase, filter: { runLabel?: string } = {}): Promise<JobStats> {
  const { db, adapter } = database;
  const now = await databaseNow(db, adapter);
  const grouped = await db
    .selectFrom('jobs')
    .select(['status', 'interrogation_key', (eb) => eb.fn.countAll<number>().as('count')])
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .groupBy(['status', 'interrogation_key'])
    .execute();
  const byStatus = emptyCounts();
  const byInterrogation: Record<string, Record<JobStatus, number>> = {};
  let total = 0;
  for (const row of grouped) {
    const count = Number(row.count);
    byStatus[row.status] += count;
    (byInterrogation[row.interrogation_key] ??= emptyCounts())[row.status] += count;
    total += count;
  }
  const timing = await db
    .selectFrom('jobs')
    .select([
      sql<number>`sum(case when status in ('NEW', 'RETRY') and available_at <= ${now} then 1 else 0 end)`.as('ready'),
      sql<number>`sum(case when status in ('NEW', 'RETRY') and available_at > ${now} then 1 else 0 end)`.as('waiting'),
      sql<number>`sum(case when status = 'RUNNING' and lease_expires_at < ${now} then 1 else 0 end)`.as('expired'),
      sql<number | null>`min(case when status in ('NEW', 'RETRY') and available_at <= ${now} then created_at end)`.as('oldest'),
    ])
    .where('status', 'in', ['NEW', 'RETRY', 'RUNNING'])
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .executeTakeFirstOrThrow();
  const attempts = await db
    .selectFrom('runs')
    .select([
      (eb) => eb.fn.countAll<number>().as('total'),
      sql<number>`sum(case when runs.status = 'SUCCEEDED' then 1 else 0 end)`.as('succeeded'),
      sql<number>`sum(case when runs.status = 'FAILED' then 1 else 0 end)`.as('failed'),
      sql<number>`sum(case when runs.status = 'ABANDONED' then 1 else 0 end)`.as('abandoned'),
      sql<number>`coalesce(sum(prompt_tokens), 0)`.as('promptTokens'),
      sql<number>`coalesce(sum(completion_tokens), 0)`.as('completionTokens'),
    ])
    .$if(filter.runLabel !== undefined, (query) =>
      query.where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.run_label', '=', filter.runLabel!)),
    )
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
    },
    tokens: { prompt: Number(attempts.promptTokens), completion: Number(attempts.completionTokens) },
  };
}
