/**
 * Throughput and latency over time, from the attempts counted by the minute they completed
 * (`queue_attempt_minutes`, kept by triggers: status-counts.ts) — a day is at most 1,440 minutes of
 * counts however many attempts it had. Durations are counted in classes 25% wide (log scale), so a
 * bucket's p50 and p95 come from a few dozen class counts; each is exact to within its class (±12%).
 * Buckets are whole minutes (a bucket size is rounded up to one).
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { databaseNow } from './database-now.ts';
import { attemptMinuteCountsSpec } from './status-counts.ts';

export interface TimeseriesBucket {
  /** Start of the bucket, epoch milliseconds. */
  start: number;
  /** Attempts that completed in it, by how they ended. */
  succeeded: number;
  failed: number;
  abandoned: number;
  /** Attempts the server was too busy for (the job went back without spending an attempt). */
  deferred: number;
  /** Attempts whose failure sent their job to DEADLETTER. */
  deadLettered: number;
  /** Attempts answered busy (error code `server_busy`, 503). */
  busy: number;
  /** Duration percentiles of the bucket's attempts (null when none). */
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Timeseries {
  since: number;
  until: number;
  bucketMs: number;
  buckets: TimeseriesBucket[];
}

function classMidpoint(index: number): number {
  return Math.round(Math.pow(1.25, index + 0.5) - 1);
}

export async function attemptTimeseries(database: HolocronDatabase, options: { minutes: number; bucketSeconds: number }): Promise<Timeseries> {
  const { db, adapter } = database;
  const bucketMinutes = Math.max(1, Math.ceil(options.bucketSeconds / 60));
  const bucketMs = bucketMinutes * 60_000;
  const now = await databaseNow(db, adapter);
  // Bucket edges aligned to the bucket size, so successive polls agree on them.
  const until = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const since = until - Math.ceil((options.minutes * 60_000) / bucketMs) * bucketMs;
  const sinceMinute = since / 60_000;
  const untilMinute = until / 60_000;
  // The range's rows as they are, folded here: a plain range read of the key index (a day is a few
  // thousand keys), with no grouping or sorting in the database.
  const read = () =>
    sql<{ minute: number; status: string; duration_class: number; attempts: number; dead_lettered: number; busy: number }>`
      select minute, status, duration_class, attempts, dead_lettered, busy
      from queue_attempt_minutes
      where minute >= ${sinceMinute} and minute < ${untilMinute}`.execute(db);
  let { rows } = await read();
  // PostgreSQL appends a delta row per key per statement: fold the range when they outnumber its keys.
  const keys = new Set(rows.map((row) => `${row.minute}|${row.status}|${row.duration_class}`)).size;
  if (rows.length > 2 * keys + 1000) {
    await adapter.maintainedCounts.compact(db, attemptMinuteCountsSpec, `minute >= ${Math.trunc(sinceMinute)}`);
    ({ rows } = await read());
  }
  const count = (until - since) / bucketMs;
  const buckets: TimeseriesBucket[] = Array.from({ length: count }, (_, index) => ({
    start: since + index * bucketMs,
    succeeded: 0,
    failed: 0,
    abandoned: 0,
    deferred: 0,
    deadLettered: 0,
    busy: 0,
    p50Ms: null,
    p95Ms: null,
  }));
  const classes: Map<number, number>[] = buckets.map(() => new Map());
  for (const row of rows) {
    const index = Math.floor((Number(row.minute) - sinceMinute) / bucketMinutes);
    const bucket = buckets[index];
    if (!bucket) continue;
    // A row may be a delta (PostgreSQL, before compaction): negative, or zero attempts with a change of outcome.
    const n = Number(row.attempts);
    if (row.status === 'SUCCEEDED') bucket.succeeded += n;
    else if (row.status === 'FAILED') bucket.failed += n;
    else if (row.status === 'DEFERRED') bucket.deferred += n;
    else bucket.abandoned += n;
    bucket.deadLettered += Number(row.dead_lettered);
    bucket.busy += Number(row.busy);
    const byClass = classes[index]!;
    const klass = Number(row.duration_class);
    byClass.set(klass, (byClass.get(klass) ?? 0) + n);
  }
  buckets.forEach((bucket, index) => {
    const sorted = [...classes[index]!].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
    const total = sorted.reduce((sum, [, n]) => sum + n, 0);
    if (total === 0) return;
    const percentile = (p: number) => {
      const rank = Math.ceil(p * total);
      let seen = 0;
      for (const [klass, n] of sorted) {
        seen += n;
        if (seen >= rank) return classMidpoint(klass);
      }
      return classMidpoint(sorted.at(-1)![0]);
    };
    bucket.p50Ms = percentile(0.5);
    bucket.p95Ms = percentile(0.95);
  });
  return { since, until, bucketMs, buckets };
}
