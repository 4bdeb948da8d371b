/**
 * PostgreSQL: migrating one schema while other schemas are created and dropped beside it (other
 * tenants, test runs, benchmarks) must not fail. Kysely's own introspection scans every schema and
 * fails with "schema … does not exist" when one disappears mid-scan; ours looks at its own schema only.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { migrateToLatest } from '../src/database/migrate.ts';
import { openDatabase } from '../src/database/open-database.ts';
import { postgresTestUrl } from './support/test-databases.ts';

describe('migrations on PostgreSQL beside schemas being dropped', () => {
  it('migrate fresh schemas while other schemas come and go', async () => {
    const churn = new pg.Client({ connectionString: postgresTestUrl });
    await churn.connect();
    let stop = false;
    let churned = 0;
    const churning = (async () => {
      while (!stop) {
        const name = `churn_${randomBytes(5).toString('hex')}`;
        await churn.query(`create schema ${name}`);
        await churn.query(`create table ${name}.t (a int, b text)`);
        await churn.query(`drop schema ${name} cascade`);
        churned += 1;
      }
    })();
    const schemas: string[] = [];
    try {
      for (let index = 0; index < 6; index += 1) {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        const database = await openDatabase(`${postgresTestUrl}?schema=${schema}`, { migrate: false });
        try {
          const report = await migrateToLatest(database);
          assert.ok(report.applied.includes('queue/0001-create-queue'), `the queue's first migration was applied in ${schema}`);
        } finally {
          await database.close();
        }
      }
    } finally {
      stop = true;
      await churning;
      for (const schema of schemas) await churn.query(`drop schema if exists ${schema} cascade`);
      await churn.end();
    }
    assert.ok(churned > 0, 'other schemas were created and dropped meanwhile');
  });
});
