/**
 * Job kinds on real SQLite and PostgreSQL: the worker dispatches by `jobs.kind`, an unknown kind
 * dead-letters at once, and a kind's `onRecorded` hook writes its rows (here: child jobs) inside the
 * transaction that records the attempts — once, only for applied outcomes, also when the worker
 * retries a commit whose acknowledgement was lost, and without taking the rest of a batch down when it
 * fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HolocronDatabase } from '../src/database/open-database.ts';
import { openHolocron } from '../src/holocron.ts';
import { JobRequestError } from '../src/pipeline/job-request.ts';
import { enqueueJobs, insertJobs, type JobSpec } from '../src/queue/enqueue-jobs.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { JobKindRegistry, type JobKind } from '../src/worker/job-kind-registry.ts';
import { Worker, type WorkerOptions } from '../src/worker/worker.ts';
import { testConfig } from './support/test-config.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

function spec(kind: string, input: Record<string, unknown>, runLabel: string): JobSpec {
  return { kind, interrogationKey: kind, input, priority: 100, maxAttempts: 3, runLabel };
}

function worker(database: HolocronDatabase, kinds: JobKind[], options: Partial<WorkerOptions> = {}): Worker {
  return new Worker({
    database,
    kinds: new JobKindRegistry(kinds),
    workerId: 'kinds-worker',
    mode: 'drain',
    concurrency: 4,
    pollMs: 50,
    leaseMs: 30_000,
    backoff: { baseDelayMs: 1, maxDelayMs: 1 },
    shutdownGraceMs: 5_000,
    flushDelayMs: 20,
    ...options,
  });
}

const childKind: JobKind = { kind: 'child', handle: async (job) => ({ kind: 'succeeded', record: {}, artifacts: [], output: { child_of: job.parentJobId } }) };

/** A kind whose every success enqueues one child job in the recording transaction; its hook fails on the first attempt of `failFor`'s jobs. */
function parentKind(calls: string[], failFor: Set<number> = new Set()): JobKind {
  return {
    kind: 'parent',
    handle: async (job) => ({
      kind: 'succeeded',
      record: {},
      artifacts: [{ type: 'output', lakePath: `x/${job.runId}/output.json`, sha256: 'c'.repeat(64), bytes: 2 }],
      output: { n: (job.input as { n: number }).n },
    }),
    async onRecorded(transaction, recorded, context) {
      for (const { job } of recorded) calls.push(job.runId);
      // Fails whenever it gets a first attempt of these jobs, whatever else it gets with it.
      const failing = recorded.find(({ job }) => failFor.has(job.id) && job.attempt === 1);
      if (failing) throw new Error(`cannot write the child of job ${failing.job.id}`);
      const successes = recorded.filter(({ outcome }) => outcome.kind === 'succeeded');
      await insertJobs(
        transaction,
        context.adapter,
        successes.map(({ job }) => ({ ...spec('child', {}, 'kids'), parentJobId: job.id })),
      );
    },
  };
}

async function childrenOf(database: HolocronDatabase, parent: number): Promise<{ id: number; kind: string }[]> {
  return database.db.selectFrom('jobs').select(['id', 'kind']).where('parent_job_id', '=', parent).orderBy('id').execute();
}

