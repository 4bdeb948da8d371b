/**
 * Leases against real worker processes, on SQLite and PostgreSQL, with the simulator:
 * - a worker killed with SIGKILL mid-call: with the DEFAULT settings another running worker takes the
 *   job back (its attempt recorded ABANDONED) and it succeeds once — how soon is `npm run bench`'s
 *   crash-to-claim figure, not an assertion here;
 * - a live worker that stalls past its lease (SIGSTOP) while another takes its jobs: on waking it
 *   aborts its call, drops the job it had queued, and its late outcome is refused (and kept for the
 *   audit); the jobs succeed once, elsewhere.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { startCli } from './support/cli-process.ts';
import { entityJobSpecs } from './support/entity-jobs.ts';
import { testConfig } from './support/test-config.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';


/** Polls until `condition` holds; the limit only keeps a broken run from hanging, it is not a bound under test. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 50) {
    assert.ok(waited < limitMs, `gave up waiting: ${what}`);
    await sleep(50);
  }
}

function lastJsonLine(stdout: string): Record<string, number> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

// The two dialects side by side: most of each test is waiting for a lease to run out.
describe('lease recovery', { concurrency: dialects.length }, () => {
  for (const dialect of dialects) {
    describe(`lease recovery on ${dialect}`, { concurrency: 1 }, () => {
      let test: TestDatabase;
      let lakeRoot: string;
      before(async () => {
        test = await createTestDatabase(dialect);
        lakeRoot = makeTempDirectory('lake');
      });
      after(async () => {
        await test?.destroy();
        fs.rmSync(lakeRoot, { recursive: true, force: true });
      });

      const work = (url: string, ...extra: string[]) => ['--db', test.url, '--lake-root', lakeRoot, 'work', '--ollama-url', url, ...extra];
      /** An in-process worker with the default settings but these. */
      const openRescuer = (url: string, settings: Record<string, unknown> = {}): Promise<Holocron> =>
        openHolocron(testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, 'ollama.baseUrl': url, 'worker.id': 'rescuer', 'log.level': 'silent', ...settings }));

      async function statusOf(jobId: number): Promise<string> {
        return (await getJobDetails(test.database, jobId)).job.status;
      }

      it('a worker killed with SIGKILL mid-call: with the default settings a running worker takes its job back, and it succeeds once', async () => {
        const slow = await startSimulator({ latencyMs: 600_000 });
        const fast = await startSimulator();
        try {
          const [job] = await enqueueJobs(test.database, entityJobSpecs(1, 'crash'));
          const doomed = startCli(work(slow.url, '--loop', '--worker-id', 'doomed'));
          await waitUntil(() => slow.stats().generating === 1, 'the doomed worker calls the model');
          // The rescuer is already running (and idle: nothing is claimable) when the other one dies.
          const holocron = await openRescuer(fast.url);
          const rescuer = holocron.createWorker({ mode: 'loop' });
          const rescuing = rescuer.run();
          doomed.child.kill('SIGKILL');
          assert.equal((await doomed.done).signal, 'SIGKILL');
          await waitUntil(async () => (await statusOf(job!.id)) === 'SUCCEEDED', 'the job succeeds elsewhere');
          rescuer.stop();
          const summary = await rescuing;
          await holocron.close();
          assert.equal(summary.reaped, 1, 'the rescuer took the expired lease back');
          assert.equal(summary.succeeded, 1);
          const details = await getJobDetails(test.database, job!.id);
          assert.deepEqual(
            details.runs.map((run) => [run.attempt, run.status, run.worker_id, run.error_code]),
            [
              [1, 'ABANDONED', 'doomed', 'lease_expired'],
              [2, 'SUCCEEDED', 'rescuer', null],
            ],
          );
        } finally {
          await slow.close();
          await fast.close();
        }
      });

      it('a worker stalled past its lease: its call is aborted, its queued job dropped, its late outcome refused', async () => {
        const slow = await startSimulator({ latencyMs: 600_000 });
        const fast = await startSimulator();
        try {
          const [first, second] = await enqueueJobs(test.database, entityJobSpecs(2, 'stall'));
          // One call at a time, one more job claimed ahead: the first is in flight, the second queued.
          const stalled = startCli(work(slow.url, '--drain', '--concurrency', '1', '--lease-seconds', '1', '--worker-id', 'stalled', '--json'));
          await waitUntil(() => slow.stats().generating === 1, 'the worker calls the model');
          const heldByStalled = async () =>
            (await test.database.db.selectFrom('jobs').select('id').where('locked_by', '=', 'stalled').where('status', '=', 'RUNNING').execute()).length;
          await waitUntil(async () => (await heldByStalled()) === 2, 'the worker holds both jobs');
          stalled.child.kill('SIGSTOP');
          try {
            // Expired by the database's clock, which is the one leases are judged by.
            await waitUntil(async () => {
              const { count } = await test.database.db
                .selectFrom('jobs')
                .select(sql<number>`count(*)`.as('count'))
                .where('locked_by', '=', 'stalled')
                .where('lease_expires_at', '<', test.database.adapter.nowMilliseconds())
                .executeTakeFirstOrThrow();
              return Number(count) === 2;
            }, 'both leases expire');
            const holocron = await openRescuer(fast.url);
            const rescued = await holocron.createWorker({ mode: 'drain' }).run().finally(() => holocron.close());
            assert.equal(rescued.succeeded, 2);
            assert.equal(rescued.reaped, 2);
          } finally {
            stalled.child.kill('SIGCONT');
          }
          const woken = await stalled.done;
          assert.equal(woken.code, 0, woken.stderr);
          const summary = lastJsonLine(woken.stdout);
          assert.equal(summary.succeeded, 0);
          assert.equal(summary.refused, 1, 'the aborted call’s outcome was refused');
          assert.equal(summary.lost, 1, 'the queued job was dropped unstarted');
          await waitUntil(() => slow.stats().clientDisconnects === 1, 'the call in flight is aborted');
          assert.equal(slow.stats().requestsByRoute['POST /api/chat'], 1, 'the dropped job never reached the model');
          assert.equal(slow.stats().chatsAnswered, 0);

          const inFlight = await getJobDetails(test.database, first!.id);
          assert.equal(inFlight.job.status, 'SUCCEEDED');
          assert.deepEqual(inFlight.runs.map((run) => [run.status, run.worker_id]), [['ABANDONED', 'stalled'], ['SUCCEEDED', 'rescuer']]);
          assert.match(inFlight.runs[0]!.error ?? '', /abandoned: worker stalled stopped renewing.*result refused/s, 'the late outcome is kept for the audit');
          const queued = await getJobDetails(test.database, second!.id);
          assert.equal(queued.job.status, 'SUCCEEDED');
          assert.deepEqual(queued.runs.map((run) => [run.status, run.worker_id]), [['ABANDONED', 'stalled'], ['SUCCEEDED', 'rescuer']]);
          assert.doesNotMatch(queued.runs[0]!.error ?? '', /result refused/, 'nothing ran, nothing came back late');
        } finally {
          await slow.close();
          await fast.close();
        }
      });
    });
  }
});
