/**
 * Issue 10, point 3 on real SQLite and PostgreSQL against the simulator over HTTP: `replay` sends an
 * attempt's stored request bytes (refusing a request.json whose sha256 no longer matches) and records the
 * answer as a new attempt linked to the old one; `replay --rebuild` re-derives the request byte for byte
 * for attempts of every built-in interrogation (the Star Wars pipeline: facts, essay, evaluation) and for
 * a retry whose prompt carries the validation feedback; `diff` explains what differs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import type { JobRequest } from '../src/pipeline/job-request.ts';
import { parsePipeline } from '../src/pipelines/pipeline-definition.ts';
import { starWarsPipelineFile } from '../src/pipelines/star-wars-pipeline.ts';
import { startPipelineRun } from '../src/pipelines/start-pipeline-run.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { diffAttempts } from '../src/reproducibility/diff-attempts.ts';
import { rebuildRequest } from '../src/reproducibility/rebuild-request.ts';
import { replayAttempt } from '../src/reproducibility/replay-attempt.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const items = [
  { entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['Luke Skywalker was a human male Jedi born on Tatooine in 19 BBY.'] },
  { entity_type: 'droid', entity_id: 'r2_d2', evidence: ['R2-D2 was an astromech droid made by Industrial Automaton.'] },
];

const chats = (simulator: RunningSimulator) => simulator.stats().requestsByRoute['POST /api/chat'] ?? 0;

async function drain(holocron: Holocron): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await holocron.createWorker({ mode: 'drain' }).run();
    const stats = await jobStats(holocron.database);
    if (stats.byStatus.NEW + stats.byStatus.RETRY + stats.byStatus.RUNNING === 0) return;
  }
  throw new Error('the queue did not settle');
}

for (const dialect of dialects) {
  describe(`replay, rebuild and diff on ${dialect}`, () => {
    let test: TestDatabase;
    let workspace: string;
    let simulator: RunningSimulator;
    let other: RunningSimulator;
    let holocron: Holocron;

    const replay = (attempt: string, options: { endpoint?: string; model?: string } = {}) =>
      replayAttempt({ ...holocron, enqueue: (requests) => holocron.enqueue(requests as JobRequest[]) }, attempt, { ...options, workerId: 'replay-test' });

    before(async () => {
      test = await createTestDatabase(dialect);
      workspace = makeTempDirectory('replay');
      simulator = await startSimulator();
      other = await startSimulator();
      holocron = await openHolocron(
        testConfig({
          'database.url': test.url,
          'lake.root': path.join(workspace, 'lake'),
          'ollama.baseUrl': simulator.url,
          'ollama.seed': 11,
          'worker.concurrency': 4,
          'worker.pollSeconds': 0.05,
          'retry.baseDelaySeconds': 0.01,
          'retry.maxDelaySeconds': 0.05,
        }),
      );
      const definition = parsePipeline(starWarsPipelineFile, { hasInterrogation: (key) => holocron.registry.has(key) });
      const settings = { registry: holocron.registry, evidenceRoot: workspace, defaults: holocron.config.queue };
      await startPipelineRun(holocron.database, definition, items.map((item, index) => ({ where: `item ${index + 1}`, item })), 'sw', settings);
      await drain(holocron);
    });
    after(async () => {
      await holocron?.close();
      await simulator?.close();
      await other?.close();
      await test?.destroy();
      fs.rmSync(workspace, { recursive: true, force: true });
    });

    const attemptsOf = (interrogation: string) =>
      holocron.database.db
        .selectFrom('runs')
        .innerJoin('jobs', 'jobs.id', 'runs.job_id')
        .select(['runs.id', 'runs.status', 'runs.attempt'])
        .where('jobs.interrogation_key', '=', interrogation)
        .where('jobs.kind', '=', 'interrogation')
        .orderBy('runs.started_at')
        .execute();

    it('rebuilds the request of an attempt of every built-in interrogation byte for byte', async () => {
      for (const interrogation of ['sw_entity_facts_v1', 'sw_entity_essay_v1', 'sw_essay_evaluation_v1']) {
        const attempts = await attemptsOf(interrogation);
        assert.ok(attempts.length >= 2, `${interrogation} ran`);
        for (const attempt of attempts) {
          const report = await rebuildRequest(holocron, attempt.id);
          assert.equal(report.identical, true, `${interrogation} ${attempt.id}: ${JSON.stringify(report.firstDifference)}`);
          assert.equal(report.wireRebuilt, true);
          assert.match(report.definition, /^stored definition [0-9a-f]{64}$/);
        }
      }
    });

    it('rebuilds a retry whose prompt told the model why its previous answer was rejected', async () => {
      const faulty = await startSimulator({ faults: { schemaViolation: 1 } });
      const retrying = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': path.join(workspace, 'lake'), 'ollama.baseUrl': faulty.url, 'retry.baseDelaySeconds': 0.01, 'retry.maxDelaySeconds': 0.02 }));
      try {
        const [job] = await retrying.enqueue([{ interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: 'han_solo', evidence: ['Han Solo flew the Falcon.'], max_attempts: 2 }]);
        await drain(retrying);
        const runs = await retrying.database.db.selectFrom('runs').selectAll().where('job_id', '=', job!.id).orderBy('attempt').execute();
        assert.equal(runs.length, 2);
        assert.equal(runs[0]!.error_code, 'invalid_output');
        const report = await rebuildRequest(retrying, runs[1]!.id);
        assert.equal(report.previousFailure?.kind, 'invalid_output');
        assert.equal(report.identical, true, JSON.stringify(report.firstDifference));
        // The feedback is really in it: without it the rebuild would differ.
        const stored = fs.readFileSync(path.join(workspace, 'lake', runs[1]!.lake_dir!, 'request.json'), 'utf8');
        assert.ok(stored.includes(runs[0]!.error!.split('\n')[0]!.slice(0, 40).replace(/"/g, '\\"')));
      } finally {
        await retrying.close();
        await faulty.close();
      }
    });

    it('shows the first difference when the lake’s request no longer matches its derivation', async () => {
      const [attempt] = await attemptsOf('sw_entity_facts_v1');
      const run = await holocron.database.db.selectFrom('runs').selectAll().where('id', '=', attempt!.id).executeTakeFirstOrThrow();
      // The job's input is changed behind the lake's back (same evidence): the rendered prompt differs.
      const job = await holocron.database.db.selectFrom('jobs').select(['id', 'input']).where('id', '=', run.job_id).executeTakeFirstOrThrow();
      const input = JSON.parse(job.input);
      await holocron.database.db.updateTable('jobs').set({ input: JSON.stringify({ ...input, entity_id: 'luke_skywalkerX' }) }).where('id', '=', job.id).execute();
      try {
        const report = await rebuildRequest(holocron, attempt!.id);
        assert.equal(report.identical, false);
        assert.ok(report.firstDifference!.offset > 0);
        assert.ok(report.firstDifference!.rebuilt.includes('X') || report.firstDifference!.lake !== report.firstDifference!.rebuilt);
      } finally {
        await holocron.database.db.updateTable('jobs').set({ input: job.input }).where('id', '=', job.id).execute();
      }
    });

    it('replays the stored bytes and records the answer as a new attempt linked to the old one', async () => {
      const [attempt] = await attemptsOf('sw_entity_facts_v1');
      const source = await holocron.database.db.selectFrom('runs').selectAll().where('id', '=', attempt!.id).executeTakeFirstOrThrow();
      const stored = JSON.parse(fs.readFileSync(path.join(workspace, 'lake', source.lake_dir!, 'request.json'), 'utf8'));
      const before = chats(simulator);
      const result = await replay(source.id);
      assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
      assert.equal(chats(simulator), before + 1);
      assert.equal(result.exactBytes, true);
      assert.equal(result.sentSha256, createHash('sha256').update(JSON.stringify(stored.wire.body)).digest('hex'));
      const run = await holocron.database.db.selectFrom('runs').selectAll().where('id', '=', result.runId).executeTakeFirstOrThrow();
      assert.equal(run.source_kind, 'replay');
      assert.equal(run.source_run_id, source.id);
      assert.equal(run.fingerprint, source.fingerprint);
      const job = await holocron.database.db.selectFrom('jobs').selectAll().where('id', '=', result.jobId).executeTakeFirstOrThrow();
      assert.equal(job.kind, 'replay');
      assert.equal(job.status, 'SUCCEEDED');
      assert.equal(Number(job.parent_job_id), Number(source.job_id));
      const sent = JSON.parse(fs.readFileSync(path.join(workspace, 'lake', run.lake_dir!, 'request.json'), 'utf8'));
      assert.deepEqual(sent.wire.body, stored.wire.body);

      // Same seed, same simulator: the same answer. diff says nothing changed but the endpoint's attempt.
      const diff = await diffAttempts(holocron, source.id, result.runId);
      assert.equal(diff.sameFingerprint, true);
      assert.equal(diff.prompt.same, true);
      assert.equal(diff.schema.same, true);
      assert.equal(diff.output.same, true, JSON.stringify(diff.output.changes));

      // To another server, and with another model.
      const otherBefore = chats(other);
      const moved = await replay(source.id.slice(0, 8), { endpoint: other.url, model: 'qwen2.5:7b' });
      assert.equal(moved.status, 'SUCCEEDED', JSON.stringify(moved.error));
      assert.equal(chats(other), otherBefore + 1);
      assert.equal(moved.exactBytes, false);
      const movedDiff = await diffAttempts(holocron, source.id, moved.runId);
      assert.ok(movedDiff.model.changes.some((change) => change.path === '/name'), JSON.stringify(movedDiff.model));
      assert.ok(movedDiff.endpoint.changes.some((change) => change.path === '/baseUrl'));
    });

    it('diffs two attempts of different calls: the prompt line and the output fields that changed', async () => {
      const [luke, r2] = await attemptsOf('sw_entity_facts_v1');
      const diff = await diffAttempts(holocron, luke!.id, r2!.id);
      assert.equal(diff.sameFingerprint, false);
      assert.equal(diff.prompt.same, false);
      assert.ok(diff.prompt.messages.some((message) => message.firstDifferentLine !== undefined));
      assert.equal(diff.schema.same, true);
      assert.equal(diff.output.same, false);
      assert.ok(diff.output.changes.some((change) => change.path === '/entity_id'), JSON.stringify(diff.output.changes.slice(0, 5)));
    });

    it('refuses to replay a request.json whose bytes no longer match their recorded sha256, and enqueues nothing', async () => {
      const [, attempt] = await attemptsOf('sw_entity_facts_v1');
      const source = await holocron.database.db.selectFrom('runs').selectAll().where('id', '=', attempt!.id).executeTakeFirstOrThrow();
      const file = path.join(workspace, 'lake', source.lake_dir!, 'request.json');
      const original = fs.readFileSync(file);
      const flipped = Buffer.from(original);
      flipped[100] = flipped[100]! ^ 1;
      fs.writeFileSync(file, flipped);
      const jobsBefore = (await jobStats(holocron.database)).total;
      const before = chats(simulator);
      try {
        await assert.rejects(replay(source.id), /not the file that was recorded/);
        await assert.rejects(rebuildRequest(holocron, source.id), /not the file that was recorded/);
        assert.equal(chats(simulator), before);
        assert.equal((await jobStats(holocron.database)).total, jobsBefore);
      } finally {
        fs.writeFileSync(file, original);
      }
    });
  });
}
