/**
 * The dashboard's time series (src/queue/attempt-timeseries.ts) read from the minute counts equals the
 * same figures scanned from `runs`, over a day in 15-minute buckets that each fold many minutes — with
 * attempts written one statement at a time and outcomes changed afterwards (on PostgreSQL every
 * statement appends delta rows: negative ones, and ones with no attempts but a changed outcome).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type HolocronDatabase } from '../src/database/open-database.ts';
import { attemptTimeseries } from '../src/queue/attempt-timeseries.ts';
import { databaseNow } from '../src/queue/database-now.ts';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

for (const dialect of dialects) {
  describe(`attempt time series on ${dialect}`, () => {
    let test: TestDatabase;
    let database: HolocronDatabase;
    before(async () => {
      test = await createTestDatabase(dialect);
      database = await openDatabase(test.url);
    });
    after(async () => {
      await database?.close();
      await test?.destroy();
    });

    it('sums a day of minutes into 15-minute buckets as a scan of the attempts would', async () => {
      const { db } = database;
      const now = await databaseNow(db, database.adapter);
      // 300 attempts over the last 20 hours, one insert statement each, two minutes apart.
      for (let index = 0; index < 300; index += 1) {
        const completedAt = now - index * 4 * 60_000 - 1_000;
        const failed = index % 7 === 0;
        await db
          .insertInto('runs')
          .values({
            id: `run-${index}`,
            job_id: index + 1,
            attempt: 1,
            status: failed ? 'FAILED' : 'SUCCEEDED',
            error_code: failed ? (index % 2 === 0 ? 'server_busy' : 'invalid_json') : null,
            outcome: failed && index % 3 === 0 ? 'dead_lettered' : 'applied',
            started_at: completedAt - (10 + index * 13),
            completed_at: completedAt,
            duration_ms: 10 + index * 13,
          })
          .execute();
      }
      // Outcomes changed afterwards, one statement each: the key (minute, status, class) stays, the dead letters move.
      for (const index of [7, 49, 91]) await db.updateTable('runs').set({ outcome: 'applied' }).where('id', '=', `run-${index}`).execute();
      for (const index of [14, 70]) await db.updateTable('runs').set({ outcome: 'dead_lettered' }).where('id', '=', `run-${index}`).execute();
      // And some attempts deleted (a purge).
      await db.deleteFrom('runs').where('id', 'in', ['run-5', 'run-6', 'run-150']).execute();

      const series = await attemptTimeseries(database, { minutes: 1440, bucketSeconds: 900 });
      assert.equal(series.bucketMs, 900_000);
      const bucketOf = (at: number) => Math.floor((at - series.since) / series.bucketMs);
      const { rows } = await sql<{ completed_at: number; status: string; outcome: string; error_code: string | null; duration_ms: number }>`
        select completed_at, status, outcome, error_code, duration_ms from runs`.execute(db);
      const expected = series.buckets.map(() => ({ succeeded: 0, failed: 0, deadLettered: 0, busy: 0 }));
      for (const row of rows) {
        const bucket = expected[bucketOf(Number(row.completed_at))]!;
        if (row.status === 'SUCCEEDED') bucket.succeeded += 1;
        else bucket.failed += 1;
        if (row.outcome === 'dead_lettered') bucket.deadLettered += 1;
        if (row.error_code === 'server_busy') bucket.busy += 1;
      }
      assert.deepEqual(
        series.buckets.map(({ succeeded, failed, deadLettered, busy }) => ({ succeeded, failed, deadLettered, busy })),
        expected,
      );
      assert.equal(
        series.buckets.reduce((sum, bucket) => sum + bucket.succeeded + bucket.failed, 0),
        297,
      );
      // Every bucket with attempts has percentiles within the durations it holds (classes are 25% wide).
      for (const [index, bucket] of series.buckets.entries()) {
        const durations = rows.filter((row) => bucketOf(Number(row.completed_at)) === index).map((row) => Number(row.duration_ms));
        if (durations.length === 0) {
          assert.equal(bucket.p50Ms, null);
          continue;
        }
        assert.ok(bucket.p50Ms! >= Math.min(...durations) * 0.8 && bucket.p95Ms! <= Math.max(...durations) * 1.25, JSON.stringify({ bucket, durations }));
      }
    });
  });
}
