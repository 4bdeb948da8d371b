/**
 * `holocron work --once | --drain | --loop`: runs a worker over the queue. SIGINT/SIGTERM stops
 * claiming, gives back jobs not yet started and lets attempts in flight finish; a second signal cuts
 * them off. Exit codes: 0 done; 1 an error (e.g. no LLM server answering at start, for --once and
 * --drain); 3 --drain stopped at --max-wait-seconds with jobs still waiting to retry.
 */
import { Command, Option } from 'commander';
import { describeWorkerRun, toWorkerRunSummary } from '../../read-models/worker-run-summary.ts';
import { positiveNumberOption } from '../option-parsers.ts';
import type { WorkerMode } from '../../worker/worker.ts';
import { limitWorkerHeapGrowth } from '../../worker/worker-heap.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatSchemaWarnings } from '../../schema-checks/schema-warnings.ts';
import { addConfigFlags, backendFlags, cacheFlags, generationFlags, ollamaFlags, workerFlags } from '../config-flags.ts';

interface WorkFlags {
  once?: boolean;
  loop?: boolean;
  drain?: boolean;
  json?: boolean;
  /** False with --no-migrate. */
  migrate?: boolean;
  maxWaitSeconds?: number;
}

/** `--drain` stopped at --max-wait-seconds with work left. */
export const stoppedWithWorkLeftExitCode = 3;

export function registerWorkCommand(program: Command): void {
  const work = program
    .command('work')
    .description('Run a worker: claim jobs, call the model, validate, keep everything in the lake')
    .addOption(new Option('--once', 'process one job, then exit').conflicts(['loop', 'drain']))
    .addOption(new Option('--drain', 'finish the work: process until no job is ready, none waits to retry and nothing is in hand (jobs scheduled for later are not waited for)').conflicts(['loop', 'once']))
    .addOption(new Option('--loop', 'run until stopped, polling when the queue is empty').conflicts(['once', 'drain']));
  addConfigFlags(work, [...workerFlags, ...ollamaFlags, ...backendFlags, ...generationFlags, ...cacheFlags]);
  work
    .option('--max-wait-seconds <s>', '--drain: wait at most this long (from the start) for jobs waiting to retry; then stop, exit 3', positiveNumberOption)
    .option('--json', 'print the summary as JSON')
    .option('--no-migrate', 'change no schema: refuse to start if the database is not migrated (`holocron db migrate`)')
    .action(async (flags: WorkFlags, command: Command) => {
      const modes = (['once', 'drain', 'loop'] as const).filter((mode) => flags[mode]);
      if (modes.length !== 1) throw new UsageError('say how long to work: --once, --drain or --loop');
      const mode: WorkerMode = modes[0]!;
      if (flags.maxWaitSeconds !== undefined && mode !== 'drain') throw new UsageError('--max-wait-seconds goes with --drain');
      const context = contextFrom(command);
      limitWorkerHeapGrowth();
      await withHolocron(context, async (holocron) => {
        // Progress for people watching a long run: a line every 10 s when something happened, and
        // every attempt's outcome with --verbose.
        const progress = { succeeded: 0, failed: 0, deadLettered: 0, refused: 0 };
        let reported = '';
        const worker = holocron.createWorker({
          mode,
          logger: context.logger,
          ...(flags.maxWaitSeconds === undefined ? {} : { maxWaitSeconds: flags.maxWaitSeconds }),
          onRecorded: (outcomes, deadLettered, refused) => {
            for (const outcome of outcomes) {
              const runId = outcome.held.runId;
              if (refused.has(runId)) progress.refused++;
              else if (outcome.kind === 'succeeded') progress.succeeded++;
              else progress.failed++;
              if (deadLettered.has(runId)) progress.deadLettered++;
              context.logger.debug(
                { jobId: outcome.held.jobId, runId, attempt: outcome.attempt, outcome: refused.has(runId) ? 'refused' : outcome.kind, ...(outcome.kind === 'failed' ? { error: outcome.error.code } : {}) },
                'attempt recorded',
              );
            }
          },
        });
        const progressTimer = setInterval(() => {
          const now = JSON.stringify(progress);
          if (now !== reported) context.logger.info(progress, 'progress');
          reported = now;
        }, 10_000);
        progressTimer.unref();
        const onSignal = (signal: NodeJS.Signals) => {
          context.logger.info({ signal }, worker.stopping ? 'stopping now: cutting off attempts in flight' : 'stopping: finishing attempts in flight (signal again to cut them off)');
          worker.stop();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        // Interrogations from a folder: say which of their schema keywords the endpoints will not enforce while decoding.
        const ownInterrogations = holocron.registry.list().filter((interrogation) => interrogation.source !== 'builtin').map((interrogation) => interrogation.key);
        if (ownInterrogations.length > 0) {
          for (const line of formatSchemaWarnings(holocron.schemaWarnings({ interrogations: ownInterrogations }))) context.logger.warn(line.replace(/^warning: /, ''));
        }
        context.logger.info(
          {
            mode,
            database: holocron.database.displayUrl,
            endpoints: holocron.providers.endpoints.map((endpoint) => `${endpoint.id}=${endpoint.baseUrl}`),
            lake: holocron.lake.location,
            concurrency: holocron.config.worker.concurrency,
          },
          'worker starting',
        );
        const started = performance.now();
        try {
          const summary = await worker.run();
          const seconds = (performance.now() - started) / 1000;
          const run = toWorkerRunSummary(summary, seconds);
          process.stdout.write(flags.json ? `${JSON.stringify(run)}\n` : describeWorkerRun(run));
          if (summary.stoppedWithWorkLeft) process.exitCode = stoppedWithWorkLeftExitCode;
        } finally {
          clearInterval(progressTimer);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }, { migrate: flags.migrate === false ? 'check' : true });
    });
}
