/** `holocron jobs list | stats | show | retry | redrive`: inspect and manage the queue. */
import path from 'node:path';
import { Command, Option } from 'commander';
import { jobStatuses, type JobStatus } from '../../database/database.ts';
import { getJobDetails } from '../../queue/get-job-details.ts';
import { jobStats } from '../../queue/job-stats.ts';
import { listJobs } from '../../queue/list-jobs.ts';
import { redriveDeadLetters } from '../../queue/redrive-dead-letters.ts';
import { retryJob } from '../../queue/retry-job.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
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
    .option('--limit <n>', 'how many', positiveIntegerOption, 50)
    .option('--json', 'print JSON')
    .action(async (flags: { status?: JobStatus; interrogation?: string; runLabel?: string; limit: number; json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const rows = await listJobs(holocron.database, {
          status: flags.status,
          interrogationKey: flags.interrogation,
          runLabel: flags.runLabel,
          limit: flags.limit,
        });
        if (flags.json) return printJson(rows.map((row) => ({ ...row, input: JSON.parse(row.input) })));
        if (rows.length === 0) return void process.stdout.write('No jobs.\n');
        process.stdout.write(
          `${formatTable(
            ['id', 'status', 'interrogation', 'priority', 'attempts', 'created', 'last error'],
            rows.map((row) => [
              row.id,
              row.status,
              row.interrogation_key,
              row.priority,
              `${row.attempt_count}/${row.max_attempts}`,
              formatTime(row.created_at),
              row.last_error ? truncate(`[${row.last_error_code}] ${row.last_error}`, 60) : null,
            ]),
          )}\n`,
        );
      }, readOnly);
    });

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
          `Attempts: ${stats.attempts.total}  succeeded ${stats.attempts.succeeded}  failed ${stats.attempts.failed}  abandoned ${stats.attempts.abandoned}`,
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
        const details = await getJobDetails(holocron.database, id);
        const lakeRoot = holocron.lake.location;
        const { job } = details;
        if (flags.json) {
          return printJson({
            job: { ...job, input: JSON.parse(job.input), evidence_refs: job.evidence_refs ? JSON.parse(job.evidence_refs) : null },
            runs: details.runs.map((run) => ({
              ...run,
              options: run.options ? JSON.parse(run.options) : null,
              metrics: run.metrics ? JSON.parse(run.metrics) : null,
              artifacts: run.artifacts.map((artifact) => ({ ...artifact, path: path.join(lakeRoot, artifact.lake_path) })),
            })),
          });
        }
        const lines = [
          `Job ${job.id}  ${job.status}  ${job.interrogation_key}  priority ${job.priority}  attempts ${job.attempt_count}/${job.max_attempts}`,
          `  created ${formatTime(job.created_at)}  available ${formatTime(job.available_at)}  completed ${formatTime(job.completed_at)}`,
          `  model hint ${job.model_hint ?? '-'}  run label ${job.run_label ?? '-'}  dedupe key ${job.dedupe_key ?? '-'}`,
          `  input ${truncate(job.input, 160)}`,
        ];
        if (job.evidence_refs) lines.push(`  evidence files ${job.evidence_refs}`);
        if (job.status === 'RUNNING') lines.push(`  held by ${job.locked_by} since ${formatTime(job.locked_at)}, lease until ${formatTime(job.lease_expires_at)}`);
        if (job.last_error) lines.push(`  last error [${job.last_error_code}] ${job.last_error.replace(/\n/g, '\n    ')}`);
        lines.push('', details.runs.length === 0 ? 'No attempts yet.' : 'Attempts:');
        for (const run of details.runs) {
          const tokens = run.prompt_tokens !== null ? `  tokens ${run.prompt_tokens} in / ${run.completion_tokens} out` : '';
          lines.push(
            `  #${run.attempt} ${run.status}  ${run.id}  worker ${run.worker_id ?? '-'}  ${run.duration_ms} ms${tokens}`,
            `     model ${run.model_name ?? '-'}${run.model_digest ? `  digest ${run.model_digest}` : ''}  ${run.base_url ?? ''}  started ${formatTime(run.started_at)}`,
          );
          if (run.error) lines.push(`     error [${run.error_code}] ${run.error.replace(/\n/g, '\n       ')}`);
          if (run.lake_dir) lines.push(`     lake ${path.join(lakeRoot, run.lake_dir)}`);
          for (const artifact of run.artifacts) {
            lines.push(`       ${path.basename(artifact.lake_path).padEnd(16)} ${String(artifact.bytes).padStart(8)} B  sha256 ${artifact.sha256}`);
          }
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }, readOnly);
    });

  jobs
    .command('retry')
    .description('Run a DEADLETTER job again with fresh attempts, or a RETRY job now')
    .argument('<id>', 'job id', positiveIntegerOption)
    .action(async (id: number, _flags: unknown, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        await retryJob(holocron.database, id);
        process.stdout.write(`Job ${id} is queued again.\n`);
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
        const count = await redriveDeadLetters(holocron.database, {
          interrogationKey: flags.interrogation,
          errorCode: flags.errorCode,
          runLabel: flags.runLabel,
        });
        if (flags.json) printJson({ redriven: count });
        else process.stdout.write(`${count} dead-lettered job${count === 1 ? '' : 's'} queued again.\n`);
      });
    });
}
