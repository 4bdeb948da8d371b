/** The database clock, read once so that every row a statement batch writes carries the same time. */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';

export async function databaseNow(db: Kysely<Database>, adapter: DialectAdapter): Promise<number> {
  const { now } = await db.selectNoFrom(adapter.nowMilliseconds().as('now')).executeTakeFirstOrThrow();
  return Number(now);
}
