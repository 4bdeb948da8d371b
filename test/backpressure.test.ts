/**
 * Backpressure against the simulator answering busy exactly as Ollama does (503 past parallel +
 * max queue), on both databases: a busy server slows the worker down and never spends an attempt;
 * the in-flight level settles at what the server takes; a drain finishes the work, waiting for jobs in
 * RETRY (and only for them); the busy budget ends a wait that lasts too long; a server that cannot be
 * reached at start is said at once and no job is touched.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { enqueueJobs, type JobSpec } from '../src/queue/enqueue-jobs.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { deferredCallsMigration } from '../src/queue/migrations/0004-deferred-calls.ts';
import { overviewIndexesMigration } from '../src/queue/migrations/0010-overview-indexes.ts';
import { readAttemptCounts } from '../src/queue/status-counts.ts';
import { startSimulator } from '../src/simulator/index.ts';
import type { JobHandler } from '../src/worker/job-handler.ts';
import { Worker, type WorkerOptions } from '../src/worker/worker.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';
import { runCli } from './support/cli-process.ts';

const evidence = 'Luke Skywalker was a human male Jedi, born on Tatooine.';

function job(entityId: string) {
  return { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: entityId, evidence: [evidence] };
}

function spec(name: string, extra: Partial<JobSpec> = {}): JobSpec {
  return { interrogationKey: 'test_v1', input: { name }, priority: 100, maxAttempts: 3, ...extra };
}

function worker(test: TestDatabase, handler: JobHandler, options: Partial<WorkerOptions> = {}): Worker {
  return new Worker({
    database: test.database,
    handler,
    workerId: 'bp-test',
    mode: 'drain',
    concurrency: 4,
    pollMs: 60_000,
    leaseMs: 30_000,
    backoff: { baseDelayMs: 10, maxDelayMs: 10 },
    shutdownGraceMs: 5_000,
    ...options,
  });
}

for (const dialect of dialects) {
  describe(`backpressure on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;

    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('bp-lake');
    });
    after(async () => {
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    async function open(url: string, settings: Record<string, unknown> = {}): Promise<Holocron> {
      return openHolocron(
        testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, 'ollama.baseUrl': url, 'worker.pollSeconds': 0.05, ...settings }),
      );
    }

    it('queue/0004 applies after the later queue migrations too: the rebuilt runs table keeps its rows, indexes and count triggers', async () => {
      const { db, adapter } = test.database;
      await enqueueJobs(test.database, [spec('migrated')]);
      const [queued] = await db.selectFrom('jobs').select('id').execute();
      const run = { job_id: queued!.id, attempt: 1, status: 'SUCCEEDED' as const, started_at: 1, completed_at: 2, duration_ms: 1 };
      await db.insertInto('runs').values({ ...run, id: 'before-0004' }).execute();
      // As on a database that had 0006 and 0007 before 0004 landed: take 0004 off, then apply it.
      // 0010's index names a column 0004 adds: take it off first and put it back after.
      await overviewIndexesMigration().down!(db);
      await deferredCallsMigration(adapter).down!(db);
      await deferredCallsMigration(adapter).up(db);
      await overviewIndexesMigration().up(db);
      await db.insertInto('runs').values({ ...run, id: 'deferred-after', status: 'DEFERRED' }).execute();
      const counts = await readAttemptCounts(test.database);
      assert.equal(counts.find((count) => count.status === 'DEFERRED')?.attempts, 1, 'the count triggers still fire');
      assert.equal(counts.find((count) => count.status === 'SUCCEEDED')?.attempts, 1, 'the rows and their counts were kept');
      await assert.rejects(db.insertInto('runs').values({ ...run, id: 'bad', status: 'LOST' as never }).execute(), 'the status check is still there');
      await db.deleteFrom('runs').execute();
      await db.deleteFrom('jobs').execute();
    });

    it('200 jobs at concurrency 16 against parallel 2 / max queue 2: all succeed with one attempt each, and after the first second fewer than 5 % of calls get a 503', async () => {
      const simulator = await startSimulator({ parallel: 2, maxQueue: 2, latencyMs: 40 });
      const holocron = await open(simulator.url, { 'worker.concurrency': 16, 'queue.maxAttempts': 1 });
      try {
        await holocron.enqueue(Array.from({ length: 200 }, (_, index) => job(`person_${index}`)));
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 200);
        assert.equal(summary.failed, 0);
        assert.equal(summary.deadLettered, 0);
        const stats = await jobStats(holocron.database);
        assert.equal(stats.byStatus.SUCCEEDED, 200);
        // max_attempts 1: a single busy answer counted as an attempt would have dead-lettered its job.
        const jobs = await holocron.database.db.selectFrom('jobs').select(['attempt_count']).execute();
        assert.ok(jobs.every((row) => row.attempt_count === 1), 'each job spent exactly one attempt');
        const runs = await holocron.database.db.selectFrom('runs').select(['status', 'completed_at', 'error_code', 'call_ms']).execute();
        assert.equal(runs.filter((run) => run.status === 'SUCCEEDED').length, 200);
        const deferred = runs.filter((run) => run.status === 'DEFERRED');
        assert.equal(deferred.length, summary.deferred);
        assert.equal(stats.attempts.deferred, summary.deferred);
        assert.ok(deferred.length > 0, 'the server did say busy (16 calls against room for 4)');
        assert.ok(deferred.every((run) => run.error_code === 'server_busy'));
        assert.equal(simulator.stats().busyRejections, deferred.length, 'every 503 is in the history');
        // The first second from the first answer: the level comes down from 16 to what the server holds.
        const firstAnswerAt = Math.min(...runs.map((run) => Number(run.completed_at)));
        const settled = runs.filter((run) => Number(run.completed_at) > firstAnswerAt + 1_000);
        const busyShare = settled.filter((run) => run.status === 'DEFERRED').length / settled.length;
        assert.ok(settled.length > 100, `most of the run is after the first second from the first answer (${settled.length} calls)`);
        assert.ok(busyShare < 0.05, `after the first second ${(busyShare * 100).toFixed(1)} % of calls got a 503`);
        const [endpoint] = summary.endpoints;
        assert.equal(endpoint!.endpointId, 'default');
        assert.equal(endpoint!.ceiling, 16);
        assert.ok(endpoint!.limit >= 1 && endpoint!.limit <= 6, `the level settled near what the server holds (4), at ${endpoint!.limit}`);
        assert.ok(simulator.stats().maxConcurrentGenerating <= 2);
      } finally {
        await holocron.close();
        await simulator.close();
      }
    });

    it('a deferred call keeps its busy answer in the history: status, body and time', async () => {
      // One slot and no queue: two calls at once, one is refused.
      const simulator = await startSimulator({ parallel: 1, maxQueue: 0, latencyMs: 150 });
      const holocron = await open(simulator.url, { 'worker.concurrency': 2 });
      try {
        const enqueued = await holocron.enqueue([job('busy_a'), job('busy_b')]);
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 2);
        assert.ok(summary.deferred >= 1);
        const ids = enqueued.map((each) => each.id);
        const details = await Promise.all(ids.map((id) => getJobDetails(holocron.database, id)));
        const deferredRun = details.flatMap((each) => each.runs).find((run) => run.status === 'DEFERRED')!;
        assert.equal(deferredRun.error_code, 'server_busy');
        assert.match(deferredRun.error!, /server busy \(503\).*maximum pending requests exceeded/);
        assert.ok(Number(deferredRun.completed_at) >= Number(deferredRun.started_at));
        const response = deferredRun.artifacts.find((artifact) => artifact.artifact_type === 'response')!;
        const kept = JSON.parse(fs.readFileSync(`${lakeRoot}/${response.lake_path}`, 'utf8'));
        assert.equal(kept.status, 503);
        assert.equal(kept.body, '{"error":"server busy, please try again.  maximum pending requests exceeded"}');
        const owner = details.find((each) => each.runs.some((run) => run.status === 'DEFERRED'))!;
        assert.equal(owner.job.status, 'SUCCEEDED');
        assert.equal(owner.job.attempt_count, 1, 'the deferred call spent no attempt');
        assert.equal(owner.job.busy_since, null, 'busy_since is cleared by the attempt that went through');
      } finally {
        await holocron.close();
        await simulator.close();
      }
    });

    it('a drain over jobs in RETRY waits for them (sleeping until the first is due, not polling) and not for jobs scheduled later', async () => {
      await test.database.db.deleteFrom('jobs').execute();
      await enqueueJobs(test.database, [spec('flaky_1'), spec('flaky_2'), spec('later', { delayMs: 3_600_000 })]);
      const handler: JobHandler = async (claimed) =>
        claimed.attempt === 1
          ? { kind: 'failed', record: {}, artifacts: [], error: { code: 'invalid_output', message: 'try again' }, retryable: true }
          : { kind: 'succeeded', record: {}, artifacts: [] };
      const startedAt = Date.now();
      // A 60 s poll interval: only a drain that sleeps until the retry is due finishes in about a second.
      const summary = await worker(test, handler, { backoff: { baseDelayMs: 800, maxDelayMs: 800 } }).run();
      const took = Date.now() - startedAt;
      assert.equal(summary.succeeded, 2);
      assert.equal(summary.failed, 2);
      assert.ok(took >= 400, `it waited for the retries (${took} ms; the backoff is 400–800 ms)`);
      assert.ok(took < 5_000, `it slept until they were due, not a poll interval (${took} ms)`);
      assert.equal(summary.scheduled.count, 1, 'the job scheduled for later is counted, not waited for');
      assert.ok(summary.scheduled.firstDueAt! > Date.now() + 3_000_000);
      assert.equal(summary.stoppedWithWorkLeft, false);
    });

    it('--max-wait-seconds caps the wait: the drain stops with the jobs left in RETRY and says so', async () => {
      await test.database.db.deleteFrom('jobs').execute();
      await enqueueJobs(test.database, [spec('slow_retry')]);
      const handler: JobHandler = async () => ({ kind: 'failed', record: {}, artifacts: [], error: { code: 'invalid_output', message: 'no' }, retryable: true });
      const startedAt = Date.now();
      const summary = await worker(test, handler, { backoff: { baseDelayMs: 30_000, maxDelayMs: 30_000 }, maxWaitMs: 300 }).run();
      assert.ok(Date.now() - startedAt < 5_000);
      assert.equal(summary.stoppedWithWorkLeft, true);
      assert.equal(summary.retrying.count, 1);
      assert.ok(summary.retrying.firstDueAt! > Date.now() + 10_000, "its retry is 15–30 s away");
    });

    it("a deferred call between a rejected answer and its retry leaves the rejection as the job's last error, so the retry's prompt still says why", async () => {
      await test.database.db.deleteFrom('jobs').execute();
      const [queued] = await enqueueJobs(test.database, [spec('rejected_then_busy')]);
      const seen: (string | null)[] = [];
      let calls = 0;
      const handler: JobHandler = async (claimed) => {
        calls += 1;
        seen.push(claimed.previousError?.code ?? null);
        if (calls === 1) return { kind: 'failed', record: {}, artifacts: [], error: { code: 'invalid_output', message: 'not valid JSON' }, retryable: true };
        if (calls === 2) {
          return { kind: 'failed', record: { endpointId: 'default' }, artifacts: [], error: { code: 'server_busy', message: 'server busy (503)' }, retryable: true, busy: true, retryAfterMs: 10 };
        }
        return { kind: 'succeeded', record: {}, artifacts: [] };
      };
      const summary = await worker(test, handler, { concurrency: 1 }).run();
      assert.equal(summary.succeeded, 1);
      assert.deepEqual(seen, [null, 'invalid_output', 'invalid_output'], 'the call after the deferred one is told about the rejected answer');
      const details = await getJobDetails(test.database, queued!.id);
      assert.deepEqual(details.runs.map((run) => [run.attempt, run.status]), [[1, 'FAILED'], [2, 'DEFERRED'], [2, 'SUCCEEDED']]);
    });

    it('a job only ever deferred says why in its last error', async () => {
      await test.database.db.deleteFrom('jobs').execute();
      const [queued] = await enqueueJobs(test.database, [spec('busy_once')]);
      let calls = 0;
      const handler: JobHandler = async () =>
        (calls += 1) === 1
          ? { kind: 'failed', record: { endpointId: 'default' }, artifacts: [], error: { code: 'server_busy', message: 'server busy (503)' }, retryable: true, busy: true, retryAfterMs: 60_000 }
          : { kind: 'succeeded', record: {}, artifacts: [] };
      await worker(test, handler, { concurrency: 1, maxWaitMs: 100 }).run();
      const details = await getJobDetails(test.database, queued!.id);
      assert.equal(details.job.status, 'RETRY');
      assert.equal(details.job.attempt_count, 0, 'no attempt spent');
      assert.equal(details.job.last_error_code, 'server_busy');
    });

    it('a job whose calls stay busy past the busy budget fails with busy_budget_exceeded; until then no attempt is spent', async () => {
      await test.database.db.deleteFrom('jobs').execute();
      const [queued] = await enqueueJobs(test.database, [spec('always_busy', { maxAttempts: 1 })]);
      const handler: JobHandler = async () => ({
        kind: 'failed',
        record: { endpointId: 'default' },
        artifacts: [],
        error: { code: 'server_busy', message: 'server busy (503): maximum pending requests exceeded' },
        retryable: true,
        busy: true,
        retryAfterMs: 100,
      });
      const summary = await worker(test, handler, { busyBudgetMs: 700 }).run();
      assert.equal(summary.busyBudgetExceeded, 1);
      assert.equal(summary.deadLettered, 1);
      assert.ok(summary.deferred >= 3, `deferred ${summary.deferred} times first`);
      const details = await getJobDetails(test.database, queued!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.equal(details.job.last_error_code, 'busy_budget_exceeded');
      assert.match(details.job.last_error!, /stayed busy for \d+ s, past the busy budget of 1 s .*busyBudgetSeconds.*maximum pending requests exceeded/);
      assert.equal(details.runs.filter((run) => run.status === 'DEFERRED').length, summary.deferred);
      assert.equal(details.runs.filter((run) => run.status === 'FAILED').length, 1);
    });

    it('an LLM server that cannot be reached at start: --drain and --once stop with a plain error, --loop keeps trying, and no job is claimed', async () => {
      await test.database.db.deleteFrom('jobs').execute();
      const closed = await startSimulator();
      const url = closed.url;
      await closed.close();
      const holocron = await open(url);
      try {
        await holocron.enqueue([job('unreachable')]);
        for (const mode of ['drain', 'once'] as const) {
          await assert.rejects(holocron.createWorker({ mode }).run(), (error: Error) => {
            assert.match(error.message, new RegExp(`cannot reach the LLM server: Ollama endpoint "default" at ${url}: cannot connect .*ECONNREFUSED.*No job was claimed`));
            return true;
          });
        }
        const looping = holocron.createWorker({ mode: 'loop' });
        const running = looping.run();
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        looping.stop();
        const summary = await running;
        assert.equal(summary.claimed, 0);
        const [row] = await holocron.database.db.selectFrom('jobs').select(['status', 'attempt_count']).execute();
        assert.deepEqual(row, { status: 'NEW', attempt_count: 0 });
        assert.equal((await getJobDetails(holocron.database, (await holocron.database.db.selectFrom('jobs').select('id').executeTakeFirstOrThrow()).id)).runs.length, 0);
      } finally {
        await holocron.close();
      }
    });
  });
}

describe('backpressure through the CLI', () => {
  it('work --drain says what it did in words and --json; an unreachable server exits 1 with a plain message and claims nothing', async () => {
    const workspace = makeTempDirectory('bp-cli');
    const simulator = await startSimulator({ parallel: 1, maxQueue: 0, latencyMs: 100 });
    try {
      const base = ['--db', `${workspace}/holocron.sqlite`, '--lake-root', `${workspace}/lake`];
      const jobs = ['a', 'b', 'c'].map((id) => JSON.stringify(job(id))).join('\n');
      fs.writeFileSync(`${workspace}/jobs.jsonl`, `${jobs}\n`);
      assert.equal((await runCli([...base, 'enqueue', '--from', `${workspace}/jobs.jsonl`])).code, 0);
      const unreachable = await runCli([...base, 'work', '--drain', '--ollama-url', 'http://127.0.0.1:9']);
      assert.equal(unreachable.code, 1, unreachable.stderr);
      assert.match(unreachable.stderr, /holocron: cannot reach the LLM server: Ollama endpoint "default" at http:\/\/127\.0\.0\.1:9: cannot connect .*No job was claimed/);
      assert.doesNotMatch(unreachable.stderr, /\n\s+at /, 'no stack trace');
      const drained = await runCli([...base, 'work', '--drain', '--concurrency', '3', '--ollama-url', simulator.url, '--json']);
      assert.equal(drained.code, 0, drained.stderr);
      const summary = JSON.parse(drained.stdout);
      assert.equal(summary.succeeded, 3);
      assert.equal(summary.claimed - summary.deferred, 3, 'claims beyond the three were deferred calls coming back');
      assert.ok(summary.deferred >= 1, 'three calls against one slot and no queue: some were refused');
      assert.equal(summary.endpoints[0].endpointId, 'default');
      assert.equal(summary.endpoints[0].busy, summary.deferred);
      assert.deepEqual(summary.scheduled, { count: 0, firstDueAt: null });
      const later = await runCli([...base, 'enqueue', '--interrogation', 'sw_entity_facts_v1', '--entity-type', 'character', '--entity-id', 'later', '--evidence', evidence, '--delay-seconds', '3600']);
      assert.equal(later.code, 0, later.stderr);
      const words = await runCli([...base, 'work', '--drain', '--ollama-url', simulator.url]);
      assert.equal(words.code, 0, words.stderr);
      assert.match(words.stdout, /Worker finished in [\d.]+ s: 0 succeeded, 0 dead-lettered, 0 failed attempts, 0 calls deferred by backpressure/);
      assert.match(words.stdout, /1 job is scheduled for later \(not waited for\); the first is due at \d{4}-\d\d-\d\dT/);
    } finally {
      await simulator.close();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('backpressure without LLM work', () => {
  it('a queue of other kinds needs no LLM server: the pre-flight is skipped', async () => {
    const test = await createTestDatabase('sqlite');
    try {
      const holocron = await openHolocron(testConfig({ 'database.url': test.url, 'ollama.baseUrl': 'http://127.0.0.1:9' }));
      try {
        await enqueueJobs(holocron.database, [{ kind: 'noop', interrogationKey: 'noop', input: {}, priority: 100, maxAttempts: 1 }]);
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 1);
      } finally {
        await holocron.close();
      }
    } finally {
      await test.destroy();
    }
  });
});

