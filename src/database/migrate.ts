/**
 * Versioned migrations (Kysely's Migrator, its own lock table makes concurrent starts safe).
 * Migrations are named `NNNN-what` and are written once for both dialects through the adapter.
 */
import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { DialectAdapter } from './dialects/dialect-adapter.ts';
import { createQueueMigration } from './migrations/0001-create-queue.ts';
import type { HolocronDatabase } from './open-database.ts';

function migrationsFor(adapter: DialectAdapter): Record<string, Migration> {
  return {
    '0001-create-queue': createQueueMigration(adapter),
  };
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationReport {
  applied: string[];
  current: string[];
}

export async function migrateToLatest(database: HolocronDatabase): Promise<MigrationReport> {
  const { db, adapter } = database;
  try {
    await adapter.prepare(db);
  } catch (error) {
    throw new MigrationError(`Cannot prepare the database at ${database.displayUrl}: ${(error as Error).message}`);
  }
  const migrations = migrationsFor(adapter);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: adapter.migrationSchema,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((entry) => entry.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(
      `Migration ${failed?.migrationName ?? ''} failed on ${database.displayUrl}: ${reason}`.replace('  ', ' '),
    );
  }
  return {
    applied: (result.results ?? []).filter((entry) => entry.status === 'Success').map((entry) => entry.migrationName),
    current: Object.keys(migrations),
  };
}