for (const dialect of dialects) {
  describe(`job kinds on ${dialect}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await createTestDatabase(dialect);
    });
    after(async () => {
      await test?.destroy();
    });

    it('dispatches each job to its kind; an unknown kind dead-letters at once with unknown_job_kind', async () => {
      const ran: string[] = [];
      const kind = (name: string): JobKind => ({
        kind: name,
        handle: async (job) => {
          ran.push(`${name}:${(job.input as { n: number }).n}`);
          return { kind: 'succeeded', record: {}, artifacts: [] };
        },
      });
      const [a, b, unknown] = await enqueueJobs(test.database, [spec('alpha', { n: 1 }, 'dispatch'), spec('beta', { n: 2 }, 'dispatch'), spec('gamma', { n: 3 }, 'dispatch')]);
      const summary = await worker(test.database, [kind('alpha'), kind('beta')]).run();
      assert.deepEqual(ran.sort(), ['alpha:1', 'beta:2']);
      assert.deepEqual([summary.succeeded, summary.deadLettered], [2, 1]);
      for (const id of [a!.id, b!.id]) assert.equal((await getJobDetails(test.database, id)).job.status, 'SUCCEEDED');
      const details = await getJobDetails(test.database, unknown!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.equal(details.job.attempt_count, 1, 'no retries burnt');
      assert.equal(details.job.last_error_code, 'unknown_job_kind');
      assert.match(details.job.last_error!, /kind "gamma", which this worker does not run \(it knows: alpha, beta\)/);
    });

    it('a kind\'s onRecorded writes child jobs atomically with the outcome, once, also when a commit is retried after a lost acknowledgement', async () => {
      const calls: string[] = [];
      const parents = await enqueueJobs(test.database, Array.from({ length: 6 }, (_, n) => spec('parent', { n }, 'family')));
      // The database commits, but the worker does not hear back the first two times: it records again.
      let lostAcknowledgements = 2;
      const flaky: HolocronDatabase = {
        ...test.database,
        adapter: {
          ...test.database.adapter,
          async writeTransaction(db, work) {
            const result = await test.database.adapter.writeTransaction(db, work);
            const recording = (result as { alreadyRecorded?: unknown })?.alreadyRecorded !== undefined;
            if (recording && lostAcknowledgements > 0) {
              lostAcknowledgements--;
              throw new Error('connection reset after commit');
            }
            return result;
          },
        },
      };
      const summary = await worker(flaky, [parentKind(calls), childKind]).run();
      assert.equal(lostAcknowledgements, 0, 'acknowledgements were lost');
      assert.equal(summary.succeeded, 12, 'six parents and their six children, each counted once');
      assert.equal(summary.refused, 0);
      assert.equal(new Set(calls).size, calls.length, 'the hook ran once per attempt');
      assert.equal(calls.length, 6);
      for (const parent of parents) {
        const details = await getJobDetails(test.database, parent.id);
        assert.equal(details.job.status, 'SUCCEEDED');
        assert.deepEqual(details.runs.map((run) => [run.status, run.artifacts.length]), [['SUCCEEDED', 1]]);
        assert.equal(JSON.parse(details.runs[0]!.output!).n, JSON.parse(details.job.input).n);
        const children = await childrenOf(test.database, parent.id);
        assert.deepEqual(children.map((child) => child.kind), ['child'], `one child of job ${parent.id}`);
        const child = await getJobDetails(test.database, children[0]!.id);
        assert.equal(child.job.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(child.runs[0]!.output!), { child_of: parent.id });
      }
    });

    it('a failing hook rolls its attempts back and records them failed (record_hook_failed) without stopping the rest of the batch', async () => {
      const calls: string[] = [];
      const parents = await enqueueJobs(test.database, Array.from({ length: 4 }, (_, n) => spec('parent', { n }, 'hookfail')));
      const failing = parents[1]!.id;
      const summary = await worker(test.database, [parentKind(calls, new Set([failing])), childKind]).run();
      const details = await getJobDetails(test.database, failing);
      // Its first attempt: failed for the hook, no child; its retry: succeeded with one child.
      assert.deepEqual(details.runs.map((run) => [run.status, run.error_code]), [['FAILED', 'record_hook_failed'], ['SUCCEEDED', null]]);
      assert.match(details.runs[0]!.error!, /the parent kind could not record its rows: cannot write the child of job/);
      assert.equal(details.job.status, 'SUCCEEDED');
      for (const parent of parents) assert.equal((await childrenOf(test.database, parent.id)).length, 1, `one child of job ${parent.id}`);
      assert.equal(summary.failed, 1);
      assert.equal(summary.succeeded, 4 + 4, 'four parents (one on its second attempt) and four children');
    });
  });
}

describe('enqueueing kinds through the library', () => {
  let test: TestDatabase;
  let lakeRoot: string;
  before(async () => {
    test = await createTestDatabase('sqlite');
    lakeRoot = makeTempDirectory('kinds-lake');
  });
  after(async () => {
    await test?.destroy();
  });

  it('accepts a registered kind and a parent link, refuses an unknown kind, interrogation fields on another kind, a missing parent and a kind\'s invalid input', async () => {
    const holocron = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': lakeRoot }));
    try {
      holocron.kinds.register({
        kind: 'score',
        key: 'score_v1',
        handle: async () => ({ kind: 'succeeded', record: {}, artifacts: [] }),
        validate: (input) =>
          typeof (input as { item?: unknown }).item === 'string' ? { ok: true, value: { item: (input as { item: string }).item.trim() } } : { ok: false, errors: ['item must be a string'] },
      });
      const [parent] = await holocron.enqueue([{ kind: 'noop', input: { hello: 'world' } }]);
      const [child, interrogation] = await holocron.enqueue([
        { kind: 'score', input: { item: '  a  ' }, parent_job_id: parent!.id, priority: 7 },
        { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'hoth', evidence: ['Hoth is icy.'], parent_job_id: parent!.id },
      ]);
      const row = await holocron.database.db.selectFrom('jobs').selectAll().where('id', '=', child!.id).executeTakeFirstOrThrow();
      assert.deepEqual([row.kind, row.interrogation_key, row.parent_job_id, row.priority, JSON.parse(row.input)], ['score', 'score_v1', parent!.id, 7, { item: 'a' }]);
      const noop = await getJobDetails(holocron.database, parent!.id);
      assert.deepEqual([noop.job.kind, noop.job.interrogation_key], ['noop', 'noop']);
      assert.deepEqual((await childrenOf(holocron.database, parent!.id)).map((job) => job.id), [child!.id, interrogation!.id]);

      const before = await holocron.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      await assert.rejects(
        holocron.enqueue([
          { kind: 'nonesuch', input: {} },
          { kind: 'noop', entity_id: 'x' },
          { kind: 'score', input: { item: 3 } },
          { kind: 'noop', input: {}, parent_job_id: 999_999 },
          { kind: 'noop', input: {} },
        ]),
        (error: unknown) => {
          assert.ok(error instanceof JobRequestError);
          assert.deepEqual(error.problems.map((problem) => problem.where), ['job 1', 'job 2', 'job 3']);
          assert.match(error.problems[0]!.message, /unknown job kind "nonesuch"; known: interrogation, noop, replay, score/);
          assert.match(error.problems[1]!.message, /"entity_id" apply to interrogation jobs only, not to noop jobs/);
          assert.match(error.problems[2]!.message, /score kind's contract: item must be a string/);
          return true;
        },
      );
      await assert.rejects(holocron.enqueue([{ kind: 'noop', input: {}, parent_job_id: 999_999 }]), /job 1: parent_job_id: no job has the id 999999/);
      const afterwards = await holocron.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      assert.equal(Number(afterwards.count), Number(before.count), 'nothing enqueued');
    } finally {
      await holocron.close();
    }
  });
});
