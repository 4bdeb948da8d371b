/** PostgreSQL (pg): many workers on many machines, claims with FOR UPDATE SKIP LOCKED. */
import { sql } from 'kysely';
import type { DialectAdapter } from './dialect-adapter.ts';

export function createPostgresAdapter(schema: string | null): DialectAdapter {
  return {
    name: 'postgres',
    supportsSkipLocked: true,
    maxParameters: 65_000,
    autoIncrementIdType: 'bigserial',
    bigIntegerType: 'bigint',
    nowMilliseconds: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
    newUuid: () => sql<string>`gen_random_uuid()::text`,
    writeTransaction: (db, work) => db.transaction().execute(work),
    async prepare(db) {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    },
  };
}
