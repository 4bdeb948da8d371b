/**
 * insertRows on real SQLite and PostgreSQL: a batch of a shape met before runs the statement text kept
 * from the first, with its own values — and writes exactly what a freshly built statement writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { insertRows, type BulkInsertEnding } from '../src/database/bulk-insert.ts';
import type { BulkColumn } from '../src/database/dialects/dialect-adapter.ts';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

const columns: BulkColumn[] = [
  { name: 'hash', type: 'text' },
  { name: 'interrogation_key', type: 'text' },
  { name: 'definition', type: 'text' },
  { name: 'created_at', type: 'bigint' },
];

/** An ending with a bound value of its own, which must follow every batch's values. */
const keepNewerDefinition: BulkInsertEnding<'interrogation_definitions'> = {
  name: 'test-keep-newer',
  apply: (query) =>
    query.onConflict((conflict) =>
      conflict.column('hash').doUpdateSet((eb) => ({
        definition: sql<string>`${eb.ref('excluded.definition')} || ${'+updated'}`,
        created_at: eb.ref('excluded.created_at'),
      })),
    ),
};

const rows = (prefix: string, count: number, at: number) =>
  Array.from({ length: count }, (_, index) => ({
    hash: `${prefix}-${index}`,
    interrogation_key: index % 3 === 0 ? `key's "${index}"` : `k${index}`,
    definition: JSON.stringify({ index, text: 'é\n😀' }),
    created_at: at + index,
  }));

for (const dialect of dialects) {
  describe(`insertRows on ${dialect}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await createTestDatabase(dialect);
    });
    after(async () => {
      await test?.destroy();
    });

    const stored = async (prefix: string) =>
      (
        await test.database.db
          .selectFrom('interrogation_definitions')
          .select(['hash', 'interrogation_key', 'definition', 'created_at'])
          .where('hash', 'like', `${prefix}-%`)
          .execute()
      )
        .map((row) => ({ ...row, created_at: Number(row.created_at) }))
        .sort((a, b) => a.created_at - b.created_at);

    it('writes a second and third batch of the same size with their own values, not the first one\'s', async () => {
      const { db, adapter } = test.database;
      for (const [prefix, at] of [['a', 1_000], ['b', 2_000], ['c', 3_000]] as const) {
        await insertRows(db, adapter, 'interrogation_definitions', rows(prefix, 7, at), columns);
        assert.deepEqual(await stored(prefix), rows(prefix, 7, at));
      }
      // Another size, then the first size again.
      await insertRows(db, adapter, 'interrogation_definitions', rows('d', 3, 4_000), columns);
      await insertRows(db, adapter, 'interrogation_definitions', rows('e', 7, 5_000), columns);
      assert.deepEqual(await stored('d'), rows('d', 3, 4_000));
      assert.deepEqual(await stored('e'), rows('e', 7, 5_000));
    });

    it('binds an ending\'s own value after each batch\'s values, inside a transaction too', async () => {
      const { db, adapter } = test.database;
      await insertRows(db, adapter, 'interrogation_definitions', rows('u', 4, 10_000), columns, keepNewerDefinition);
      await insertRows(db, adapter, 'interrogation_definitions', rows('u', 4, 20_000), columns, keepNewerDefinition);
      await adapter.writeTransaction(db, (transaction) => insertRows(transaction, adapter, 'interrogation_definitions', rows('u', 4, 30_000), columns, keepNewerDefinition));
      assert.deepEqual(
        await stored('u'),
        rows('u', 4, 30_000).map((row) => ({ ...row, definition: `${row.definition}+updated` })),
      );
    });
  });
}
