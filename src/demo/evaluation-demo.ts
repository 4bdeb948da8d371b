/**
 * The demo's last part: an evaluation of two models over the Star Wars set, and their comparison. It
 * always runs against the simulator given the set's ground truth as known answers, with two simulated
 * models of known accuracy — each field right with probability 0.6 and 0.9 — so the difference the
 * comparison finds (and its confidence interval) can be checked against what it must be.
 */
import type { HolocronConfig } from '../config/config-schema.ts';
import { formatComparison } from '../evaluations/format-comparison.ts';
import { drainEvaluation } from '../evaluations/queue/drain-evaluation.ts';
import { defaultMetricSpecs } from '../evaluations/queue/metric-specs.ts';
import { startQueuedEvaluation } from '../evaluations/queue/start-queued-evaluation.ts';
import { compareEvalRuns } from '../evaluations/store/compare-eval-runs.ts';
import { getEvalRun } from '../evaluations/store/get-eval-run.ts';
import { openHolocron } from '../holocron.ts';
import type { Logger } from '../logging/create-logger.ts';
import { startSimulator } from '../simulator/index.ts';
import { starWarsDataset } from './star-wars-dataset.ts';

export const demoModels = [
  { name: 'llama3.2:latest', accuracy: 0.6 },
  { name: 'qwen2.5:7b', accuracy: 0.9 },
] as const;

export async function runEvaluationDemo(config: HolocronConfig, options: { latencyMs: number; logger: Logger; write: (text: string) => void }): Promise<void> {
  const { write } = options;
  const simulator = await startSimulator({
    latencyMs: options.latencyMs,
    parallel: 4,
    models: demoModels.map((model) => model.name),
    answers: starWarsDataset.map((item) => ({ key: String(item.id), answer: item.expected })),
    accuracy: Object.fromEntries(demoModels.map((model) => [model.name, model.accuracy])),
  });
  const holocron = await openHolocron({ ...config, ollama: { ...config.ollama, baseUrl: simulator.url, model: null } });
  try {
    write(
      [
        '',
        `Evaluation: ${starWarsDataset.length} Star Wars items with their ground truth, run as jobs through the queue, twice:`,
        `against a simulator at ${simulator.url} that knows the answers and gets each field right with`,
        `probability ${demoModels.map((model) => `${model.accuracy} (${model.name})`).join(' and ')}.`,
      ].join('\n') + '\n',
    );
    const runIds: string[] = [];
    for (const model of demoModels) {
      const { runId } = await startQueuedEvaluation(holocron, {
        items: starWarsDataset,
        interrogation: 'sw_entity_facts_v1',
        model: model.name,
        name: `Star Wars facts with ${model.name}`,
        project: 'demo',
        tags: ['demo'],
        datasetName: 'star-wars',
        metrics: defaultMetricSpecs([{ path: 'facts', key: 'fact_key' }]),
      });
      await drainEvaluation(holocron, runId, { logger: options.logger });
      const { run, aggregates } = await getEvalRun(holocron.database, runId);
      const mean = (metric: string) => aggregates.find((aggregate) => aggregate.metric === metric && aggregate.field === '')?.mean ?? null;
      write(
        `  ${model.name.padEnd(16)} run ${runId.slice(0, 8)} ${run.status}: facts F1 ${mean('facts.f1')?.toFixed(3)}, fields right ${mean('field_match')?.toFixed(3)}, ` +
          `schema valid ${mean('schema_valid')?.toFixed(3)}\n`,
      );
      runIds.push(runId);
    }
    const comparison = await compareEvalRuns(holocron.database, runIds, runIds[0]);
    write(`\n${formatComparison(comparison)}\n`);
    const where = `--db ${holocron.database.displayUrl}`;
    write(`\nLook closer:\n  npx holocron ${where} runs search "demo project f1 > 0.8" --explain\n  npx holocron ${where} runs compare ${runIds.map((id) => id.slice(0, 8)).join(' ')} --fail-on-regression\n`);
  } finally {
    await holocron.close();
    await simulator.close();
  }
}
