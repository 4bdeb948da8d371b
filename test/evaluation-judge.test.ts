/**
 * The LLM-judge metric against the simulator over real HTTP: in `evaluate()` (asked through the provider
 * interface) and in a queued run (judge jobs enqueued as items are scored, verdicts recorded with their
 * attempts by any worker). The simulator's answer book gives each judgement a known verdict (keyed by the
 * phrase "evaluation item <id>" that only the judge's prompt contains), so the scores are known.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { starWarsDataset } from '../src/demo/star-wars-dataset.ts';
import { evaluate } from '../src/evaluations/evaluate.ts';
import { exactMatch } from '../src/evaluations/metrics/builtin-metrics.ts';
import { llmJudge } from '../src/evaluations/metrics/llm-judge.ts';
import { checkMetricSpecs } from '../src/evaluations/queue/metric-specs.ts';
import { startQueuedEvaluation } from '../src/evaluations/queue/start-queued-evaluation.ts';
import { getEvalRun } from '../src/evaluations/store/get-eval-run.ts';
import type { Holocron } from '../src/holocron.ts';
import { createOllamaProvider } from '../src/providers/ollama/create-ollama-provider.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { openTestHolocron } from './support/test-holocron.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

const items = starWarsDataset.slice(0, 6);
/** Even items are judged correct (score 1), odd ones incorrect (score 0.2). */
const verdictOf = (index: number) => (index % 2 === 0 ? { verdict: 'correct', score: 1, reason: 'matches' } : { verdict: 'incorrect', score: 0.2, reason: 'the homeworld is wrong' });

for (const dialect of dialects) {
  describe(`the LLM judge on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    let simulator: RunningSimulator;
    let holocron: Holocron;
    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('eval-judge');
      simulator = await startSimulator({
        answers: [
          ...items.map((item) => ({ key: String(item.id), answer: item.expected })),
          ...items.map((item, index) => ({ key: `evaluation item ${item.id}`, answer: verdictOf(index) })),
        ],
      });
      holocron = await openTestHolocron({ databaseUrl: test.url, lakeRoot, llmUrl: simulator.url });
    });
    after(async () => {
      await holocron?.close();
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    it('evaluate(): each answer graded by the model, with its prompt and raw answer kept', async () => {
      const provider = createOllamaProvider({ baseUrl: simulator.url });
      try {
        const judge = llmJudge({ provider, model: 'qwen2.5:7b', rubric: 'Right when the facts match.' });
        const run = () => evaluate({ database: test.database, task: async (_input, { item }) => item.expected, dataset: items, metrics: [exactMatch(), judge], project: 'judge' });
        const first = await run();
        const scores = first.record.scores.filter((score) => score.metric === 'llm_judge');
        assert.equal(scores.length, items.length);
        for (const [index, item] of items.entries()) {
          const score = scores.find((entry) => entry.itemKey === String(item.id))!;
          assert.equal(score.value, verdictOf(index).score);
          assert.equal(score.passed, index % 2 === 0);
          assert.equal(score.metricVersion, judge.version);
          const details = score.details as { prompt: string; rawAnswer: string; verdict: string };
          assert.match(details.prompt, new RegExp(`evaluation item ${item.id}`));
          assert.match(details.prompt, /Right when the facts match\./);
          assert.deepEqual(JSON.parse(details.rawAnswer), verdictOf(index), 'the raw answer as the model gave it');
        }
        assert.equal(first.aggregates.find((aggregate) => aggregate.metric === 'llm_judge')!.mean, (3 * 1 + 3 * 0.2) / 6);
        // Deterministic: the same run again grades the same.
        const again = (await run()).record.scores.filter((score) => score.metric === 'llm_judge').map((score) => score.value);
        assert.deepEqual(again, scores.map((score) => score.value));
        // Another rubric is another metric.
        assert.notEqual(llmJudge({ provider, model: 'qwen2.5:7b' }).version, judge.version);
      } finally {
        await provider.close();
      }
    });

    it('a queued run: judge jobs made as items are scored, verdicts recorded by any worker, the run complete after the last', async () => {
      const metrics = checkMetricSpecs([{ type: 'exact_match' }, { type: 'llm_judge', model: 'qwen2.5:7b' }], 'test');
      const { runId } = await startQueuedEvaluation(holocron, { items, interrogation: 'sw_entity_facts_v1', model: 'qwen2.5:7b', datasetName: 'sw', metrics });
      await holocron.createWorker({ mode: 'drain' }).run();
      const { run, aggregates } = await getEvalRun(test.database, runId);
      assert.equal(run.status, 'completed');
      assert.equal(aggregates.find((aggregate) => aggregate.metric === 'llm_judge')!.mean, (3 * 1 + 3 * 0.2) / 6);
      const judgeJobs = await test.database.db.selectFrom('jobs').select(['status', 'interrogation_key']).where('run_label', '=', `evaljudge:${runId}`).execute();
      assert.equal(judgeJobs.length, items.length);
      assert.ok(judgeJobs.every((job) => job.status === 'SUCCEEDED' && job.interrogation_key === 'eval_judge_v1'));
      const score = await test.database.db.selectFrom('eval_scores').select(['details', 'metric_version']).where('run_id', '=', runId).where('metric', '=', 'llm_judge').where('item_key', '=', String(items[1]!.id)).executeTakeFirstOrThrow();
      const details = JSON.parse(score.details!) as { prompt: string; rawAnswer: string; attemptId: string; verdict: string };
      assert.equal(details.verdict, 'incorrect');
      assert.match(details.prompt, new RegExp(`evaluation item ${items[1]!.id}`));
      assert.deepEqual(JSON.parse(details.rawAnswer), verdictOf(1));
      assert.equal(score.metric_version, JSON.parse(run.metric_versions).llm_judge);

      // A judge that cannot answer (no such model): its judgements dead-letter, the scores say why, the run still completes.
      const broken = await startQueuedEvaluation(holocron, { items: items.slice(0, 2), interrogation: 'sw_entity_facts_v1', model: 'qwen2.5:7b', datasetName: 'sw', metrics: checkMetricSpecs([{ type: 'llm_judge', model: 'no-such-judge:1b' }], 'test') });
      await holocron.createWorker({ mode: 'drain' }).run();
      const failedJudge = await getEvalRun(test.database, broken.runId);
      assert.equal(failedJudge.run.status, 'completed');
      const errors = await test.database.db.selectFrom('eval_scores').select(['value', 'details']).where('run_id', '=', broken.runId).where('metric', '=', 'llm_judge').execute();
      assert.equal(errors.length, 2);
      assert.ok(errors.every((entry) => entry.value === null && /the judge failed/.test(entry.details!)), JSON.stringify(errors));
    });
  });
}
