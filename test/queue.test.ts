/** Queue semantics on real SQLite and real PostgreSQL: ordering, leases, fencing, retries, dead letters. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  claimJobs,
  enqueueJobs,
  getJobDetails,
  jobStats,
  reapExpiredLeases,
  recordOutcomes,
  redriveDeadLetters,
  releaseJobs,
  renewLeases,
  retryJob,
  type AppliedOutcome,
  type AttemptOutcome,
  type ClaimedJob,
  type RecordOutcomesOptions,
  type JobSpec,
} from '../src/queue/index.ts';
import { sql } from 'kysely';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return { interrogationKey: 'test_v1', input: { n: 1 }, priority: 100, maxAttempts: 3, ...overrides };
}

function success(job: ClaimedJob, workerId = 'w1'): AttemptOutcome {
  const now = Date.now();
  return {
    kind: 'succeeded',
    held: { jobId: job.id, runId: job.runId },
    attempt: job.attempt,
    record: { workerId, startedAt: now - 5, completedAt: now, promptTokens: 10, completionTokens: 5 },
    artifacts: [{ type: 'output', lakePath: `llm_runs/x/${job.runId}/output.json`, sha256: 'a'.repeat(64), bytes: 12 }],
  };
}

function failure(job: ClaimedJob, retryable: boolean, code = 'server_error', retryDelayMs = 0): AttemptOutcome {
  const now = Date.now();
  return {
    kind: 'failed',
    held: { jobId: job.id, runId: job.runId },
    attempt: job.attempt,
    record: { workerId: 'w1', startedAt: now - 5, completedAt: now },
    artifacts: [],
    error: { code, message: `boom ${job.attempt}` },
    retryable,
    retryDelayMs,
  };
}

for (const dialect of dialects) {
  describe(`queue on ${dialect}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await createTestDatabase(dialect);
    });
    after(async () => {
      await test?.destroy();
    });

    it('claims higher priority first, then oldest, each job once', async () => {
      const enqueued = await enqueueJobs(test.database, [
        spec({ priority: 1, runLabel: 'order' }),
        spec({ priority: 5, runLabel: 'order' }),
        spec({ priority: 5, runLabel: 'order' }),
        spec({ priority: 9, runLabel: 'order' }),
      ]);
      const ids = enqueued.map((job) => job.id);
      const first = await claimJobs(test.database, 'w1', 2, 30_000);
      const second = await claimJobs(test.database, 'w2', 10, 30_000);
      assert.deepEqual(first.map((job) => job.id), [ids[3], ids[1]]);
      assert.deepEqual(second.map((job) => job.id), [ids[2], ids[0]]);
      assert.equal(new Set([...first, ...second].map((job) => job.runId)).size, 4);
      assert.ok(first.every((job) => job.attempt === 1 && /^[0-9a-f-]{36}$/.test(job.runId)));
      assert.deepEqual(await claimJobs(test.database, 'w3', 10, 30_000), []);
      await recordOutcomes(test.database, [...first, ...second].map((job) => success(job)));
    });

    it('does not claim a job before available_at', async () => {
      const [job] = await enqueueJobs(test.database, [spec({ delayMs: 60_000 })]);
      assert.deepEqual(await claimJobs(test.database, 'w1', 10, 30_000), []);
      const stats = await jobStats(test.database);
      assert.equal(stats.waiting, 1);
      await test.database.db.updateTable('jobs').set({ available_at: 0 }).where('id', '=', job!.id).execute();
      const claimed = await claimJobs(test.database, 'w1', 10, 30_000);
      assert.equal(claimed[0]?.id, job!.id);
      await recordOutcomes(test.database, [success(claimed[0]!)]);
    });

    it('records success with its run and artifacts, and fences a late completion', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec()]);
      const [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      assert.equal(job!.id, enqueued!.id);
      const recorded = await recordOutcomes(test.database, [success(job!)]);
      assert.ok(recorded.accepted.has(job!.runId));
      assert.equal(recorded.alreadyRecorded.size, 0);
      // Recorded again (a worker retrying a commit whose acknowledgement was lost): nothing is written
      // twice, and it is reported as the first recording went.
      const again = await recordOutcomes(test.database, [success(job!)]);
      assert.ok(again.accepted.has(job!.runId));
      assert.ok(again.alreadyRecorded.has(job!.runId));
      assert.equal(again.refused.size, 0);
      const details = await getJobDetails(test.database, job!.id);
      assert.equal(details.job.status, 'SUCCEEDED');
      assert.equal(details.job.result_run_id, job!.runId);
      assert.equal(details.runs.length, 1);
      assert.equal(details.runs[0]!.status, 'SUCCEEDED');
      assert.equal(details.runs[0]!.outcome, 'applied');
      assert.equal(details.runs[0]!.error, null);
      assert.deepEqual(details.runs[0]!.artifacts.map((artifact) => artifact.artifact_type), ['output'], 'the artifact once');
    });

    it('records a failure again without a second row, artifact or error text, keeping it dead-lettered', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec({ maxAttempts: 1 })]);
      const [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      const outcome: AttemptOutcome = {
        ...failure(job!, true),
        artifacts: [{ type: 'error', lakePath: `llm_runs/x/${job!.runId}/error.json`, sha256: 'b'.repeat(64), bytes: 3 }],
      };
      const first = await recordOutcomes(test.database, [outcome]);
      assert.ok(first.deadLettered.has(job!.runId));
      const again = await recordOutcomes(test.database, [outcome]);
      assert.deepEqual([again.accepted.has(job!.runId), again.deadLettered.has(job!.runId), again.refused.size], [true, true, 0]);
      const details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.deepEqual(details.runs.map((run) => [run.status, run.outcome, run.error, run.artifacts.length]), [['FAILED', 'dead_lettered', 'boom 1', 1]]);
    });

    it('keeps a successful attempt\'s validated output in runs.output, queryable in SQL', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec()]);
      const [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      const output = { name: 'Luke', born: { year: -19, planet: 'Tatooine' }, tags: ['jedi', 'pilot'], note: 'it\'s "quoted" ✓' };
      await recordOutcomes(test.database, [{ ...success(job!), output } as AttemptOutcome]);
      const details = await getJobDetails(test.database, enqueued!.id);
      assert.deepEqual(JSON.parse(details.runs[0]!.output!), output);
      // Each dialect's own JSON operators work on the column (jsonb on PostgreSQL, JSON text on SQLite).
      const query =
        test.dialect === 'postgres'
          ? sql<{ planet: string; type: string }>`select output->'born'->>'planet' as planet, jsonb_typeof(output) as type from runs where id = ${job!.runId}`
          : sql<{ planet: string; type: string }>`select json_extract(output, '$.born.planet') as planet, json_type(output) as type from runs where id = ${job!.runId}`;
      const { rows } = await query.execute(test.database.db);
      assert.deepEqual(rows, [{ planet: 'Tatooine', type: 'object' }]);
      // A failure or an output-less success stores none.
      const [other] = await enqueueJobs(test.database, [spec()]);
      const [claimed] = await claimJobs(test.database, 'w1', 1, 30_000);
      assert.equal(claimed!.id, other!.id);
      await recordOutcomes(test.database, [failure(claimed!, false)]);
      assert.equal((await getJobDetails(test.database, other!.id)).runs[0]!.output, null);
    });

    it('runs onApplied inside the recording transaction, for applied outcomes only, once', async () => {
      const calls: string[][] = [];
      const hook = {
        onApplied: async (transaction: Parameters<NonNullable<RecordOutcomesOptions['onApplied']>>[0], applied: readonly AppliedOutcome[]) => {
          calls.push(applied.map((entry) => entry.outcome.held.runId));
          // An area's row, written with the attempt: here a child job.
          await transaction.insertInto('jobs').values(applied.map((entry) => ({
            interrogation_key: 'child_v1', kind: 'child', parent_job_id: entry.outcome.held.jobId, status: 'NEW', priority: 1,
            input: '{}', attempt_count: 0, max_attempts: 1, available_at: 0, created_at: 0, updated_at: 0,
          }))).execute();
        },
      };
      const children = async (parent: number) =>
        (await test.database.db.selectFrom('jobs').select('id').where('parent_job_id', '=', parent).execute()).length;

      // A failing hook rolls everything back: the job is still held, no attempt row, no child.
      const [enqueued] = await enqueueJobs(test.database, [spec({ runLabel: 'hook' })]);
      const [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      await assert.rejects(
        recordOutcomes(test.database, [success(job!)], { onApplied: async (transaction, applied) => { await hook.onApplied(transaction, applied); throw new Error('area down'); } }),
        /area down/,
      );
      let details = await getJobDetails(test.database, enqueued!.id);
      assert.deepEqual([details.job.status, details.runs.length, await children(enqueued!.id)], ['RUNNING', 0, 0]);

      // Then it records, and the child is written with it; recording again calls no hook and adds nothing.
      await recordOutcomes(test.database, [success(job!)], hook);
      await recordOutcomes(test.database, [success(job!)], hook);
      details = await getJobDetails(test.database, enqueued!.id);
      assert.deepEqual([details.job.status, details.runs.length, await children(enqueued!.id)], ['SUCCEEDED', 1, 1]);
      assert.deepEqual(calls.slice(1), [[job!.runId]], 'once for the rolled-back try, once for the commit, not for the re-record');

      // A refused outcome (its lease was lost and the job reaped) runs no hook.
      const [lostJob] = await enqueueJobs(test.database, [spec({ runLabel: 'hook' })]);
      const [lost] = await claimJobs(test.database, 'w1', 1, 1);
      assert.equal(lost!.id, lostJob!.id);
      await sleep(20);
      await reapExpiredLeases(test.database);
      const late = await recordOutcomes(test.database, [success(lost!)], hook);
      assert.ok(late.refused.has(lost!.runId));
      assert.equal(calls.length, 2);
      assert.equal(await children(lostJob!.id), 0);
      // Recording the refused outcome again changes nothing either.
      const lateAgain = await recordOutcomes(test.database, [success(lost!)], hook);
      assert.deepEqual([lateAgain.refused.has(lost!.runId), lateAgain.alreadyRecorded.has(lost!.runId)], [true, true]);
      const lostRuns = (await getJobDetails(test.database, lostJob!.id)).runs;
      assert.equal(lostRuns.length, 1);
      assert.equal(lostRuns[0]!.artifacts.length, 1);
      assert.equal(lostRuns[0]!.error!.split('result refused').length, 2, 'the refusal is noted once');
      await test.database.db.deleteFrom('jobs').where('kind', '=', 'child').execute();
      // The reaped job is ready again; take it out of the way of later tests.
      const [retried] = await claimJobs(test.database, 'w1', 1, 30_000);
      await recordOutcomes(test.database, [success(retried!)]);
    });

    it('retries a retryable failure, then dead-letters with the last error kept', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec({ maxAttempts: 2 })]);
      let [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      let recorded = await recordOutcomes(test.database, [failure(job!, true)]);
      assert.equal(recorded.deadLettered.size, 0);
      let details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'RETRY');
      [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      assert.equal(job!.attempt, 2);
      assert.deepEqual(job!.previousError, { code: 'server_error', message: 'boom 1' });
      recorded = await recordOutcomes(test.database, [failure(job!, true, 'server_error', 60_000)]);
      assert.ok(recorded.deadLettered.has(job!.runId));
      details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.equal(details.job.last_error, 'boom 2');
      assert.ok(Number(details.job.available_at) <= Number(details.job.completed_at), 'no retry time on a dead letter');
      assert.deepEqual(details.runs.map((run) => run.status), ['FAILED', 'FAILED']);
      // Redrive gives it a fresh set of attempts.
      assert.deepEqual(await redriveDeadLetters(test.database, { ids: [enqueued!.id] }), { redriven: 1, jobIds: [enqueued!.id] });
      [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      assert.equal(job!.id, enqueued!.id);
      assert.equal(job!.attempt, 1);
      await recordOutcomes(test.database, [success(job!)]);
    });

    it('dead-letters a permanent failure at once without burning retries', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec({ maxAttempts: 5 })]);
      const [job] = await claimJobs(test.database, 'w1', 1, 30_000);
      const recorded = await recordOutcomes(test.database, [failure(job!, false, 'model_not_found')]);
      assert.ok(recorded.deadLettered.has(job!.runId));
      const details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.equal(details.job.attempt_count, 1);
      assert.equal(details.job.last_error_code, 'model_not_found');
      await retryJob(test.database, enqueued!.id);
      const [again] = await claimJobs(test.database, 'w1', 1, 30_000);
      assert.equal(again!.id, enqueued!.id);
      await assert.rejects(retryJob(test.database, enqueued!.id), /RUNNING and cannot be retried/);
      await recordOutcomes(test.database, [success(again!)]);
      await assert.rejects(retryJob(test.database, enqueued!.id), /SUCCEEDED and cannot be retried/);
      await assert.rejects(retryJob(test.database, 999_999), /No job with id 999999/);
    });

    it('reclaims an expired lease, records the attempt ABANDONED and refuses the late completion', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec()]);
      // A long lease, so that "not yet expired" holds however slow the machine; then the holder's
      // last renewal gives it no time at all, and a moment later it has expired.
      const [lost] = await claimJobs(test.database, 'dead-worker', 1, 60_000);
      assert.deepEqual(await reapExpiredLeases(test.database), [], 'lease not yet expired');
      assert.equal((await renewLeases(test.database, 'dead-worker', [{ jobId: lost!.id, runId: lost!.runId }], 0)).size, 1);
      await sleep(20);
      // Renewal by the holder fails once the lease is gone and the job is reaped.
      const reaped = await reapExpiredLeases(test.database);
      assert.deepEqual(reaped.map((job) => job.jobId), [enqueued!.id]);
      assert.equal((await renewLeases(test.database, 'dead-worker', [{ jobId: lost!.id, runId: lost!.runId }], 30_000)).size, 0);
      const [job] = await claimJobs(test.database, 'w2', 1, 30_000);
      assert.equal(job!.id, enqueued!.id);
      assert.equal(job!.attempt, 2);
      assert.equal(job!.previousError?.code, 'lease_expired');
      const late = await recordOutcomes(test.database, [success(lost!, 'dead-worker')]);
      assert.ok(late.refused.has(lost!.runId));
      await recordOutcomes(test.database, [success(job!, 'w2')]);
      const details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'SUCCEEDED');
      assert.equal(details.job.result_run_id, job!.runId);
      assert.deepEqual(details.runs.map((run) => run.status), ['ABANDONED', 'SUCCEEDED']);
      assert.match(details.runs[0]!.error!, /abandoned: worker dead-worker stopped renewing/);
      assert.match(details.runs[0]!.error!, /result refused/);
      assert.equal(details.runs.filter((run) => run.status === 'SUCCEEDED').length, 1);
    });

    it('renews leases of held attempts only, and releases without counting the attempt', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec()]);
      const [job] = await claimJobs(test.database, 'w1', 1, 1_000);
      const held = [{ jobId: job!.id, runId: job!.runId }];
      assert.equal((await renewLeases(test.database, 'someone-else', held, 60_000)).size, 0);
      assert.ok((await renewLeases(test.database, 'w1', held, 60_000)).has(job!.runId));
      const row = await test.database.db.selectFrom('jobs').selectAll().where('id', '=', job!.id).executeTakeFirstOrThrow();
      assert.ok(Number(row.lease_expires_at) - Number(row.locked_at) > 30_000);
      assert.equal(await releaseJobs(test.database, held), 1);
      const [again] = await claimJobs(test.database, 'w2', 1, 30_000);
      assert.equal(again!.id, enqueued!.id);
      assert.equal(again!.attempt, 1);
      await recordOutcomes(test.database, [success(again!)]);
    });

    it('dead-letters a job whose worker keeps dying once its attempts are used', async () => {
      const [enqueued] = await enqueueJobs(test.database, [spec({ maxAttempts: 1 })]);
      await claimJobs(test.database, 'w1', 1, 50);
      await sleep(120);
      const reaped = await reapExpiredLeases(test.database);
      assert.deepEqual(reaped, [{ jobId: enqueued!.id, runId: reaped[0]!.runId, workerId: 'w1', deadLettered: true }]);
      const details = await getJobDetails(test.database, enqueued!.id);
      assert.equal(details.job.status, 'DEADLETTER');
      assert.equal(details.job.last_error_code, 'lease_expired');
    });

    it('never hands out a job id again, even after the newest job was deleted', async () => {
      const [first] = await enqueueJobs(test.database, [spec({ runLabel: 'reuse' })]);
      await test.database.db.deleteFrom('jobs').where('id', '=', first!.id).execute();
      const [second] = await enqueueJobs(test.database, [spec({ runLabel: 'reuse' })]);
      assert.ok(second!.id > first!.id, `id ${second!.id} after deleted ${first!.id}`);
      await test.database.db.deleteFrom('jobs').where('run_label', '=', 'reuse').execute();
    });

    it('deduplicates by key within and across enqueues, all in one transaction', async () => {
      const first = await enqueueJobs(test.database, [spec({ dedupeKey: 'k1' }), spec({ dedupeKey: 'k1' }), spec()]);
      assert.equal(first[0]!.deduplicated, false);
      assert.deepEqual(first[1], { id: first[0]!.id, deduplicated: true });
      const second = await enqueueJobs(test.database, [spec({ dedupeKey: 'k1' })]);
      assert.deepEqual(second[0], { id: first[0]!.id, deduplicated: true });
      const before = (await jobStats(test.database)).total;
      await assert.rejects(enqueueJobs(test.database, [spec(), spec({ maxAttempts: 0 })]));
      assert.equal((await jobStats(test.database)).total, before, 'a failed bulk enqueue leaves nothing behind');
    });
  });
}
