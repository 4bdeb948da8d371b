/** `holocron jobs purge --status S --older-than 30d [--dry-run]`: old history nothing references, removed. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { jobStatuses, type JobStatus } from '../../database/database.ts';
import { keepReasons, purgeJobs } from '../../reproducibility/purge-jobs.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatBytes } from './lake-command.ts';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `45s`, `2w`. */
export function ageOption(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be an age such as 30d, 12h, 90m, 45s or 2w');
  return Math.round(Number(match[1]) * units[match[2]!]!);
}

const purgeable = jobStatuses.filter((status) => status !== 'RUNNING');

function statusOption(value: string, previous: string[] = []): string[] {
  if (!(purgeable as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${purgeable.join(', ')} (a RUNNING job is never purged)`);
  return [...previous, value];
}

export function registerJobsPurgeCommand(jobs: Command): void {
  jobs
    .command('purge')
    .description('Remove old jobs, their attempts and lake folders — never one a document, evaluation item, cache entry, derived attempt or pipeline task references; lists them first')
    .addOption(new Option('--status <status>', `jobs in this state (repeatable): ${purgeable.join(', ')}`).argParser(statusOption))
    .option('--older-than <age>', 'finished (or last changed) longer ago than this, e.g. 30d (required)', ageOption)
    .option('--dry-run', 'list what would be removed; remove nothing')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { status?: string[] | string; olderThan?: number; dryRun?: boolean; json?: boolean }, command: Command) => {
      const olderThan = flags.olderThan;
      if (olderThan === undefined) throw new UsageError('jobs purge needs --older-than AGE, e.g. --older-than 30d');
      const statuses = (Array.isArray(flags.status) ? flags.status : flags.status ? [flags.status] : []) as JobStatus[];
      if (statuses.length === 0) throw new UsageError(`jobs purge needs --status (one of ${purgeable.join(', ')}; repeatable)`);
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const report = await purgeJobs(holocron.database, { statuses, olderThanMs: olderThan, dryRun: flags.dryRun, lakeRoot: holocron.lake.location });
          if (flags.json) return void process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          const lines = report.jobs.slice(0, 50).map((job) => `  job ${job.id}  ${job.status}  ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`);
          if (report.jobs.length > 50) lines.push(`  … and ${report.purged.jobs - 50} more jobs (--json lists up to 1,000)`);
          for (const folder of report.folders.slice(0, 50)) lines.push(`  ${folder.path}  ${folder.files} files, ${formatBytes(folder.bytes)}`);
          if (report.folders.length > 50) lines.push(`  … and ${report.folders.length - 50} more folders`);
          const kept = keepReasons.filter((reason) => report.kept[reason] > 0).map((reason) => `${report.kept[reason]} (${reason.replace('_', ' ')})`);
          lines.push(
            `${report.dryRun ? 'Would remove' : 'Removed'} ${report.purged.jobs} of ${report.candidates} ${statuses.join('/')} jobs older than ${new Date(report.cutoff).toISOString()}: ` +
              `${report.purged.attempts} attempts, ${report.purged.artifacts} artifact rows, ${report.purged.folders} lake folders (${formatBytes(report.purged.bytes)}).` +
              (kept.length > 0 ? ` Kept, still referenced: ${kept.join(', ')}.` : ''),
          );
          process.stdout.write(`${lines.join('\n')}\n`);
        },
        flags.dryRun ? { migrate: 'check' } : {},
      );
    });
}
