/**
 * Worker processes against real PostgreSQL (and SQLite) and the simulator: several processes drain one queue with
 * every job succeeding exactly once; SIGTERM finishes what is in flight and gives back the rest; a
 * lease is renewed through a model load and an LLM call much longer than the lease itself. (SIGKILL
 * and a stalled worker losing its leases: lease-recovery.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { openHolocron } from '../src/holocron.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli, startCli } from './support/cli-process.ts';
import { createTestDatabase, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { entityJobSpecs } from './support/entity-jobs.ts';
import { testConfig } from './support/test-config.ts';


/** A fresh database and lake folder for a describe block, removed after it. */
function withDatabaseAndLake(dialect: 'sqlite' | 'postgres'): { test: TestDatabase; lakeRoot: string } {
  const context = {} as { test: TestDatabase; lakeRoot: string };
  before(async () => {
    context.test = await createTestDatabase(dialect);
    context.lakeRoot = makeTempDirectory('lake');
  });
  after(async () => {
    await context.test?.destroy();
    fs.rmSync(context.lakeRoot, { recursive: true, force: true });
  });
  return context;
}

describe('worker processes on postgres', () => {
  const context = withDatabaseAndLake('postgres');

  function workerArgs(simulator: RunningSimulator, ...extra: string[]): string[] {
    return ['--db', context.test.url, '--lake-root', context.lakeRoot, 'work', '--ollama-url', simulator.url, ...extra];
  }

  it('four processes drain 2,000 jobs: every job exactly one successful attempt, none lost', async () => {
    const simulator = await startSimulator({ parallel: 16 });
    try {
      await enqueueJobs(context.test.database, entityJobSpecs(2000, 'many'));
      const results = await Promise.all(
        [1, 2, 3, 4].map((n) => runCli(workerArgs(simulator, '--drain', '--concurrency', '8', '--worker-id', `proc-${n}`, '--json'))),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const summaries = results.map((result) => JSON.parse(result.stdout.trim().split('\n').at(-1)!));
      assert.equal(summaries.reduce((total, summary) => total + summary.succeeded, 0), 2000);
      assert.ok(summaries.filter((summary) => summary.succeeded > 0).length >= 2, 'the work was shared');
      const stats = await jobStats(context.test.database, { runLabel: 'many' });
      assert.equal(stats.byStatus.SUCCEEDED, 2000);
      const perJob = await context.test.database.db
        .selectFrom('jobs')
        .leftJoin('runs', (join) => join.onRef('runs.job_id', '=', 'jobs.id').on('runs.status', '=', 'SUCCEEDED'))
        .select(['jobs.id', sql<number>`count(runs.id)`.as('successes')])
        .where('jobs.run_label', '=', 'many')
        .groupBy('jobs.id')
        .execute();
      assert.equal(perJob.length, 2000);
      assert.ok(perJob.every((row) => Number(row.successes) === 1), 'exactly one successful attempt per job');
    } finally {
      await simulator.close();
    }
  });

  it('SIGTERM finishes the attempts in flight, gives back the rest and exits', async () => {
    const simulator = await startSimulator({ latencyMs: 1_500, parallel: 2 });
    try {
      await enqueueJobs(context.test.database, entityJobSpecs(10, 'sigterm'));
      const worker = startCli(workerArgs(simulator, '--loop', '--concurrency', '2', '--worker-id', 'graceful'));
      for (let waited = 0; simulator.stats().generating < 2; waited += 50) {
        assert.ok(waited < 20_000, 'the worker never called the model');
        await sleep(50);
      }
      worker.child.kill('SIGTERM');
      const result = await worker.done;
      assert.equal(result.code, 0, result.stderr);
      const stats = await jobStats(context.test.database, { runLabel: 'sigterm' });
      assert.equal(stats.byStatus.SUCCEEDED, 2, 'the two in flight finished');
      assert.equal(stats.byStatus.RUNNING, 0, 'nothing left held');
      assert.equal(stats.byStatus.NEW, 8, 'the rest went back, attempts not counted');
      const backInQueue = await context.test.database.db.selectFrom('jobs').select('attempt_count').where('run_label', '=', 'sigterm').where('status', '=', 'NEW').execute();
      assert.ok(backInQueue.every((row) => row.attempt_count === 0));
      await context.test.database.db.deleteFrom('jobs').where('run_label', '=', 'sigterm').execute();
    } finally {
      await simulator.close();
    }
  });

  it('renews the lease through a model load and a call far longer than the lease, with a rival worker waiting', async () => {
    // 3 s loading the model before the first byte, then 1.5 s generating: three leases of 1.5 s. (A
    // shorter lease is lost to a mere stall of the event loop on a loaded machine, which is right for
    // a lease but not what this test is about.)
    const simulator = await startSimulator({ loadMs: 3_000, latencyMs: 1_500 });
    try {
      assert.equal((await jobStats(context.test.database)).readyNow, 0, 'no other job is waiting');
      const [enqueued] = await enqueueJobs(context.test.database, entityJobSpecs(1, 'renewal'));
      const holder = startCli(workerArgs(simulator, '--drain', '--lease-seconds', '1.5', '--worker-id', 'holder'));
      for (let waited = 0; simulator.stats().generating + simulator.stats().queueDepth < 1; waited += 50) {
        assert.ok(waited < 20_000, 'the worker never called the model');
        await sleep(50);
      }
      // The rival runs in this process, so it is surely up while the holder's call lasts.
      const rivalHolocron = await openHolocron(
        testConfig({ 'database.url': context.test.url, 'lake.root': context.lakeRoot, 'ollama.baseUrl': simulator.url, 'worker.id': 'rival', 'worker.leaseSeconds': 1.5, 'worker.pollSeconds': 0.2, 'log.level': 'silent' }),
      );
      const rival = rivalHolocron.createWorker({ mode: 'loop' });
      const rivalling = rival.run();
      const result = await holder.done;
      assert.equal(result.code, 0, result.stderr);
      rival.stop();
      const rivalSummary = await rivalling;
      await rivalHolocron.close();
      assert.equal(rivalSummary.claimed, 0, 'the rival never got the job');
      const details = await getJobDetails(context.test.database, enqueued!.id);
      assert.equal(details.job.status, 'SUCCEEDED');
      assert.deepEqual(details.runs.map((run) => [run.status, run.worker_id]), [['SUCCEEDED', 'holder']]);
    } finally {
      await simulator.close();
    }
  });
});

describe('worker processes on sqlite', () => {
  const context = withDatabaseAndLake('sqlite');

  it('two processes share one SQLite file: every job exactly one successful attempt', async () => {
    const simulator = await startSimulator({ parallel: 16 });
    try {
      await enqueueJobs(context.test.database, entityJobSpecs(300, 'shared'));
      const results = await Promise.all(
        ['left', 'right'].map((name) =>
          runCli(['--db', context.test.url, '--lake-root', context.lakeRoot, 'work', '--ollama-url', simulator.url, '--drain', '--concurrency', '8', '--worker-id', name, '--json']),
        ),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const summaries = results.map((result) => JSON.parse(result.stdout.trim().split('\n').at(-1)!));
      assert.equal(summaries.reduce((total, summary) => total + summary.succeeded, 0), 300);
      const successes = await context.test.database.db
        .selectFrom('runs')
        .select(['job_id', sql<number>`count(*)`.as('count')])
        .where('status', '=', 'SUCCEEDED')
        .groupBy('job_id')
        .execute();
      assert.equal(successes.length, 300);
      assert.ok(successes.every((row) => Number(row.count) === 1));
    } finally {
      await simulator.close();
    }
  });
});
