/** The worker runtime with its own handlers, on real SQLite: polling while busy, a failed claim, --once. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { enqueueJobs, type JobSpec } from '../src/queue/enqueue-jobs.ts';
import type { JobHandler } from '../src/worker/job-handler.ts';
import { Worker, type WorkerOptions } from '../src/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

function spec(name: string): JobSpec {
  return { interrogationKey: 'test_v1', input: { name }, priority: 100, maxAttempts: 3 };
}

function worker(test: TestDatabase, handler: JobHandler, options: Partial<WorkerOptions> = {}): Worker {
  return new Worker({
    database: test.database,
    handler,
    workerId: 'test-worker',
    mode: 'loop',
    concurrency: 8,
    pollMs: 300,
    leaseMs: 30_000,
    backoff: { baseDelayMs: 10, maxDelayMs: 10 },
    shutdownGraceMs: 5_000,
    ...options,
  });
}

describe('worker runtime on sqlite', () => {
  let test: TestDatabase;
  before(async () => {
    test = await createTestDatabase('sqlite');
  });
  after(async () => {
    await test?.destroy();
  });

  it('keeps polling an empty queue while attempts keep finishing, so new jobs do not wait for the batch', async () => {
    // Seven jobs for eight slots: the worker claims them, claims again at once and finds the queue
    // empty. Six of them then finish one after another, 100 ms apart — each finish wakes the worker,
    // more often than its 200 ms poll interval — and the seventh only when the latecomer has started.
    // A worker whose poll timer restarted at every wake would look again only after the chain ended.
    await enqueueJobs(test.database, Array.from({ length: 7 }, (_, index) => spec(`slow_${index}`)));
    const events: string[] = [];
    let latecomerStarted!: () => void;
    const latecomerGate = new Promise<void>((resolve) => (latecomerStarted = resolve));
    let chain = Promise.resolve();
    const handler: JobHandler = async (job) => {
      const name = (job.input as { name: string }).name;
      events.push(`start ${name}`);
      if (name === 'latecomer') latecomerStarted();
      else if (name === 'slow_6') await Promise.race([latecomerGate, sleep(10_000)]);
      else {
        const mine = chain.then(() => sleep(100));
        chain = mine;
        await mine;
      }
      events.push(`finish ${name}`);
      return { kind: 'succeeded', record: {}, artifacts: [] };
    };
    const running = worker(test, handler, { pollMs: 200 });
    const done = running.run();
    while (!events.includes('start slow_6')) await sleep(5);
    await enqueueJobs(test.database, [spec('latecomer')]);
    while (!events.includes('finish slow_6')) await sleep(20);
    running.stop();
    await done;
    const at = (event: string) => events.indexOf(event);
    assert.ok(at('start latecomer') >= 0, 'the latecomer ran');
    // Slots were free all along: it starts about one poll interval after the empty claim, while the
    // chain is still finishing — not after the whole batch.
    assert.ok(at('start latecomer') < at('finish slow_5'), events.join(', '));
    assert.ok(at('start latecomer') < at('finish slow_6'), events.join(', '));
  });

  it('--once takes exactly one job, the highest priority', async () => {
    await enqueueJobs(test.database, [spec('low'), { ...spec('high'), priority: 500 }]);
    const seen: string[] = [];
    const summary = await worker(test, async (job) => {
      seen.push((job.input as { name: string }).name);
      return { kind: 'succeeded', record: {}, artifacts: [] };
    }, { mode: 'once' }).run();
    assert.deepEqual(seen, ['high']);
    assert.equal(summary.claimed, 1);
    await test.database.db.deleteFrom('jobs').execute();
    await test.database.db.deleteFrom('runs').execute();
  });

  it('a handler that throws fails the attempt as an internal error and the job is retried', async () => {
    const [enqueued] = await enqueueJobs(test.database, [spec('thrower')]);
    let calls = 0;
    const summary = await worker(test, async () => {
      calls++;
      if (calls === 1) throw new Error('kaboom');
      return { kind: 'succeeded', record: {}, artifacts: [] };
    }, { mode: 'drain', backoff: { baseDelayMs: 0, maxDelayMs: 0 } }).run();
    assert.equal(summary.failed, 1);
    assert.equal(summary.succeeded, 1);
    const runs = await test.database.db.selectFrom('runs').select(['status', 'error_code', 'error']).where('job_id', '=', enqueued!.id).orderBy('attempt').execute();
    assert.deepEqual(runs.map((run) => [run.status, run.error_code]), [['FAILED', 'internal_error'], ['SUCCEEDED', null]]);
    assert.match(runs[0]!.error!, /kaboom/);
  });

  it('a forced stop gives in-flight jobs back without counting the attempt or dead-lettering them', async () => {
    const [enqueued] = await enqueueJobs(test.database, [{ ...spec('cut_off'), maxAttempts: 1 }]);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const stopping = worker(
      test,
      async (_job, context) => {
        started();
        // A long LLM call that ends only when aborted, as the provider's does.
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        return { kind: 'failed', record: {}, artifacts: [], error: { code: 'aborted', message: 'the call was aborted' }, retryable: false };
      },
      { mode: 'loop', shutdownGraceMs: 60_000 },
    );
    const done = stopping.run();
    await running;
    stopping.stop();
    stopping.stop(); // the second signal: cut attempts in flight off now
    const summary = await done;
    assert.equal(summary.released, 1);
    const job = await test.database.db.selectFrom('jobs').selectAll().where('id', '=', enqueued!.id).executeTakeFirstOrThrow();
    assert.equal(job.status, 'NEW', 'back in the queue, not dead-lettered despite max_attempts 1');
    assert.equal(job.attempt_count, 0);
    const runs = await test.database.db.selectFrom('runs').select(['status', 'error_code']).where('job_id', '=', enqueued!.id).execute();
    assert.deepEqual(runs, [{ status: 'ABANDONED', error_code: 'worker_stopped' }]);
    await test.database.db.deleteFrom('jobs').execute();
    await test.database.db.deleteFrom('runs').execute();
  });

  it('lets jobs go when their outcomes cannot be recorded, so they run again instead of staying RUNNING', async () => {
    const [enqueued] = await enqueueJobs(test.database, [spec('unrecordable')]);
    const { db } = test.database;
    // Recording will fail for good: the history table is gone while the attempt runs.
    const summary = await worker(
      test,
      async () => {
        await sql`alter table runs rename to runs_away`.execute(db);
        return { kind: 'succeeded', record: {}, artifacts: [] };
      },
      { mode: 'drain', recordTries: 2, leaseMs: 300 },
    ).run();
    await sql`alter table runs_away rename to runs`.execute(db);
    assert.equal(summary.unrecorded, 1, 'the worker gave up on recording and let the job go');
    let job = await db.selectFrom('jobs').selectAll().where('id', '=', enqueued!.id).executeTakeFirstOrThrow();
    assert.equal(job.status, 'RUNNING', 'left to its lease');
    await sleep(350);
    const rescue = await worker(test, async () => ({ kind: 'succeeded', record: {}, artifacts: [] }), { mode: 'drain' }).run();
    assert.equal(rescue.reaped, 1);
    assert.equal(rescue.succeeded, 1);
    job = await db.selectFrom('jobs').selectAll().where('id', '=', enqueued!.id).executeTakeFirstOrThrow();
    assert.equal(job.status, 'SUCCEEDED');
    await db.deleteFrom('jobs').execute();
    await db.deleteFrom('runs').execute();
  });
});
