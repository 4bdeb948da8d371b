/**
 * queue/0010-overview-indexes on both dialects: the overview's figures (ready / waiting / oldest ready,
 * per-endpoint latencies and in-flight level) equal what a scan of the tables says, before and after
 * the migration is undone and redone; the claim still takes the right jobs in order; and on SQLite the
 * overview's reads are answered from the indexes alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type HolocronDatabase } from '../src/database/open-database.ts';
import { claimJobs } from '../src/queue/claim-jobs.ts';
import { databaseNow } from '../src/queue/database-now.ts';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { overviewIndexesMigration } from '../src/queue/migrations/0010-overview-indexes.ts';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

async function scanned(database: HolocronDatabase, now: number) {
  const { db } = database;
  const pending = await db.selectFrom('jobs').select(['available_at', 'created_at']).where('status', 'in', ['NEW', 'RETRY']).execute();
  const ready = pending.filter((row) => Number(row.available_at) <= now);
  const calls = await db.selectFrom('runs').select(['endpoint_id', 'call_ms', 'in_flight_limit', 'completed_at']).where('call_ms', 'is not', null).execute();
  const byEndpoint = new Map<string, { latencies: number[]; latest: { at: number; limit: number | null } }>();
  for (const row of calls) {
    const entry = byEndpoint.get(row.endpoint_id!) ?? { latencies: [], latest: { at: -1, limit: null } };
    byEndpoint.set(row.endpoint_id!, entry);
    entry.latencies.push(Number(row.call_ms));
    if (Number(row.completed_at) > entry.latest.at) entry.latest = { at: Number(row.completed_at), limit: row.in_flight_limit === null ? null : Number(row.in_flight_limit) };
  }
  return {
    readyNow: ready.length,
    waiting: pending.length - ready.length,
    oldestReadyCreatedAt: ready.length === 0 ? null : Math.min(...ready.map((row) => Number(row.created_at))),
    endpoints: [...byEndpoint]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([endpointId, { latencies, latest }]) => {
        const sorted = latencies.sort((a, b) => a - b);
        return { endpointId, latencyP50Ms: sorted[Math.floor(0.5 * sorted.length)]!, latencyP95Ms: sorted[Math.floor(0.95 * sorted.length)]!, inFlightLimit: latest.limit };
      }),
  };
}

async function reported(database: HolocronDatabase) {
  const stats = await jobStats(database);
  return {
    readyNow: stats.readyNow,
    waiting: stats.waiting,
    oldestReadyCreatedAt: stats.oldestReadyCreatedAt,
    endpoints: stats.byEndpoint.map(({ endpointId, latencyP50Ms, latencyP95Ms, inFlightLimit }) => ({ endpointId, latencyP50Ms, latencyP95Ms, inFlightLimit })),
  };
}

for (const dialect of dialects) {
  describe(`the overview's indexes on ${dialect}`, () => {
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

    it('give the figures a scan gives, with the migration undone and redone, and the claim keeps its order', async () => {
      const { db } = database;
      const now = await databaseNow(db, database.adapter);
      const jobs = await enqueueJobs(
        database,
        Array.from({ length: 40 }, (_, index) => ({ interrogationKey: 'x_v1', input: { index }, priority: index % 3, maxAttempts: 3 })),
      );
      // A quarter of them wait (a retry not yet due); their creation times differ.
      for (const [index, job] of jobs.entries()) {
        await db
          .updateTable('jobs')
          .set({ created_at: now - 100_000 + index * 7, available_at: index % 4 === 0 ? now + 600_000 : now - 1_000, status: index % 4 === 0 ? 'RETRY' : 'NEW' })
          .where('id', '=', job.id)
          .execute();
      }
      // Attempts on three endpoints (and some that made no call), latencies and in-flight levels varying.
      for (let index = 0; index < 90; index += 1) {
        const answered = index % 9 !== 0;
        await db
          .insertInto('runs')
          .values({
            id: `run-${index}`,
            job_id: 10_000 + index,
            attempt: 1,
            status: answered ? 'SUCCEEDED' : 'DEFERRED',
            endpoint_id: `gpu-${index % 3}`,
            started_at: now - 50_000 + index,
            completed_at: now - 40_000 + index * 11,
            duration_ms: 5 + index,
            call_ms: answered ? (index * 37) % 101 : null,
            in_flight_limit: index % 5 === 0 ? null : 1 + (index % 7),
          })
          .execute();
      }
      const expected = await scanned(database, now);
      assert.equal(expected.readyNow, 30);
      assert.equal(expected.endpoints.length, 3);
      assert.deepEqual(await reported(database), expected);

      const migration = overviewIndexesMigration();
      await migration.down!(db);
      assert.deepEqual(await reported(database), expected, 'the same figures without the indexes');
      await migration.up(db);
      assert.deepEqual(await reported(database), expected, 'and with them again');

      // The claim walks the rebuilt index: the highest priority first, then the oldest id, only what is due.
      const claimed = await claimJobs(database, 'worker-1', 5, 60_000);
      const due = jobs
        .map((job, index) => ({ id: job.id, priority: index % 3, due: index % 4 !== 0 }))
        .filter((job) => job.due)
        .sort((a, b) => b.priority - a.priority || a.id - b.id);
      assert.deepEqual(
        claimed.map((job) => job.id),
        due.slice(0, 5).map((job) => job.id),
      );
    });

    if (dialect === 'sqlite') {
      it('answers the ready / waiting split and the endpoint latencies from the indexes alone', async () => {
        const { db } = database;
        const plan = async (query: string) => (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db)).rows.map((row) => row.detail).join('; ');
        assert.match(
          await plan(`select sum(case when available_at <= 0 then 1 else 0 end), min(created_at) from jobs where status in ('NEW', 'RETRY')`),
          /COVERING INDEX jobs_claim_index/,
        );
        assert.match(
          await plan(`select call_ms, in_flight_limit from runs where endpoint_id = 'gpu-1' and call_ms is not null order by completed_at desc limit 10000`),
          /COVERING INDEX runs_endpoint_calls_index/,
        );
      });
    }
  });
}
