/**
 * What is left for a drain to wait for: jobs in RETRY (a retry backoff or a busy server's deferral)
 * with the time the first of them is due, and jobs scheduled for later (NEW with `available_at` in the
 * future, e.g. `--delay-seconds`), which a drain does not wait for but reports. One read, no lock;
 * times are the database clock's.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { databaseNow } from './database-now.ts';
import { isClaimable } from './status-predicates.ts';

export interface PendingWork {
  /** The database clock when it was read, epoch milliseconds. */
  now: number;
  /** Claimable now (NEW or RETRY, due). */
  ready: number;
  /** In RETRY, not due yet. */
  retrying: number;
  /** When the first job in RETRY is due (epoch ms), null when none is waiting. */
  nextRetryAt: number | null;
  /** NEW and scheduled for later. */
  scheduled: number;
  /** When the first scheduled job is due, null when none is. */
  nextScheduledAt: number | null;
}

export async function pendingWork(database: HolocronDatabase): Promise<PendingWork> {
  const { db, adapter } = database;
  const now = await databaseNow(db, adapter);
  const row = await db
    .selectFrom('jobs')
    .select([
      sql<number>`sum(case when available_at <= ${now} then 1 else 0 end)`.as('ready'),
      sql<number>`sum(case when status = 'RETRY' and available_at > ${now} then 1 else 0 end)`.as('retrying'),
      sql<number | null>`min(case when status = 'RETRY' and available_at > ${now} then available_at end)`.as('nextRetryAt'),
      sql<number>`sum(case when status = 'NEW' and available_at > ${now} then 1 else 0 end)`.as('scheduled'),
      sql<number | null>`min(case when status = 'NEW' and available_at > ${now} then available_at end)`.as('nextScheduledAt'),
    ])
    .where(isClaimable)
    .executeTakeFirstOrThrow();
  const orNull = (value: number | string | null) => (value === null ? null : Number(value));
  return {
    now,
    ready: Number(row.ready ?? 0),
    retrying: Number(row.retrying ?? 0),
    nextRetryAt: orNull(row.nextRetryAt),
    scheduled: Number(row.scheduled ?? 0),
    nextScheduledAt: orNull(row.nextScheduledAt),
  };
}
