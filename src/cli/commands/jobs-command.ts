/**
 * `holocron jobs list | stats | show | retry | redrive | failures`: inspect and manage the queue. `--json` prints
 * the library's read models as they are (`src/read-models/`).
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { jobStatuses, type JobStatus } from '../../database/database.ts';
import { jobStats } from '../../queue/job-stats.ts';
import { redriveDeadLetters } from '../../queue/redrive-dead-letters.ts';
import { retryJob } from '../../queue/retry-job.ts';
import { listJobPage, readJobDetails } from '../../read-models/read-jobs.ts';
import { failureGroupings, readFailureLedger, type FailureGrouping } from '../../read-models/failure-ledger.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { registerJobsPurgeCommand } from './jobs-purge-command.ts';
import { formatTable, formatTime, truncate } from '../format-table.ts';
import { positiveIntegerOption } from '../option-parsers.ts';

/** Reading commands never migrate: a missing or older schema is reported (run `holocron db migrate`). */
const readOnly = { migrate: 'check' } as const;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('Inspect and manage jobs');

  jobs
    .command('list')
    .description('List jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this state').choices([...jobStatuses]))
    .option('-i, --interrogation <key>', 'only this interrogation')
    .option('--run-label <label>', 'only this run label')
    .option('--limit <n>', 'how many (default 50)', positiveIntegerOption)
    .option('--before-id <id>', 'only jobs older than this id (the next page: nextBeforeId of --json)', positiveIntegerOption)
    .option('--json', 'print JSON: { jobs, nextBeforeId }')
    .action(
      async (
        flags: { status?: JobStatus; interrogation?: string; runLabel?: string; limit?: number; beforeId?: number; json?: boolean },
        command: Command,
      ) => {
        await withHolocron(contextFrom(command), async (holocron) => {
          const page = await listJobPage(holocron.database, {
            status: flags.status,
            interrogationKey: flags.interrogation,
            runLabel: flags.runLabel,
            limit: flags.limit,
            beforeId: flags.beforeId,
          });
          if (flags.json) return printJson(page);
          if (page.jobs.length === 0) return void process.stdout.write('No jobs.\n');
          process.stdout.write(
            `${formatTable(
              ['id', 'status', 'interrogation', 'priority', 'attempts', 'created', 'last error'],
              page.jobs.map((job) => [
                job.id,
                job.status,
                job.interrogationKey,
                job.priority,
                `${job.attemptCount}/${job.maxAttempts}`,
                formatTime(job.createdAt),
                job.lastError ? truncate(`[${job.lastErrorCode}] ${job.lastError}`, 60) : null,
              ]),
            )}\n` + (page.nextBeforeId !== null ? `More: --before-id ${page.nextBeforeId}\n` : ''),
          );
        }, readOnly);
      },
    );

  jobs
    .command('failures')
    .description('The structured-output failure ledger: which schema fields fail validation, how often, on which model')
    .addOption(new Option('--by <what>', 'group by schema field, model or interrogation').choices([...failureGroupings]).default('field'))
    .option('-i, --interrogation <key>', 'only this interrogation')
    .option('--model <name>', 'only this model')
    .option('--run-label <label>', 'only jobs with this run label')
    .option('--limit <n>', 'most rows (default 50)', positiveIntegerOption)
    .option('--json', 'print JSON: { by, rows }')
    .action(
      async (flags: { by: FailureGrouping; interrogation?: string; model?: string; runLabel?: string; limit?: number; json?: boolean }, command: Command) => {
        await withHolocron(contextFrom(command), async (holocron) => {
          const ledger = await readFailureLedger(holocron.database, flags.by, {
            interrogation: flags.interrogation,
            model: flags.model,
            runLabel: flags.runLabel,
            limit: flags.limit,
          });
          if (flags.json) return printJson(ledger);
          if (ledger.rows.length === 0) return void process.stdout.write('No checked answers failed validation.\n');
          const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
          if (ledger.by === 'field') {
            process.stdout.write(
              `${formatTable(
                ['interrogation', 'field', 'kind', 'keywords', 'failures', 'failed attempts', 'rate', 'by model'],
                ledger.rows.map((row) => [
                  row.interrogation,
                  row.field,
                  row.kind,
                  row.keywords.join(',') || null,
                  row.failures,
                  `${row.failedAttempts}/${row.checkedAttempts}`,
                  percent(row.rate),
                  row.models.map((model) => `${model.model ?? '?'}: ${model.failedAttempts}/${model.checkedAttempts}`).join('; '),
                ]),
              )}\n`,
            );
            return;
          }
          process.stdout.write(
            `${formatTable(
              [ledger.by, 'failed attempts', 'rate', 'failures', 'top fields'],
              ledger.rows.map((row) => [
                row.key,
                `${row.failedAttempts}/${row.checkedAttempts}`,
                percent(row.rate),
                row.failures,
                row.topFields.map((field) => `${ledger.by === 'model' ? `${field.interrogation}:` : ''}${field.field} (${field.failures})`).join(', ') || null,
              ]),
            )}\n`,
          );
        }, readOnly);
      },
    );

  jobs
    .command('stats')
    .description('Jobs by state, what is ready, attempts and tokens')
    .option('--run-label <label>', 'only this run label')
    .option('--json', 'print JSON')
    .action(async (flags: { runLabel?: string; json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const stats = await jobStats(holocron.database, { runLabel: flags.runLabel });
        if (flags.json) return printJson(stats);
        const lines = [
          `Jobs: ${stats.total}  ` + jobStatuses.map((status) => `${status} ${stats.byStatus[status]}`).join('  '),
          `Ready now: ${stats.readyNow}  waiting (scheduled or backing off): ${stats.waiting}  expired leases: ${stats.expiredLeases}` +
            (stats.oldestReadyCreatedAt !== null ? `  oldest ready since ${formatTime(stats.oldestReadyCreatedAt)}` : ''),
          `Attempts: ${stats.attempts.total}  succeeded ${stats.attempts.succeeded}  failed ${stats.attempts.failed}  abandoned ${stats.attempts.abandoned}  deferred (server busy) ${stats.attempts.deferred}`,
          `Tokens: prompt ${stats.tokens.prompt}  completion ${stats.tokens.completion}`,
        ];
        const keys = Object.keys(stats.byInterrogation).sort();
        if (keys.length > 0) {
          lines.push(
            '',
            formatTable(
              ['interrogation', ...jobStatuses],
              keys.map((key) => [key, ...jobStatuses.map((status) => stats.byInterrogation[key]![status])]),
            ),
          );
        }
        if (stats.byEndpoint.length > 0) {
          const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);
          lines.push(
            '',
            formatTable(
              ['endpoint', 'calls', 'succeeded', 'busy', 'failed', 'latency p50', 'p95', 'in-flight level'],
              stats.byEndpoint.map((endpoint) => [
                endpoint.endpointId, endpoint.calls, endpoint.succeeded, endpoint.busy, endpoint.failed,
                ms(endpoint.latencyP50Ms), ms(endpoint.latencyP95Ms), endpoint.inFlightLimit ?? '-',
              ]),
            ),
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }, readOnly);
    });

  jobs
    .command('show')
    .description('One job: its input, attempts, errors and lake artifacts (paths and hashes)')
    .argument('<id>', 'job id', positiveIntegerOption)
    .option('--json', 'print JSON')
    .action(async (id: number, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const details = await readJobDetails(holocron.database, holocron.lake, id);
        if (flags.json) return printJson(details);
        const { job } = details;
        const lines = [
          `Job ${job.id}  ${job.status}  ${job.interrogationKey}  priority ${job.priority}  attempts ${job.attemptCount}/${job.maxAttempts}`,
          `  created ${formatTime(job.createdAt)}  available ${formatTime(job.availableAt)}  completed ${formatTime(job.completedAt)}`,
          `  kind ${job.kind}  parent job ${job.parentJobId ?? '-'}`,
          `  model hint ${job.modelHint ?? '-'}  run label ${job.runLabel ?? '-'}  dedupe key ${job.dedupeKey ?? '-'}`,
          `  input ${truncate(JSON.stringify(job.input), 160)}`,
        ];
        if (job.evidenceRefs) lines.push(`  evidence files ${JSON.stringify(job.evidenceRefs)}`);
        if (job.status === 'RUNNING') lines.push(`  held by ${job.lockedBy} since ${formatTime(job.lockedAt)}, lease until ${formatTime(job.leaseExpiresAt)}`);
        if (job.lastError) lines.push(`  last error [${job.lastErrorCode}] ${job.lastError.replace(/\n/g, '\n    ')}`);
        lines.push('', details.attempts.length === 0 ? 'No attempts yet.' : 'Attempts:');
        for (const attempt of details.attempts) {
          const tokens = attempt.promptTokens !== null ? `  tokens ${attempt.promptTokens} in / ${attempt.completionTokens} out` : '';
          lines.push(
            `  #${attempt.number} ${attempt.status}  ${attempt.id}  worker ${attempt.workerId ?? '-'}  ${attempt.durationMs} ms${tokens}`,
            `     model ${attempt.modelName ?? '-'}${attempt.modelDigest ? `  digest ${attempt.modelDigest}` : ''}  ${attempt.endpointId ? `endpoint ${attempt.endpointId} ` : ''}${attempt.baseUrl ?? ''}  started ${formatTime(attempt.startedAt)}`,
          );
          if (attempt.error) lines.push(`     error [${attempt.errorCode}] ${attempt.error.replace(/\n/g, '\n       ')}`);
          if (attempt.output !== null) lines.push(`     output ${truncate(JSON.stringify(attempt.output), 160)}`);
          if (attempt.lakeDir) lines.push(`     lake ${path.join(holocron.lake.location, attempt.lakeDir)}`);
          for (const artifact of attempt.artifacts) {
            lines.push(`       ${path.basename(artifact.lakePath).padEnd(16)} ${String(artifact.bytes).padStart(8)} B  sha256 ${artifact.sha256}`);
          }
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }, readOnly);
    });

  jobs
    .command('retry')
    .description('Run a DEADLETTER job again with fresh attempts, or a RETRY job now')
    .argument('<id>', 'job id', positiveIntegerOption)
    .option('--json', 'print JSON')
    .action(async (id: number, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const result = await retryJob(holocron.database, id);
        if (flags.json) printJson(result);
        else process.stdout.write(`Job ${result.jobId} is queued again.\n`);
      });
    });

  jobs
    .command('redrive')
    .description('Move dead-lettered jobs back to the queue with fresh attempts (all, or filtered)')
    .option('-i, --interrogation <key>', 'only this interrogation')
    .option('--error-code <code>', 'only jobs whose last error has this code (e.g. model_not_found)')
    .option('--run-label <label>', 'only this run label')
    .option('--json', 'print JSON')
    .action(async (flags: { interrogation?: string; errorCode?: string; runLabel?: string; json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const result = await redriveDeadLetters(holocron.database, {
          interrogationKey: flags.interrogation,
          errorCode: flags.errorCode,
          runLabel: flags.runLabel,
        });
        if (flags.json) printJson(result);
        else process.stdout.write(`${result.redriven} dead-lettered job${result.redriven === 1 ? '' : 's'} queued again.\n`);
      });
    });
  registerJobsPurgeCommand(jobs);
}
