/**
 * `holocron work --once | --drain | --loop`: runs a worker over the queue. SIGINT/SIGTERM stops
 * claiming, gives back jobs not yet started and lets attempts in flight finish; a second signal cuts
 * them off.
 */
import { Command, Option } from 'commander';
import { toWorkerRunSummary } from '../../read-models/worker-run-summary.ts';
import type { WorkerMode } from '../../worker/worker.ts';
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
}

export function registerWorkCommand(program: Command): void {
  const work = program
    .command('work')
    .description('Run a worker: claim jobs, call the model, validate, keep everything in the lake')
    .addOption(new Option('--once', 'process one job, then exit').conflicts(['loop', 'drain']))
    .addOption(new Option('--drain', 'process until no job is ready, then exit').conflicts(['loop', 'once']))
    .addOption(new Option('--loop', 'run until stopped, polling when the queue is empty').conflicts(['once', 'drain']));
  addConfigFlags(work, [...workerFlags, ...ollamaFlags, ...backendFlags, ...generationFlags, ...cacheFlags]);
  work
    .option('--json', 'print the summary as JSON')
    .option('--no-migrate', 'change no schema: refuse to start if the database is not migrated (`holocron db migrate`)')
    .action(async (flags: WorkFlags, command: Command) => {
      const modes = (['once', 'drain', 'loop'] as const).filter((mode) => flags[mode]);
      if (modes.length !== 1) throw new UsageError('say how long to work: --once, --drain or --loop');
      const mode: WorkerMode = modes[0]!;
      const context = contextFrom(command);
      await withHolocron(context, async (holocron) => {
        // Progress for people watching a long run: a line every 10 s when something happened, and
        // every attempt's outcome with --verbose.
        const progress = { succeeded: 0, failed: 0, deadLettered: 0, refused: 0 };
        let reported = '';
        const worker = holocron.createWorker({
          mode,
          logger: context.logger,
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
          if (flags.json) process.stdout.write(`${JSON.stringify(toWorkerRunSummary(summary, seconds))}\n`);
          else {
            process.stdout.write(
              `Worker finished in ${seconds.toFixed(1)} s: ${summary.claimed} claimed, ${summary.succeeded} succeeded, ` +
                `${summary.failed} failed attempts (${summary.deadLettered} dead-lettered), ${summary.refused} refused (lease lost), ` +
                `${summary.released} released, ${summary.reaped} expired leases taken back` +
                (summary.unrecorded > 0 ? `, ${summary.unrecorded} outcomes could not be recorded (their jobs will run again)` : '') +
                (summary.lost > 0 ? `, ${summary.lost} dropped unstarted (lease lost)` : '') +
                '.\n',
            );
          }
        } finally {
          clearInterval(progressTimer);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }, { migrate: flags.migrate === false ? 'check' : true });
    });
}
