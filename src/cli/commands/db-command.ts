/** `holocron db migrate`: bring the database schema up to date (other commands also do so on open). */
import { Command } from 'commander';
import { migrateToLatest } from '../../database/migrate.ts';
import { openDatabase } from '../../database/open-database.ts';
import { contextFrom } from '../command-context.ts';

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('Database administration');
  db.command('migrate')
    .description('Apply pending migrations')
    .action(async (_flags: unknown, command: Command) => {
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
    });
}
