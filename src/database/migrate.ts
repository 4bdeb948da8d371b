/**
 * Versioned migrations, per area (Kysely's Migrator; its own lock table makes concurrent starts safe).
 *
 * Each area lists its migrations in `src/<area>/<area>-migrations.ts` as
 * `<area>Migrations(adapter): Record<string, Migration>`, keyed `'<area>/NNNN-what'` and written once
 * for both dialects through the adapter. Adding an area is one line in `areas` below. Numbers count
 * within an area only; areas are independent of each other (no cross-area foreign keys), so their
 * migrations may be applied in any order relative to each other (Kysely's unordered migrations): an
 * area that lands later with `a…/0001` still applies on a database that already has `queue/0002`.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { documentsMigrations } from '../documents/documents-migrations.ts';
import { evaluationsMigrations } from '../evaluations/evaluations-migrations.ts';
import { pipelinesMigrations } from '../pipelines/pipelines-migrations.ts';
import { failuresMigrations } from '../failures/failures-migrations.ts';
import { queueMigrations } from '../queue/queue-migrations.ts';
import { reproducibilityMigrations } from '../reproducibility/reproducibility-migrations.ts';
import type { Database } from './database.ts';
import { withSchemaScopedIntrospection } from './schema-scoped-introspection.ts';
import type { DialectAdapter } from './dialects/dialect-adapter.ts';
import type { HolocronDatabase } from './open-database.ts';

export interface AreaMigrations {
  /** The area's folder name under src/, also the prefix of its migration keys. */
  area: string;
  migrations(adapter: DialectAdapter): Record<string, Migration>;
}

/** Every area with tables. One line per area. */
export const areas: readonly AreaMigrations[] = [
  { area: 'queue', migrations: queueMigrations },
  { area: 'documents', migrations: documentsMigrations },
  { area: 'evaluations', migrations: evaluationsMigrations },
  { area: 'pipelines', migrations: pipelinesMigrations },
  { area: 'reproducibility', migrations: reproducibilityMigrations },
  { area: 'failures', migrations: failuresMigrations },
];

/**
 * Names recorded by earlier versions, before migrations were per area: such a database is renamed in
 * place when it is migrated (one UPDATE of Kysely's bookkeeping table), and counts as current when it
 * is only checked. The migrations themselves are unchanged.
 */
export const legacyMigrationNames: Readonly<Record<string, string>> = {
  '0001-create-queue': 'queue/0001-create-queue',
};

const migrationTable = 'kysely_migration';
const keyPattern = /^[a-z][a-z0-9-]*\/\d{4}-[a-z0-9-]+$/;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * The database's schema is missing or older than this code, and the command does not migrate (the
 * reading commands): the message says what to run.
 */
export class SchemaNotCurrentError extends Error {
  override readonly name = 'SchemaNotCurrentError';
  constructor(
    message: string,
    readonly pending: readonly string[],
  ) {
    super(message);
  }
}

export interface MigrationReport {
  applied: string[];
  current: string[];
}

export interface SchemaStatus {
  /** Migrations this code has that the database has not applied, in the order they would run. */
  pending: string[];
  /** Migrations the database has applied that this code does not know (a newer version wrote them). */
  unknown: string[];
  /** No Holocron schema at all (no migration has ever run). */
  empty: boolean;
}

/** Every area's migrations under their namespaced keys; refuses a key outside its area's namespace. */
export function allMigrations(adapter: DialectAdapter, list: readonly AreaMigrations[] = areas): Record<string, Migration> {
  const all: Record<string, Migration> = {};
  for (const { area, migrations } of list) {
    for (const [key, migration] of Object.entries(migrations(adapter))) {
      if (!keyPattern.test(key) || !key.startsWith(`${area}/`)) {
        throw new MigrationError(`Migration key "${key}" of area ${area} must look like "${area}/0001-what".`);
      }
      if (key in all) throw new MigrationError(`Migration key "${key}" is defined twice.`);
      all[key] = migration;
    }
  }
  return all;
}

export interface MigrateOptions {
  /** The areas to migrate (default: all of them; tests pass their own). */
  areas?: readonly AreaMigrations[];
}

export async function migrateToLatest(database: HolocronDatabase, options: MigrateOptions = {}): Promise<MigrationReport> {
  const { db, adapter } = database;
  try {
    await adapter.prepare(db);
  } catch (error) {
    throw new MigrationError(`Cannot prepare the database at ${database.displayUrl}: ${(error as Error).message}`);
  }
  const migrations = allMigrations(adapter, options.areas);
  await renameLegacyMigrations(db, adapter);
  const migrator = new Migrator({
    // With a named schema, the Migrator looks for its tables in that schema only (see the module).
    db: adapter.migrationSchema ? withSchemaScopedIntrospection(db, adapter.migrationSchema) : db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: adapter.migrationSchema,
    allowUnorderedMigrations: true,
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
    current: Object.keys(migrations).sort(),
  };
}

/** What the database has applied against what this code has, without changing anything. */
export async function schemaStatus(database: HolocronDatabase, options: MigrateOptions = {}): Promise<SchemaStatus> {
  const { db, adapter } = database;
  const known = Object.keys(allMigrations(adapter, options.areas)).sort();
  const applied = new Set((await appliedMigrationNames(db, adapter)).map((name) => legacyMigrationNames[name] ?? name));
  return {
    pending: known.filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !known.includes(name)).sort(),
    empty: applied.size === 0,
  };
}

/** Throws SchemaNotCurrentError, saying what to run, when the schema is missing or behind. */
export async function assertSchemaCurrent(database: HolocronDatabase): Promise<void> {
  const status = await schemaStatus(database);
  if (status.pending.length === 0) return;
  const advice = 'run `holocron db migrate` (or `holocron work`, which migrates on start)';
  if (status.empty) {
    throw new SchemaNotCurrentError(`The database at ${database.displayUrl} has no Holocron schema yet: ${advice}.`, status.pending);
  }
  throw new SchemaNotCurrentError(
    `The database at ${database.displayUrl} is behind this version of Holocron ` +
      `(${status.pending.length} pending migration${status.pending.length === 1 ? '' : 's'}: ${status.pending.join(', ')}): ${advice}.`,
    status.pending,
  );
}

async function appliedMigrationNames(db: Kysely<Database>, adapter: DialectAdapter): Promise<string[]> {
  if (!(await adapter.tableExists(db, migrationTable))) return [];
  const { rows } = await sql<{ name: string }>`select name from ${bookkeepingTable(adapter)}`.execute(db);
  return rows.map((row) => row.name);
}

async function renameLegacyMigrations(db: Kysely<Database>, adapter: DialectAdapter): Promise<void> {
  if (!(await adapter.tableExists(db, migrationTable))) return;
  for (const [legacy, current] of Object.entries(legacyMigrationNames)) {
    // Idempotent, so two processes migrating at once both succeed.
    await sql`update ${bookkeepingTable(adapter)} set name = ${current} where name = ${legacy}`.execute(db);
  }
}

function bookkeepingTable(adapter: DialectAdapter) {
  return sql.table(adapter.migrationSchema ? `${adapter.migrationSchema}.${migrationTable}` : migrationTable);
}
