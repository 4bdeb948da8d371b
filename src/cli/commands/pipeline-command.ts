/** `holocron pipeline run | status | rebuild`: multi-stage pipelines over the documents index. */
import fs from 'node:fs';
import { Command } from 'commander';
import type { Holocron } from '../../holocron.ts';
import { loadPipelineFile, parsePipeline, PipelineFileError, type PipelineDefinition } from '../../pipelines/pipeline-definition.ts';
import { pipelineStatus } from '../../pipelines/pipeline-status.ts';
import { generationOf } from '../../pipelines/current-definitions.ts';
import { PipelineTaskError, type TaskSettings } from '../../pipelines/pipeline-tasks.ts';
import { rebuildStale } from '../../pipelines/rebuild-stale.ts';
import { starWarsPipelineFile } from '../../pipelines/star-wars-pipeline.ts';
import { PipelineRunError, startPipelineRun, type PipelineItem } from '../../pipelines/start-pipeline-run.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatTable, formatTime } from '../format-table.ts';

const readOnly = { migrate: 'check' } as const;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function settingsOf(holocron: Holocron): TaskSettings {
  return { registry: holocron.registry, evidenceRoot: holocron.config.evidence.root, defaults: holocron.config.queue };
}

export function registerPipelineCommand(program: Command): void {
  const pipeline = program.command('pipeline').description('Multi-stage pipelines: each success hands off to the next stage');

  pipeline
    .command('run [file]')
    .description('Enqueue the first stage of a pipeline (JSON or YAML file) for every input item')
    .option('--example <name>', 'a built-in pipeline instead of a file: star-wars')
    .option('--inputs <file>', 'input items, one JSON object per line (an "id" or "entity_id" each) (required)')
    .option('--run-label <label>', 'the run label of every job and document (default: <pipeline name>-<date and time>)')
    .option('--cache <mode>', "the jobs' cache mode, carried to every stage: off, read, write or readwrite (default: the worker's)")
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  holocron pipeline run --example star-wars --inputs entities.jsonl --run-label sw-1\n  holocron work --drain\n  holocron pipeline status --run-label sw-1')
    .action(async (file: string | undefined, flags: { example?: string; inputs?: string; runLabel?: string; cache?: string; json?: boolean }, command: Command) => {
      if (!flags.inputs) throw new UsageError('pipeline run needs --inputs FILE');
      if (flags.cache !== undefined && !['off', 'read', 'write', 'readwrite'].includes(flags.cache)) {
        throw new UsageError(`--cache must be off, read, write or readwrite, not "${flags.cache}"`);
      }
      if (!file && !flags.example) throw new UsageError('give a pipeline file, or --example star-wars');
      if (file && flags.example) throw new UsageError('give a pipeline file or --example, not both');
      if (flags.example && flags.example !== 'star-wars') throw new UsageError(`unknown example "${flags.example}"; known: star-wars`);
      const items = readItems(flags.inputs);
      await withHolocron(contextFrom(command), async (holocron) => {
        const check = { hasInterrogation: (key: string) => holocron.registry.has(key) };
        let definition: PipelineDefinition;
        try {
          definition = file ? loadPipelineFile(file, check) : parsePipeline(starWarsPipelineFile, check, 'the star-wars example');
        } catch (error) {
          if (error instanceof PipelineFileError) throw new UsageError(error.message);
          throw error;
        }
        const runLabel = flags.runLabel ?? `${definition.name}-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
        try {
          const cache = flags.cache as 'off' | 'read' | 'write' | 'readwrite' | undefined;
          const started = await startPipelineRun(holocron.database, definition, items, runLabel, settingsOf(holocron), { cache });
          if (flags.json) return printJson(started);
          process.stdout.write(
            `Pipeline ${definition.name} (${definition.stages.map((stage) => stage.name).join(' → ')}), run label ${runLabel}: ` +
              `${started.enqueued} ${definition.stages[0]!.name} job${started.enqueued === 1 ? '' : 's'} enqueued for ${started.items} items` +
              (started.existing > 0 ? ` (${started.existing} were already there)` : '') +
              '.\nRun `holocron work --drain`; each success enqueues its next stage.\n',
          );
        } catch (error) {
          if (error instanceof PipelineRunError || error instanceof PipelineTaskError) throw new UsageError(error.message);
          throw error;
        }
      });
    });

  pipeline
    .command('status')
    .description('Progress of pipeline runs, per stage')
    .option('--run-label <label>', 'only this run')
    .option('--json', 'print JSON')
    .action(async (flags: { runLabel?: string; json?: boolean }, command: Command) => {
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const runs = await pipelineStatus(holocron.database, { runLabel: flags.runLabel });
          if (flags.json) return printJson(runs);
          if (runs.length === 0) return void process.stdout.write(flags.runLabel ? `No pipeline run labelled ${flags.runLabel}.\n` : 'No pipeline runs.\n');
          const blocks = runs.map(
            (run) =>
              `${run.name}  run label ${run.runLabel}  started ${formatTime(run.createdAt)}  ${run.finished ? 'finished' : 'in progress'}\n` +
              formatTable(
                ['stage', 'tasks', 'new', 'running', 'retry', 'succeeded', 'dead letter', 'refused', 'documents'],
                run.stages.map((stage) => [
                  stage.stage,
                  stage.tasks,
                  stage.jobs.NEW,
                  stage.jobs.RUNNING,
                  stage.jobs.RETRY,
                  stage.jobs.SUCCEEDED,
                  stage.jobs.DEADLETTER,
                  stage.refused,
                  stage.documents,
                ]),
              ),
          );
          process.stdout.write(`${blocks.join('\n\n')}\n`);
        },
        readOnly,
      );
    });

  pipeline
    .command('rebuild')
    .description('Enqueue again what is stale (newer parent, changed template, schema or model), parents before children')
    .option('--stale', 'rebuild the stale documents (the only mode; required)')
    .option('--run-label <label>', 'only this run')
    .option('--dry-run', 'say what would be rebuilt; enqueue nothing')
    .option('--json', 'print JSON')
    .action(async (flags: { stale?: boolean; runLabel?: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      if (!flags.stale) throw new UsageError('pipeline rebuild needs --stale (the only mode)');
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const report = await rebuildStale(holocron.database, settingsOf(holocron), { runLabel: flags.runLabel, dryRun: flags.dryRun, generation: generationOf(holocron.config) });
          if (flags.json) return printJson(report);
          if (report.stale.length === 0) return void process.stdout.write('Nothing is stale.\n');
          const lines = [
            `${report.dryRun ? 'Would rebuild' : 'Rebuilt'} ${report.rebuilt.length} stale document${report.rebuilt.length === 1 ? '' : 's'}` +
              (report.dryRun ? '' : ` (${report.enqueued} job${report.enqueued === 1 ? '' : 's'} enqueued)`) +
              `; ${report.followParent.length} more follow their rebuilt parent through the hand-off.`,
          ];
          if (report.rebuilt.length > 0) {
            lines.push(formatTable(['doc_id', 'stage', 'task', 'why'], report.rebuilt.map((entry) => [entry.docId, entry.stage, entry.taskId, entry.reasons.join(', ')])));
          }
          if (report.notFromPipeline.length > 0) lines.push(`Not made by a pipeline, so not rebuilt: ${report.notFromPipeline.join(', ')}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        },
        flags.dryRun ? readOnly : {},
      );
    });
}

function readItems(file: string): PipelineItem[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--inputs: cannot read ${file}: ${(error as Error).message}`);
  }
  const items: PipelineItem[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    try {
      const value: unknown = JSON.parse(line);
      if (!value || typeof value !== 'object' || Array.isArray(value)) problems.push(`${where}: not a JSON object`);
      else items.push({ where, item: value as Record<string, unknown> });
    } catch (error) {
      problems.push(`${where}: not valid JSON (${(error as Error).message})`);
    }
  });
  if (problems.length > 0) throw new UsageError(`nothing was enqueued:\n  ${problems.slice(0, 20).join('\n  ')}`);
  if (items.length === 0) throw new UsageError(`--inputs: ${file} holds no items`);
  return items;
}
