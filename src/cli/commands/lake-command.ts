/**
 * `holocron lake fsck [--quick] [--repair] [--json]`: the lake checked against SQL (exit 1 when a
 * problem is found); `holocron lake gc [--dry-run]`: attempt folders nothing references, removed.
 */
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { fsckProblemKinds, lakeFsck } from '../../reproducibility/lake-fsck.ts';
import { lakeGc } from '../../reproducibility/lake-gc.ts';
import { CommandFailedError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';

const readOnly = { migrate: 'check' } as const;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function registerLakeCommand(program: Command): void {
  const lake = program.command('lake').description('The audit lake: check it against SQL, collect what nothing references');

  lake
    .command('fsck')
    .description('Check every artifact row has its file with the recorded size and sha256, every attempt folder its row, every recorded folder exists')
    .option('--quick', 'only check that every file is there (one listing per folder); sizes and sha256 need the full check')
    .option('--repair', 'move orphan folders to the lake’s quarantine/ folder (never deletes)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { quick?: boolean; repair?: boolean; json?: boolean }, command: Command) => {
      const ok = await withHolocron(
        contextFrom(command),
        async (holocron) => {
          let bar: cliProgress.SingleBar | null = null;
          let report;
          try {
            report = await lakeFsck(holocron.database, holocron.lake.location, {
              quick: flags.quick,
              repair: flags.repair,
              onProgress: (done, total) => {
                if (!bar && !flags.json && process.stderr.isTTY && total >= 1000) {
                  bar = new cliProgress.SingleBar(
                    { stream: process.stderr, format: `fsck${flags.quick ? ' --quick' : ''} [{bar}] {percentage}% | {value}/{total} files | {eta}s left`, hideCursor: true },
                    cliProgress.Presets.shades_classic,
                  );
                  bar.start(total, done);
                }
                (bar as cliProgress.SingleBar | null)?.update(done);
              },
            });
          } finally {
            (bar as cliProgress.SingleBar | null)?.stop();
          }
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            return report.ok;
          }
          const lines = [
            `Checked ${report.checked.artifacts.toLocaleString('en-US')} files (${report.quick ? 'present' : 'sizes and sha256'}), ` +
              `${report.checked.recordedFolders.toLocaleString('en-US')} recorded folders and ${report.checked.lakeFolders.toLocaleString('en-US')} attempt folders in ${report.lake} in ${report.seconds.toFixed(1)} s: ` +
              (report.ok ? 'no problems.' : `${fsckProblemKinds.reduce((sum, kind) => sum + report.counts[kind], 0)} problems.`),
          ];
          for (const kind of fsckProblemKinds) {
            if (report.counts[kind] === 0) continue;
            lines.push(`  ${kind}: ${report.counts[kind]}`);
            for (const problem of report.problems.filter((entry) => entry.kind === kind).slice(0, 20)) {
              const detail = problem.actual
                ? ` (recorded ${problem.expected?.bytes} bytes${problem.expected?.sha256 ? ` sha256 ${problem.expected.sha256.slice(0, 12)}…` : ''}; found ${problem.actual.bytes} bytes${problem.actual.sha256 ? ` sha256 ${problem.actual.sha256.slice(0, 12)}…` : ''})`
                : '';
              lines.push(`    ${problem.path}${problem.runId ? `  attempt ${problem.runId}` : ''}${detail}`);
            }
            if (report.counts[kind] > 20) lines.push(`    … and ${report.counts[kind] - 20} more (--json lists up to 1,000 per kind)`);
          }
          for (const moved of report.quarantined) lines.push(`  quarantined ${moved.from} → ${moved.to}`);
          if (!report.ok && !flags.repair && (report.counts.orphan_folder > 0 || report.counts.orphan_staging > 0)) lines.push('  --repair moves the orphans to quarantine/ (nothing is deleted).');
          process.stdout.write(`${lines.join('\n')}\n`);
          return report.ok;
        },
        readOnly,
      );
      if (!ok) throw new CommandFailedError(1);
    });

  lake
    .command('gc')
    .description('Remove attempt folders nothing references (no attempt row, document or cache entry); lists them first, with sizes')
    .option('--dry-run', 'list what would be removed; remove nothing')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { dryRun?: boolean; json?: boolean }, command: Command) => {
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const report = await lakeGc(holocron.database, holocron.lake.location, { dryRun: flags.dryRun });
          if (flags.json) return void process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          const lines = report.folders.slice(0, 200).map((folder) => `  ${folder.path}  ${folder.files} files, ${formatBytes(folder.bytes)}`);
          if (report.folders.length > 200) lines.push(`  … and ${report.folders.length - 200} more (--json lists all)`);
          lines.push(
            `${report.dryRun ? 'Would remove' : 'Removed'} ${report.folders.length} unreferenced folder${report.folders.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}); kept ${report.kept} referenced.`,
          );
          process.stdout.write(`${lines.join('\n')}\n`);
        },
        readOnly,
      );
    });
}
