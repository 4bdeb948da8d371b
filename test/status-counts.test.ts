/**
 * The maintained counts (src/queue/status-counts.ts) equal the aggregates they replace, after every
 * kind of change — enqueue, claim, success, dead letter, retry, cancel, redrive, delete — on SQLite and
 * PostgreSQL, including several workers at once; and the migration fills them from rows already there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { HolocronDatabase } from '../src/database/open-database.ts';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { cancelJobs } from '../src/queue/cancel-jobs.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { redriveDeadLetters } from '../src/queue/redrive-dead-letters.ts';
import { retryJob } from '../src/queue/retry-job.ts';
import { attemptCountsSpec, jobCountsSpec, readAttemptCounts, readJobCounts } from '../src/queue/status-counts.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

async function countedJobs(database: HolocronDatabase) {
  return (await readJobCounts(database)).map((row) => `${row.interrogationKey} ${row.status} ${row.errorCode ?? '-'} ${row.jobs}`).sort();
}

async function scannedJobs(database: HolocronDatabase) {
  const { rows } = await sql<{ key: string; status: string; code: string | null; count: number }>`
    select interrogation_key as key, status, case when status = 'DEADLETTER' then coalesce(last_error_code, '') end as code, count(*) as count
    from jobs group by 1, 2, 3`.execute(database.db);
  return rows.map((row) => `${row.key} ${row.status} ${row.code ?? '-'} ${Number(row.count)}`).sort();
}

async function countedAttempts(database: HolocronDatabase) {
  // Summed over duration classes, to compare with the scan below.
  const merged = new Map<string, number[]>();
  for (const row of await readAttemptCounts(database)) {
    const key = `${row.status} ${row.endpointId ?? "-"} ${row.errorCode ?? "-"}`;
    const sums = merged.get(key) ?? [0, 0, 0, 0];
    merged.set(key, [sums[0]! + row.attempts, sums[1]! + row.promptTokens, sums[2]! + row.completionTokens, sums[3]! + row.durationMs]);
  }
  return [...merged].map(([key, sums]) => `${key} ${sums.join(" ")}`).sort();
}


async function scannedAttempts(database: HolocronDatabase) {
  const { rows } = await sql<{ status: string; endpoint: string | null; code: string | null; n: number; p: number; c: number; d: number }>`
    select status, endpoint_id as endpoint, error_code as code, count(*) as n, coalesce(sum(prompt_tokens), 0) as p,
      coalesce(sum(completion_tokens), 0) as c, sum(duration_ms) as d from runs group by 1, 2, 3`.execute(database.db);
  return rows.map((row) => `${row.status} ${row.endpoint ?? '-'} ${row.code ?? '-'} ${Number(row.n)} ${Number(row.p)} ${Number(row.c)} ${Number(row.d)}`).sort();
}

async function minuteCounts(database: HolocronDatabase, table: 'counted' | 'scanned') {
  const { rows } =
    table === 'counted'
      ? await sql<{ minute: number; status: string; k: number; n: number; dead: number; busy: number }>`
          select minute, status, duration_class as k, sum(attempts) as n, sum(dead_lettered) as dead, sum(busy) as busy
          from queue_attempt_minutes group by 1, 2, 3 having sum(attempts) <> 0`.execute(database.db)
      : await sql<{ minute: number; status: string; k: number; n: number; dead: number; busy: number }>`
          select completed_at / 60000 as minute, status, cast(floor(ln(duration_ms + 1) * ${1 / Math.log(1.25)}) as integer) as k, count(*) as n,
            sum(case when outcome = 'dead_lettered' then 1 else 0 end) as dead, sum(case when error_code = 'server_busy' then 1 else 0 end) as busy
          from runs group by 1, 2, 3`.execute(database.db);
  return rows.map((row) => `${Number(row.minute)} ${row.status} ${Number(row.k)} ${Number(row.n)} ${Number(row.dead)} ${Number(row.busy)}`).sort();
}

async function assertCountsMatch(database: HolocronDatabase, when: string) {
  assert.deepEqual(await countedJobs(database), await scannedJobs(database), `jobs counted = scanned ${when}`);
  assert.deepEqual(await countedAttempts(database), await scannedAttempts(database), `attempts counted = scanned ${when}`);
  assert.deepEqual(await minuteCounts(database, 'counted'), await minuteCounts(database, 'scanned'), `attempts by minute counted = scanned ${when}`);
}

for (const dialect of dialects) {
  describe(`maintained queue counts on ${dialect}`, () => {
    let test: TestDatabase;
    let holocron: Holocron;
    before(async () => {
      test = await createTestDatabase(dialect);
      holocron = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': makeTempDirectory('counts-lake'), 'worker.concurrency': 4 }));
      holocron.kinds.register({
        kind: 'flaky',
        key: 'flaky_v1',
        handle: async (job) => {
          const input = job.input as { fail?: string; tokens?: number };
          const record = { endpointId: input.fail ? 'gpu-2' : 'gpu-1', promptTokens: input.tokens ?? null, completionTokens: input.tokens ? input.tokens * 2 : null };
          return input.fail
            ? { kind: 'failed', record, artifacts: [], error: { code: input.fail, message: `failed: ${input.fail}` }, retryable: false }
            : { kind: 'succeeded', record, artifacts: [] };
        },
        validate: (input) => ({ ok: true, value: input }),
      });
    });
    after(async () => {
      await holocron?.close();
      await test?.destroy();
    });

    it('stay equal to the scanned aggregates through every change', async () => {
      const { database } = holocron;
      await assertCountsMatch(database, 'when empty');
      const requests = Array.from({ length: 120 }, (_, index) =>
        index % 10 === 0
          ? { kind: 'flaky', input: { fail: index % 20 === 0 ? 'server_busy' : 'model_not_found', n: index } }
          : index % 3 === 0
            ? { kind: 'noop', input: { n: index } }
            : { kind: 'flaky', input: { tokens: index, n: index } },
      );
      const enqueued = await holocron.enqueue(requests);
      await assertCountsMatch(database, 'after enqueue');
      const stats = await jobStats(database);
      assert.equal(stats.total, 120);
      assert.equal(stats.byStatus.NEW, 120);

      // Several workers at once (on PostgreSQL, concurrent transactions append their deltas side by side).
      await Promise.all([1, 2, 3].map((n) => holocron.createWorker({ mode: 'drain' }).run().then(() => n)));
      await assertCountsMatch(database, 'after the drain');
      const drained = await jobStats(database);
      assert.deepEqual([drained.byStatus.SUCCEEDED, drained.byStatus.DEADLETTER], [108, 12]);
      assert.equal(drained.attempts.total, 120);
      assert.ok(drained.tokens.prompt > 0);

      const ids = enqueued.map((job) => job.id);
      const dead = (await database.db.selectFrom('jobs').select('id').where('status', '=', 'DEADLETTER').execute()).map((row) => Number(row.id));
      await retryJob(database, dead[0]!);
      await redriveDeadLetters(database, { errorCode: 'server_busy' });
      await assertCountsMatch(database, 'after retry and redrive');
      await cancelJobs(database, ids);
      await assertCountsMatch(database, 'after cancel');
      await database.db.deleteFrom('runs').where('job_id', '<=', ids[40]!).execute();
      await database.db.deleteFrom('jobs').where('id', '<=', ids[40]!).execute();
      await assertCountsMatch(database, 'after deleting jobs and attempts (a purge)');
      await database.db.updateTable('jobs').set({ last_error_code: 'other' }).where('id', '=', ids[100]!).execute();
      await assertCountsMatch(database, 'after an error code changed on a dead letter');

      await database.adapter.maintainedCounts.compact(database.db, jobCountsSpec);
      await database.adapter.maintainedCounts.compact(database.db, attemptCountsSpec);
      await assertCountsMatch(database, 'after compaction');
      const { rows } = await sql<{ n: number }>`select count(*) as n from queue_status_counts`.execute(database.db);
      assert.equal(Number(rows[0]!.n), (await readJobCounts(database)).length, 'one row per key after compaction');
    });

    it('are filled from the rows already there when created', async () => {
      const { database } = holocron;
      const expected = await scannedJobs(database);
      await database.adapter.maintainedCounts.drop(database.db, jobCountsSpec);
      await database.adapter.maintainedCounts.drop(database.db, attemptCountsSpec);
      await database.adapter.maintainedCounts.create(database.db, jobCountsSpec);
      await database.adapter.maintainedCounts.create(database.db, attemptCountsSpec);
      assert.deepEqual(await countedJobs(database), expected);
      await assertCountsMatch(database, 'after re-creating the counts');
      await holocron.enqueue([{ kind: 'noop', input: {} }]);
      await assertCountsMatch(database, 'and the triggers work again');
    });
  });
}
