/**
 * Queued evaluations end to end, on both databases: items run as interrogation jobs against the simulator
 * with known answers over real HTTP; each item is scored when its job is done; the last one completes
 * the run. Two simulated models of known accuracy differ as they should.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { starWarsDataset } from '../src/demo/star-wars-dataset.ts';
import { drainEvaluation, scoreEvalRun } from '../src/evaluations/queue/drain-evaluation.ts';
import { checkMetricSpecs, defaultMetricSpecs } from '../src/evaluations/queue/metric-specs.ts';
import { startQueuedEvaluation } from '../src/evaluations/queue/start-queued-evaluation.ts';
import { compareEvalRuns } from '../src/evaluations/store/compare-eval-runs.ts';
import { getEvalRun } from '../src/evaluations/store/get-eval-run.ts';
import { listEvalItems } from '../src/evaluations/store/list-eval-items.ts';
import type { Holocron } from '../src/holocron.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { openTestHolocron } from './support/test-holocron.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

const items = starWarsDataset.slice(0, 12);

for (const dialect of dialects) {
  describe(`queued evaluations on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    let simulator: RunningSimulator;
    let holocron: Holocron;
    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('eval-lake');
      simulator = await startSimulator({
        answers: items.map((item) => ({ key: String(item.id), answer: item.expected })),
        accuracy: { 'llama3.2:latest': 0.5, 'qwen2.5:7b': 1 },
      });
      holocron = await openTestHolocron({ databaseUrl: test.url, lakeRoot, llmUrl: simulator.url });
    });
    after(async () => {
      await holocron?.close();
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    const start = (model: string, extra: Record<string, unknown> = {}) =>
      startQueuedEvaluation(holocron, { items, interrogation: 'sw_entity_facts_v1', model, datasetName: 'star-wars.jsonl', project: 'demo', tags: ['queued'], metrics: defaultMetricSpecs([{ path: 'facts', key: 'fact_key' }]), ...extra });

    it('runs items as jobs, scores each when its job is done, and completes the run with the last', async () => {
      const { runId, jobs } = await start('qwen2.5:7b', { repeats: 2 });
      assert.equal(jobs, 24);
      const running = await getEvalRun(test.database, runId);
      assert.equal(running.run.status, 'running');
      const seen: number[] = [];
      const final = await drainEvaluation(holocron, runId, { onProgress: (progress) => seen.push(progress.total - progress.pending) });
      assert.equal(final.pending, 0);
      assert.ok(seen.length >= 1 && seen.every((value, index) => index === 0 || value >= seen[index - 1]!), `progress never goes back: ${seen}`);
      const { run, aggregates } = await getEvalRun(test.database, runId);
      assert.equal(run.status, 'completed');
      assert.equal(run.item_count, 24);
      assert.equal(run.success_rate, 1);
      const mean = (metric: string) => aggregates.find((aggregate) => aggregate.metric === metric && aggregate.field === '')!.mean;
      assert.equal(mean('schema_valid'), 1);
      assert.equal(mean('facts.f1'), 1, 'accuracy 1: every fact right');
      assert.equal(mean('field_match'), 1);
      assert.ok(mean('latency')! >= 0);
      assert.ok(mean('tokens')! > 0);
      const items = await listEvalItems(test.database, runId, { limit: 100 });
      assert.ok(items.items.every((item) => item.job_id !== null && item.status === 'ok'));
      // Scoring again changes nothing: each item is scored once.
      assert.deepEqual(await scoreEvalRun(holocron, runId), { runId, scored: 0, pending: 0, total: 24, completed: null });
    });

    it('two models of known accuracy: the better one wins with an interval that excludes zero', async () => {
      const good = await start('qwen2.5:7b');
      await drainEvaluation(holocron, good.runId);
      const weak = await start('llama3.2:latest');
      await drainEvaluation(holocron, weak.runId);
      const weakRun = await getEvalRun(test.database, weak.runId);
      const f1 = weakRun.aggregates.find((aggregate) => aggregate.metric === 'facts.f1' && aggregate.field === '')!.mean!;
      assert.ok(f1 > 0.2 && f1 < 0.8, `about half of the facts right: ${f1}`);
      const comparison = await compareEvalRuns(test.database, [good.runId, weak.runId], good.runId);
      const metric = comparison.pairs[0]!.metrics.find((entry) => entry.metric === 'facts.f1')!;
      assert.equal(comparison.pairs[0]!.aligned, 12);
      assert.ok(metric.delta! < 0 && metric.significantRegression, JSON.stringify(metric));
    });

    it('any worker scores: a plain worker with the run’s recorded metrics, a custom module metric included', async () => {
      const module = path.join(lakeRoot, 'entity-named.ts');
      fs.writeFileSync(module, `export default (settings) => ({ name: 'named', settings, binary: true, score: (input) => input.output !== null && JSON.stringify(input.output).includes(settings.word) });\n`);
      const specs = checkMetricSpecs([{ type: 'exact_match' }, { type: 'module', module: path.basename(module), settings: { word: 'fact_key' } }], 'test', lakeRoot);
      const { runId } = await start('qwen2.5:7b', { metrics: specs });
      const recorded = await getEvalRun(test.database, runId);
      assert.match(JSON.parse(recorded.run.metric_versions).named, /^module:named@/);
      await holocron.createWorker({ mode: 'drain' }).run(); // no drainEvaluation: the record hook scores
      const { run, aggregates } = await getEvalRun(test.database, runId);
      assert.equal(run.status, 'completed');
      assert.equal(aggregates.find((aggregate) => aggregate.metric === 'named')!.mean, 1);
      assert.equal(aggregates.find((aggregate) => aggregate.metric === 'exact_match')!.mean, 1);
      assert.equal(aggregates.find((aggregate) => aggregate.metric === 'latency'), undefined, 'only the configured metrics');

      // The module changes under a running run: workers refuse to mix versions, and the run says why.
      const second = await start('qwen2.5:7b', { metrics: specs });
      fs.writeFileSync(module, `export default (settings) => ({ name: 'named', binary: true, score: () => true });\n`);
      await holocron.createWorker({ mode: 'drain' }).run();
      const refused = await getEvalRun(test.database, second.runId);
      assert.equal(refused.run.status, 'failed');
      assert.match(refused.run.error!, /cannot score: metric named is module:named@\w+ in this process, but the run was started with module:named@\w+ \(its definition changed\)/);
      assert.equal((await listEvalItems(test.database, second.runId, { limit: 1 })).items[0]!.status, 'pending', 'nothing scored with the changed metric');
    });

    it('a run whose items all dead-letter is failed; bad requests leave nothing behind', async () => {
      const { runId } = await start('no-such-model:1b');
      await drainEvaluation(holocron, runId);
      const { run } = await getEvalRun(test.database, runId);
      assert.equal(run.status, 'failed');
      assert.equal(run.success_count, 0);
      const items = await listEvalItems(test.database, runId, { limit: 1 });
      assert.match(items.items[0]!.error!, /not found/);
      const before = (await test.database.db.selectFrom('eval_runs').select('id').execute()).length;
      await assert.rejects(startQueuedEvaluation(holocron, { items: [{ id: 'x', input: { entity_type: 'nope', entity_id: 'x' }, expected: {} }], interrogation: 'sw_entity_facts_v1', datasetName: 'bad', metrics: [] }));
      assert.equal((await test.database.db.selectFrom('eval_runs').select('id').execute()).length, before, 'the run was removed with its refused jobs');
    });
  });
}
