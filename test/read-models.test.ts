/**
 * The read models (src/read-models/) as the real CLI prints them with --json, on SQLite and on
 * PostgreSQL: every field present with its type (absent values are null, never missing keys), no
 * snake_case column leaking through, numbers as numbers on both databases, JSON columns parsed — and
 * the values right for what was done.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Attempt, EnqueueRefusal, EnqueueResult, Job, JobDetails, JobListPage, QueueStats, RedriveResult, RetryResult, WorkerRunSummary } from '../src/read-models/index.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli, type CliResult } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

/** A field's type: a typeof name (`|null` allowed), `any`, a nested shape, or `[shape]` for an array of them. */
type Shape = string | { [key: string]: Shape } | [Shape];

function assertShape(value: unknown, shape: Shape, where: string): void {
  if (Array.isArray(shape)) {
    assert.ok(Array.isArray(value), `${where}: an array`);
    value.forEach((item, index) => assertShape(item, shape[0], `${where}[${index}]`));
  } else if (typeof shape === 'object') {
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: an object`);
    assert.deepEqual(Object.keys(value).sort(), Object.keys(shape).sort(), `${where}: exactly these fields`);
    for (const [key, child] of Object.entries(shape)) assertShape((value as Record<string, unknown>)[key], child, `${where}.${key}`);
  } else if (shape !== 'any') {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    assert.ok(shape.split('|').includes(kind), `${where}: ${shape}, got ${kind} ${JSON.stringify(value)}`);
    if (kind === 'number') assert.ok(Number.isFinite(value), `${where}: a finite number`);
  }
}

const counts = { NEW: 'number', RUNNING: 'number', RETRY: 'number', SUCCEEDED: 'number', DEADLETTER: 'number' };

const jobShape = {
  id: 'number', kind: 'string', parentJobId: 'number|null', interrogationKey: 'string', status: 'string', priority: 'number',
  input: 'object', evidenceRefs: 'array|null', modelHint: 'string|null', dedupeKey: 'string|null', runLabel: 'string|null',
  attemptCount: 'number', maxAttempts: 'number', availableAt: 'number', createdAt: 'number', updatedAt: 'number',
  lockedBy: 'string|null', lockedAt: 'number|null', leaseExpiresAt: 'number|null', currentAttemptId: 'string|null',
  resultAttemptId: 'string|null', lastError: 'string|null', lastErrorCode: 'string|null', completedAt: 'number|null', busySince: 'number|null',
};

const artifactShape = { id: 'number', type: 'string', lakePath: 'string', path: 'string', sha256: 'string', bytes: 'number', createdAt: 'number' };

const attemptShape = {
  id: 'string', jobId: 'number', number: 'number', status: 'string', workerId: 'string|null', endpointId: 'string|null', provider: 'string|null',
  baseUrl: 'string|null', modelName: 'string|null', modelTag: 'string|null', modelDigest: 'string|null', options: 'object|null',
  metrics: 'object|null', promptTokens: 'number|null', completionTokens: 'number|null', error: 'string|null', errorCode: 'string|null',
  lakeDir: 'string|null', output: 'any', outcome: 'string|null', startedAt: 'number', completedAt: 'number', durationMs: 'number',
  callMs: 'number|null', inFlightLimit: 'number|null', artifacts: [artifactShape] as [Shape],
};

const shapes = {
  enqueueResult: { enqueued: 'number', deduplicated: 'number', jobs: [{ id: 'number', deduplicated: 'boolean' }] as [Shape] },
  enqueueRefusal: { enqueued: 'number', problems: [{ where: 'string', line: 'number|null', field: 'string', message: 'string' }] as [Shape] },
  workerRunSummary: {
    claimed: 'number', succeeded: 'number', failed: 'number', deadLettered: 'number', refused: 'number', released: 'number',
    unrecorded: 'number', reaped: 'number', lost: 'number', seconds: 'number', deferred: 'number', busyBudgetExceeded: 'number',
    endpoints: [{
      endpointId: 'string', baseUrl: 'string', state: 'string', limit: 'number', ceiling: 'number', peakInFlight: 'number', busyAt: 'number|null',
      calls: 'number', succeeded: 'number', busy: 'number', timesOut: 'number',
    }] as [Shape],
    scheduled: { count: 'number', firstDueAt: 'string|null' }, retrying: { count: 'number', firstDueAt: 'string|null' }, stoppedWithWorkLeft: 'boolean',
  },
  jobListPage: { jobs: [jobShape] as [Shape], nextBeforeId: 'number|null' },
  jobDetails: { job: jobShape, attempts: [attemptShape] as [Shape] },
  queueStats: {
    total: 'number', byStatus: counts, byInterrogation: { sw_entity_facts_v1: counts }, readyNow: 'number', waiting: 'number',
    expiredLeases: 'number', oldestReadyCreatedAt: 'number|null',
    attempts: { total: 'number', succeeded: 'number', failed: 'number', abandoned: 'number', deferred: 'number' }, tokens: { prompt: 'number', completion: 'number' },
    byEndpoint: [{ endpointId: 'string', calls: 'number', succeeded: 'number', busy: 'number', failed: 'number', latencyP50Ms: 'number|null', latencyP95Ms: 'number|null', inFlightLimit: 'number|null' }] as [Shape],
  },
  retryResult: { jobId: 'number', previousStatus: 'string', status: 'string', attemptCount: 'number', maxAttempts: 'number' },
  redriveResult: { redriven: 'number', jobIds: ['number'] as [Shape] },
};

function printed<T>(result: CliResult, shape: Shape, label: string): T {
  assert.equal(result.code, 0, `${label}: exit ${result.code}\n${result.stderr}`);
  const value = JSON.parse(result.stdout) as unknown;
  assertShape(value, shape, label);
  return value as T;
}

describe('read models through --json', { concurrency: true }, () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator();
  });
  after(() => simulator?.close());

  for (const dialect of dialects) {
    describe(dialect, () => {
      let test: TestDatabase;
      let directory: string;
      before(async () => {
        test = await createTestDatabase(dialect);
        directory = makeTempDirectory(`read-models-${dialect}`);
      });
      after(async () => {
        await test?.destroy();
        fs.rmSync(directory, { recursive: true, force: true });
      });

      const holocron = (...args: string[]) =>
        runCli(['--db', test.url, '--lake-root', path.join(directory, 'lake'), ...args, '--json'], { cwd: directory });

      it('enqueue, work, jobs list / show / stats / retry / redrive print their read models', async () => {
        const lines = [
          { entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['Luke Skywalker was born on Tatooine.'], dedupe_key: 'luke', priority: 300 },
          { entity_type: 'character', entity_id: 'darth_vader', model: 'llama9000:70b', priority: 200 },
          { entity_type: 'character', entity_id: 'sheev_palpatine', model: 'llama9000:70b', run_label: 'palpatine', priority: 100 },
        ];
        fs.writeFileSync(path.join(directory, 'jobs.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'));
        const enqueued = printed<EnqueueResult>(await holocron('enqueue', '-i', 'sw_entity_facts_v1', '--from', 'jobs.jsonl'), shapes.enqueueResult, 'enqueue');
        assert.equal(enqueued.enqueued, 3);
        assert.equal(enqueued.deduplicated, 0);
        assert.deepEqual(enqueued.jobs.map((job) => job.deduplicated), [false, false, false]);
        const [luke, vader, palpatine] = enqueued.jobs.map((job) => job.id) as [number, number, number];

        const summary = printed<WorkerRunSummary>(await holocron('work', '--drain', '--ollama-url', simulator.url, '--worker-id', 'reader'), shapes.workerRunSummary, 'work');
        const { endpoints, ...counts } = summary;
        assert.deepEqual(
          { ...counts, seconds: 0 },
          {
            claimed: 3, succeeded: 1, failed: 2, deadLettered: 2, refused: 0, released: 0, unrecorded: 0, reaped: 0, lost: 0, seconds: 0,
            deferred: 0, busyBudgetExceeded: 0, scheduled: { count: 0, firstDueAt: null }, retrying: { count: 0, firstDueAt: null }, stoppedWithWorkLeft: false,
          },
        );
        assert.deepEqual(endpoints.map((endpoint) => [endpoint.endpointId, endpoint.calls, endpoint.busy, endpoint.state]), [['default', 3, 0, 'in']]);
        assert.ok(summary.seconds > 0);

        const [firstPage, shown, shownDead, stats] = await Promise.all([
          holocron('jobs', 'list', '--limit', '2'),
          holocron('jobs', 'show', String(luke)),
          holocron('jobs', 'show', String(vader)),
          holocron('jobs', 'stats'),
        ]);
        const page = printed<JobListPage>(firstPage, shapes.jobListPage, 'jobs list');
        assert.deepEqual(page.jobs.map((job) => job.id), [palpatine, vader], 'newest first');
        assert.equal(page.nextBeforeId, vader);

        const details = printed<JobDetails>(shown, shapes.jobDetails, 'jobs show');
        const job: Job = details.job;
        assert.equal(job.id, luke);
        assert.equal(job.kind, 'interrogation');
        assert.equal(job.status, 'SUCCEEDED');
        assert.equal(job.dedupeKey, 'luke');
        assert.equal((job.input as { entity_id: string }).entity_id, 'luke_skywalker');
        assert.ok(job.completedAt! >= job.createdAt);
        assert.equal(details.attempts.length, 1);
        const attempt: Attempt = details.attempts[0]!;
        assert.equal(job.resultAttemptId, attempt.id);
        assert.equal(attempt.jobId, luke);
        assert.equal(attempt.number, 1);
        assert.equal(attempt.workerId, 'reader');
        assert.equal(attempt.status, 'SUCCEEDED');
        assert.equal(typeof attempt.metrics?.promptTokens, 'number', 'metrics, parsed');
        const outputFile = attempt.artifacts.find((artifact) => artifact.type === 'output')!;
        assert.equal(outputFile.path, path.join(directory, 'lake', outputFile.lakePath));
        assert.equal(outputFile.bytes, fs.statSync(outputFile.path).size);

        const dead = printed<JobDetails>(shownDead, shapes.jobDetails, 'jobs show (dead letter)');
        assert.equal(dead.job.status, 'DEADLETTER');
        assert.equal(dead.job.modelHint, 'llama9000:70b');
        assert.equal(dead.job.lastErrorCode, 'model_not_found');
        assert.equal(dead.attempts[0]!.errorCode, 'model_not_found');
        assert.equal(dead.attempts[0]!.output, null);

        const counted = printed<QueueStats>(stats, shapes.queueStats, 'jobs stats');
        assert.deepEqual(counted.byStatus, { NEW: 0, RUNNING: 0, RETRY: 0, SUCCEEDED: 1, DEADLETTER: 2 });
        assert.deepEqual(counted.attempts, { total: 3, succeeded: 1, failed: 2, abandoned: 0, deferred: 0 });

        const [refused, again, secondPage, retried, redriven] = await Promise.all([
          holocron('enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'character', '--entity-id', 'luke_skywalker', '--priority', '99999999999'),
          holocron('enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'character', '--entity-id', 'luke_skywalker', '--dedupe-key', 'luke'),
          holocron('jobs', 'list', '--limit', '2', '--before-id', String(page.nextBeforeId)),
          holocron('jobs', 'retry', String(vader)),
          holocron('jobs', 'redrive', '--run-label', 'palpatine'),
        ]);
        assert.equal(refused.code, 2, refused.stderr);
        const refusal = JSON.parse(refused.stdout) as EnqueueRefusal;
        assertShape(refusal, shapes.enqueueRefusal, 'enqueue (refused)');
        assert.equal(refusal.enqueued, 0);
        assert.deepEqual(refusal.problems.map((problem) => [problem.where, problem.line, problem.field]), [['flags', null, '--priority']]);
        assert.deepEqual(printed<EnqueueResult>(again, shapes.enqueueResult, 'enqueue (deduplicated)'), {
          enqueued: 0, deduplicated: 1, jobs: [{ id: luke, deduplicated: true }],
        });
        const older = printed<JobListPage>(secondPage, shapes.jobListPage, 'jobs list --before-id');
        assert.deepEqual(older.jobs.map((listed) => listed.id), [luke]);
        assert.equal(older.nextBeforeId, null, 'the last page');
        assert.deepEqual(printed<RetryResult>(retried, shapes.retryResult, 'jobs retry'), {
          jobId: vader, previousStatus: 'DEADLETTER', status: 'NEW', attemptCount: 0, maxAttempts: 3,
        });
        assert.deepEqual(printed<RedriveResult>(redriven, shapes.redriveResult, 'jobs redrive'), { redriven: 1, jobIds: [palpatine] });
      });
    });
  }
});
