/**
 * `holocron db init | migrate [FILE] | health`: create or bring the schema up to date (other commands
 * also do so on open), import evaluation runs from an export as the seed spells it (`db migrate FILE`),
 * and check the database.
 */
import { Command } from 'commander';
import { allMigrations, migrateToLatest } from '../../database/migrate.ts';
import { openDatabase } from '../../database/open-database.ts';
import { databaseHealth } from '../../evaluations/store/database-health.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatTable } from '../format-table.ts';
import { importFile } from './runs-command.ts';

const tables = ['jobs', 'runs', 'artifacts', 'eval_projects', 'eval_runs', 'eval_run_tags', 'eval_items', 'eval_scores', 'eval_metric_aggregates', 'eval_comparisons'];

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('Database administration');

  const migrate = async (command: Command) => {
    const { config } = contextFrom(command);
    const database = await openDatabase(config.database.url, { migrate: false, poolSize: 1 });
    try {
      const report = await migrateToLatest(database);
      process.stdout.write(
        report.applied.length > 0
          ? `Applied ${report.applied.join(', ')} to ${database.displayUrl}.\n`
          : `${database.displayUrl} is up to date (${report.current.at(-1)}).\n`,
      );
    } finally {
      await database.close();
    }
  };

  db.command('init')
    .description('Create the database and its tables (queue and evaluation store); safe to repeat')
    .action((_flags: unknown, command: Command) => migrate(command));

  db.command('migrate')
    .description('Apply pending migrations; with FILE, also import the evaluation runs exported in it')
    .argument('[file]', 'a file written by `holocron runs export`')
    .option('--json', 'print JSON (for an import)')
    .action(async (file: string | undefined, flags: { json?: boolean }, command: Command) => {
      if (file === undefined) return migrate(command);
      await withHolocron(contextFrom(command), (holocron) => importFile(holocron, file, flags.json));
    });

  db.command('health')
    .description('Connectivity, schema version, row counts and size')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { config } = contextFrom(command);
      const database = await openDatabase(config.database.url, { migrate: false, poolSize: 1 });
      try {
        const health = await databaseHealth(database, Object.keys(allMigrations(database.adapter)).sort(), tables);
        if (flags.json) process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
        else {
          const lines = [
            `Database ${health.url} (${health.dialect}): ${health.reachable ? `reachable, round trip ${health.roundTripMs} ms` : `NOT reachable: ${health.error}`}`,
            `Schema: ${health.appliedMigrations.length} migrations applied (latest ${health.appliedMigrations.at(-1) ?? 'none'})${health.pendingMigrations.length > 0 ? `, ${health.pendingMigrations.length} pending: ${health.pendingMigrations.join(', ')} (run holocron db migrate)` : ', up to date'}`,
            `Size: ${health.sizeBytes === null ? '-' : `${(health.sizeBytes / 1024 / 1024).toFixed(2)} MiB`}`,
            '',
            formatTable(['table', 'rows'], Object.entries(health.rowCounts).map(([table, count]) => [table, count])),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (!health.reachable || health.pendingMigrations.length > 0) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
}
