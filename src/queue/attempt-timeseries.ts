/**
 * Throughput and latency over time, from the attempts (`runs`) that completed in a time range — read
 * through `runs_completed_index`, so the cost follows the range, not the table. Durations are grouped
 * in SQL into classes 25% wide (log scale), so a bucket's p50 and p95 are computed from at most a
 * few dozen class counts whatever the number of attempts; each is exact to within its class (±12%).
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import { databaseNow } from './database-now.ts';

export interface TimeseriesBucket {
  /** Start of the bucket, epoch milliseconds. */
  start: number;
  /** Attempts that completed in it, by how they ended. */
  succeeded: number;
  failed: number;
  abandoned: number;
  /** Attempts whose failure sent their job to DEADLETTER. */
  deadLettered: number;
  /** Attempts answered busy (error code `server_busy`). */
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

/** Class width: 1.25×. Class k holds durations d with floor(ln(d + 1) / ln 1.25) = k. */
const classScale = 1 / Math.log(1.25);

function classMidpoint(index: number): number {
  return Math.round(Math.pow(1.25, index + 0.5) - 1);
}

export async function attemptTimeseries(database: HolocronDatabase, options: { minutes: number; bucketSeconds: number }): Promise<Timeseries> {
  const { db, adapter } = database;
  const bucketMs = options.bucketSeconds * 1000;
  const now = await databaseNow(db, adapter);
  // Bucket edges aligned to the bucket size, so successive polls agree on them.
  const until = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const since = until - Math.ceil((options.minutes * 60_000) / bucketMs) * bucketMs;
  const { rows } = await sql<{ bucket: number; status: string; dead: number; busy: number; class: number; n: number }>`
    select cast((completed_at - ${since}) / ${bucketMs} as integer) as bucket, status,
      case when outcome = 'dead_lettered' then 1 else 0 end as dead,
      case when error_code = 'server_busy' then 1 else 0 end as busy,
      cast(floor(ln(duration_ms + 1) * ${classScale}) as integer) as class, count(*) as n
    from runs
    where completed_at >= ${since} and completed_at < ${until}
    group by 1, 2, 3, 4, 5`.execute(db);
  const count = (until - since) / bucketMs;
  const buckets: TimeseriesBucket[] = Array.from({ length: count }, (_, index) => ({
    start: since + index * bucketMs,
    succeeded: 0,
    failed: 0,
    abandoned: 0,
    deadLettered: 0,
    busy: 0,
    p50Ms: null,
    p95Ms: null,
  }));
  const classes: Map<number, number>[] = buckets.map(() => new Map());
  for (const row of rows) {
    const index = Number(row.bucket);
    const bucket = buckets[index];
    if (!bucket) continue;
    const n = Number(row.n);
    if (row.status === 'SUCCEEDED') bucket.succeeded += n;
    else if (row.status === 'FAILED') bucket.failed += n;
    else bucket.abandoned += n;
    if (Number(row.dead) === 1) bucket.deadLettered += n;
    if (Number(row.busy) === 1) bucket.busy += n;
    const byClass = classes[index]!;
    byClass.set(Number(row.class), (byClass.get(Number(row.class)) ?? 0) + n);
  }
  buckets.forEach((bucket, index) => {
    const sorted = [...classes[index]!].sort((a, b) => a[0] - b[0]);
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
