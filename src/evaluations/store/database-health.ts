/**
 * `db health`: can the database be reached, how long a round trip takes, which migrations are applied
 * (and whether any are pending), row counts of every table, and the size on disk.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';

export interface DatabaseHealth {
  url: string;
  dialect: string;
  reachable: boolean;
  roundTripMs: number | null;
  error: string | null;
  appliedMigrations: string[];
  pendingMigrations: string[];
  rowCounts: Record<string, number>;
  sizeBytes: number | null;
}

export async function databaseHealth(database: HolocronDatabase, knownMigrations: readonly string[], tables: readonly string[]): Promise<DatabaseHealth> {
  const { db, adapter } = database;
  const health: DatabaseHealth = { url: database.displayUrl, dialect: adapter.name, reachable: false, roundTripMs: null, error: null, appliedMigrations: [], pendingMigrations: [...knownMigrations], rowCounts: {}, sizeBytes: null };
  const started = performance.now();
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    health.error = (error as Error).message;
    return health;
  }
  health.reachable = true;
  health.roundTripMs = Math.round((performance.now() - started) * 100) / 100;
  try {
    const migrationTable = adapter.migrationSchema ? sql.table(`${adapter.migrationSchema}.kysely_migration`) : sql.table('kysely_migration');
    const applied = await sql<{ name: string }>`select name from ${migrationTable} order by name`.execute(db);
    health.appliedMigrations = applied.rows.map((row) => row.name);
  } catch {
    // No migration table yet: nothing applied.
  }
  health.pendingMigrations = knownMigrations.filter((name) => !health.appliedMigrations.includes(name));
  for (const table of tables) {
    try {
      const result = await sql<{ count: number | string }>`select count(*) as count from ${sql.table(table)}`.execute(db);
      health.rowCounts[table] = Number(result.rows[0]!.count);
    } catch {
      // Table not created yet (pending migration).
    }
  }
  health.sizeBytes = await databaseSize(database);
  return health;
}

async function databaseSize(database: HolocronDatabase): Promise<number | null> {
  try {
    return await database.adapter.sizeBytes(database.db);
  } catch {
    return null;
  }
}
