/**
 * Per-area migrations on both dialects: namespaced keys, a database made under the old global name
 * keeps working, areas apply in any order relative to each other, and checking changes nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import {
  allMigrations,
  areas,
  assertSchemaCurrent,
  migrateToLatest,
  schemaStatus,
  SchemaNotCurrentError,
  type AreaMigrations,
} from '../src/database/migrate.ts';
import { sqliteAdapter } from '../src/database/dialects/sqlite-adapter.ts';
import { openDatabase, type HolocronDatabase } from '../src/database/open-database.ts';
import { createQueueMigration } from '../src/queue/migrations/0001-create-queue.ts';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { createTestDatabase, dialects, makeTempDirectory } from './support/test-databases.ts';

async function recordedNames(database: HolocronDatabase): Promise<string[]> {
  const table = database.adapter.migrationSchema ? `${database.adapter.migrationSchema}.kysely_migration` : 'kysely_migration';
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)} order by name`.execute(database.db);
  return rows.map((row) => row.name);
}

const queueKeys = Object.keys(allMigrations(sqliteAdapter)).sort();

for (const dialect of dialects) {
  describe(`per-area migrations on ${dialect}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });
    async function fresh() {
      const made = await createTestDatabase(dialect, { migrate: false });
      cleanups.push(made.destroy);
      return made;
    }

    it('a fresh database gets every area\'s migrations under namespaced keys, and the new columns', async () => {
      const { database } = await fresh();
      await assert.rejects(assertSchemaCurrent(database), (error: unknown) =>
        error instanceof SchemaNotCurrentError && /no Holocron schema yet: run `holocron db migrate`/.test(error.message));
      const report = await migrateToLatest(database);
      assert.deepEqual(report.applied, queueKeys);
      assert.ok(queueKeys.every((key) => /^[a-z][a-z0-9-]*\/\d{4}-[a-z0-9-]+$/.test(key)), queueKeys.join());
      assert.deepEqual(await recordedNames(database), queueKeys);
      assert.deepEqual(await schemaStatus(database), { pending: [], unknown: [], empty: false });
      await assertSchemaCurrent(database);
      // Migrating again changes nothing.
      assert.deepEqual((await migrateToLatest(database)).applied, []);
      const [job] = await enqueueJobs(database, [{ interrogationKey: 'x_v1', input: {}, priority: 1, maxAttempts: 1 }]);
      const row = await database.db.selectFrom('jobs').select(['kind', 'parent_job_id']).where('id', '=', job!.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { kind: 'interrogation', parent_job_id: null });
    });

    it('a database made when the queue\'s migration was named "0001-create-queue" is checked as current up to it, then renamed and migrated', async () => {
      const { url, database } = await fresh();
      // What the earlier code did: one global migration, under its old name.
      const old = new Migrator({
        db: database.db,
        provider: { getMigrations: async () => ({ '0001-create-queue': createQueueMigration(database.adapter) }) },
        migrationTableSchema: database.adapter.migrationSchema,
      });
      assert.equal((await old.migrateToLatest()).error, undefined);
      await sql`insert into jobs (interrogation_key, status, priority, input, max_attempts, available_at, created_at, updated_at)
                values ('old_v1', 'NEW', 7, '{"a":1}', 3, 0, 0, 0)`.execute(database.db);

      // Checking knows the old name and changes nothing: only the later migrations are pending.
      const later = queueKeys.filter((key) => key !== 'queue/0001-create-queue');
      assert.deepEqual(await schemaStatus(database), { pending: later, unknown: [], empty: false });
      await assert.rejects(openDatabase(url, { migrate: 'check' }), (error: unknown) =>
        error instanceof SchemaNotCurrentError &&
        error.message.includes(`behind this version of Holocron (${later.length} pending migration`) &&
        error.message.includes(later[0]!) &&
        error.message.includes('run `holocron db migrate`'));
      assert.deepEqual(await recordedNames(database), ['0001-create-queue']);

      const report = await migrateToLatest(database);
      assert.deepEqual(report.applied, later, 'the create migration does not run again');
      assert.deepEqual(await recordedNames(database), queueKeys);
      const rows = await database.db.selectFrom('jobs').select(['interrogation_key', 'kind', 'priority', 'input']).execute();
      assert.deepEqual(rows, [{ interrogation_key: 'old_v1', kind: 'interrogation', priority: 7, input: '{"a":1}' }]);
      const reopened = await openDatabase(url, { migrate: 'check' });
      await reopened.close();
    });

    it('an area added later applies on a database that is further along in another area (unordered across areas)', async () => {
      const { database } = await fresh();
      await migrateToLatest(database);
      // "aaa" sorts before "queue": Kysely would refuse it without unordered migrations.
      const early: AreaMigrations = {
        area: 'aaa',
        migrations: () => ({
          'aaa/0001-create-notes': {
            async up(db: Kysely<any>) {
              await db.schema.createTable('aaa_notes').addColumn('id', 'integer', (column) => column.primaryKey()).execute();
            },
          },
        }),
      };
      const withEarly = [...areas, early];
      assert.deepEqual((await schemaStatus(database, { areas: withEarly })).pending, ['aaa/0001-create-notes']);
      assert.deepEqual((await migrateToLatest(database, { areas: withEarly })).applied, ['aaa/0001-create-notes']);
      await sql`insert into aaa_notes (id) values (1)`.execute(database.db);
      // Code that does not know the area still reads this database; the unknown migration is reported.
      assert.deepEqual(await schemaStatus(database), { pending: [], unknown: ['aaa/0001-create-notes'], empty: false });
    });

    it('refuses a migration key outside its area\'s namespace', () => {
      const stray: AreaMigrations = { area: 'documents', migrations: () => ({ '0001-create-documents': { up: async () => {} } }) };
      assert.throws(() => allMigrations(sqliteAdapter, [stray]), /must look like "documents\/0001-what"/);
    });
  });
}

describe('reading a SQLite file that does not exist', () => {
  it('says so and does not create it', async () => {
    const directory = makeTempDirectory('missing');
    const file = path.join(directory, 'nowhere.sqlite');
    await assert.rejects(openDatabase(file, { migrate: 'check' }), (error: unknown) =>
      error instanceof SchemaNotCurrentError && error.message.includes(`no database at ${file}`));
    assert.equal(fs.existsSync(file), false);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
