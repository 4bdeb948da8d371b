/**
 * `holocron eval run`: an evaluation over a JSONL dataset whose items run through the queue as
 * interrogation jobs; `--drain` runs a worker in this process until every item is done and scored.
 * `holocron eval score <run>`: scores the finished items of a queued run now (any worker does it too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { readDataset } from '../../evaluations/dataset.ts';
import { checkMetricSpecs, defaultMetricSpecs, parseListSpec, type MetricSpec } from '../../evaluations/queue/metric-specs.ts';
import { drainEvaluation, scoreEvalRun } from '../../evaluations/queue/drain-evaluation.ts';
import { startQueuedEvaluation } from '../../evaluations/queue/start-queued-evaluation.ts';
import { getEvalRun, resolveEvalRunId } from '../../evaluations/store/get-eval-run.ts';
import type { Holocron } from '../../holocron.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { addConfigFlags, backendFlags, cacheFlags, ollamaFlags, workerFlags } from '../config-flags.ts';
import { collectOption, positiveIntegerOption } from '../option-parsers.ts';

interface EvalRunFlags {
  dataset?: string;
  interrogation?: string;
  model?: string;
  project?: string;
  tag?: string[];
  createdBy?: string;
  name?: string;
  description?: string;
  repeats: number;
  matchList?: string[];
  metrics?: string;
  drain?: boolean;
  concurrency?: number;
  json?: boolean;
  cache?: 'off' | 'read' | 'write' | 'readwrite';
}

async function summary(holocron: Holocron, runId: string): Promise<string> {
  const { run, aggregates } = await getEvalRun(holocron.database, runId);
  const whole = aggregates.filter((aggregate) => aggregate.field === '');
  const lines = [
    `Run ${run.id} ${run.status}: ${run.success_count}/${run.item_count} items answered (success rate ${run.success_rate === null ? '-' : `${(run.success_rate * 100).toFixed(1)}%`})` +
      `${run.duration_ms === null ? '' : ` in ${(Number(run.duration_ms) / 1000).toFixed(1)} s`}`,
  ];
  for (const aggregate of whole) {
    lines.push(`  ${aggregate.metric.padEnd(20)} mean ${aggregate.mean === null ? '-' : Number(aggregate.mean).toFixed(3)}${aggregate.pass_rate === null ? '' : `  pass rate ${Number(aggregate.pass_rate).toFixed(3)}`}  (n ${aggregate.count})`);
  }
  return lines.join('\n');
}

/** A --metrics file: its module paths are relative to the file. */
function readMetricSpecs(file: string): MetricSpec[] {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the metrics file ${file}: ${(error as Error).message}`);
  }
  return checkMetricSpecs(value, `the metrics file ${file}`, path.dirname(path.resolve(file)));
}

export function registerEvalCommand(program: Command): void {
  const evaluation = program.command('eval').description('Evaluations that run through the queue');

  const run = evaluation
    .command('run')
    .description('Evaluate an interrogation over a dataset (JSONL: {id?, input, evidence?, expected}); items run as jobs')
    .option('--dataset <file>', 'the dataset, one JSON item per line (required)')
    .option('-i, --interrogation <key>', 'the interrogation to run on each item (required)')
    .option('--project <name>', 'the project the run belongs to')
    .option('--tag <tag>', 'a tag (repeatable)', collectOption)
    .option('--created-by <who>', 'who ran it')
    .option('--name <name>', 'the run’s name')
    .option('--description <text>', 'what the run is for')
    .option('--repeats <n>', 'run each item this many times', positiveIntegerOption, 1)
    .option('--match-list <path:key>', 'score a list by key, e.g. facts:fact_key (repeatable)', collectOption)
    .option('--metrics <file>', 'the metrics, a JSON array of specs ({"type":"exact_match"}, {"type":"module","module":"./my-metric.ts"} …); recorded with the run, so every worker scores the same')
    .option('--drain', 'run a worker in this process until the run is complete')
    .option('--json', 'print JSON');
  // --model (also the run's model), --ollama-url, --concurrency …: the worker's settings, as for `work`.
  addConfigFlags(run, [...ollamaFlags, ...backendFlags, ...workerFlags, ...cacheFlags]);
  run.action(async (flags: EvalRunFlags, command: Command) => {
      const { dataset, interrogation } = flags;
      if (!dataset || !interrogation) throw new UsageError('eval run needs --dataset FILE and --interrogation KEY');
      const items = readDataset(dataset);
      const lists = (flags.matchList ?? []).map(parseListSpec);
      const metrics = flags.metrics ? [...readMetricSpecs(flags.metrics), ...lists.map((list): MetricSpec => ({ type: 'list_match', ...list }))] : defaultMetricSpecs(lists);
      const context = contextFrom(command);
      await withHolocron(context, async (holocron) => {
        const { runId, jobs } = await startQueuedEvaluation(holocron, {
          items,
          interrogation,
          model: flags.model,
          name: flags.name,
          description: flags.description,
          project: flags.project,
          tags: flags.tag,
          createdBy: flags.createdBy,
          datasetName: path.basename(dataset),
          repeats: flags.repeats,
          metrics,
          // --cache is the items' own mode too, for the workers that run them later.
          ...(flags.cache === undefined ? {} : { cache: flags.cache }),
        });
        if (!flags.json) process.stdout.write(`Run ${runId}: ${jobs} item${jobs === 1 ? '' : 's'} queued as jobs.\n`);
        if (!flags.drain) {
          if (flags.json) process.stdout.write(`${JSON.stringify({ runId, jobs, status: 'running' })}\n`);
          else process.stdout.write(`Workers run them (holocron work --drain) and score each item as its job finishes; see holocron runs show ${runId.slice(0, 8)}.\n`);
          return;
        }
        let last = '';
        const final = await drainEvaluation(holocron, runId, {
          logger: context.logger,
          onProgress: (progress) => {
            const line = `  scored ${progress.total - progress.pending}/${progress.total}`;
            if (!flags.json && line !== last) process.stderr.write(`${line}\n`);
            last = line;
          },
        });
        if (flags.json) {
          const details = await getEvalRun(holocron.database, runId);
          process.stdout.write(`${JSON.stringify({ runId, jobs, status: details.run.status, pending: final.pending, successRate: details.run.success_rate, aggregates: details.aggregates.filter((aggregate) => aggregate.field === '') })}\n`);
        } else {
          process.stdout.write(`${await summary(holocron, runId)}\n`);
          if (final.pending > 0) process.stdout.write(`${final.pending} items are not finished yet (jobs waiting to retry); workers will score them.\n`);
        }
      });
    });

  evaluation
    .command('score')
    .description('Score the finished items of a queued evaluation now, and complete it if none is left')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--json', 'print JSON')
    .action(async (idText: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const id = await resolveEvalRunId(holocron.database, idText);
        const progress = await scoreEvalRun(holocron, id);
        if (flags.json) process.stdout.write(`${JSON.stringify(progress)}\n`);
        else process.stdout.write(`Scored ${progress.scored} item${progress.scored === 1 ? '' : 's'}; ${progress.pending} still pending.\n${await summary(holocron, id)}\n`);
      });
    });
}
