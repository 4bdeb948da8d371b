/** Content-addressed interrogation definitions and fingerprint fields: written once, read by hash. */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { bulkChunks, rowsPerStatement } from '../queue/chunk.ts';
import type { FingerprintFields } from './call-fingerprint.ts';
import type { StoredDefinition } from './interrogation-definition.ts';

export async function insertDefinitions(transaction: Kysely<Database>, adapter: DialectAdapter, definitions: readonly StoredDefinition[], now: number): Promise<void> {
  for (const part of bulkChunks(adapter, definitions, rowsPerStatement(adapter.maxParameters, 4, 200))) {
    await transaction
      .insertInto('interrogation_definitions')
      .values(part.map((definition) => ({ hash: definition.hash, interrogation_key: definition.key, definition: definition.text, created_at: now })))
      .onConflict((conflict) => conflict.column('hash').doNothing())
      .execute();
  }
}

export async function getDefinition(db: Kysely<Database>, hash: string): Promise<StoredDefinition | undefined> {
  const row = await db.selectFrom('interrogation_definitions').selectAll().where('hash', '=', hash).executeTakeFirst();
  return row ? { hash: row.hash, key: row.interrogation_key, text: row.definition } : undefined;
}

export async function insertFingerprints(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  fingerprints: readonly { fingerprint: string; fields: FingerprintFields }[],
  now: number,
): Promise<void> {
  for (const part of bulkChunks(adapter, fingerprints, rowsPerStatement(adapter.maxParameters, 3, 500))) {
    await transaction
      .insertInto('call_fingerprints')
      .values(part.map((entry) => ({ fingerprint: entry.fingerprint, fields: JSON.stringify(entry.fields), created_at: now })))
      .onConflict((conflict) => conflict.column('fingerprint').doNothing())
      .execute();
  }
}

export async function getFingerprintFields(db: Kysely<Database>, fingerprints: readonly string[]): Promise<Map<string, FingerprintFields>> {
  const found = new Map<string, FingerprintFields>();
  for (let start = 0; start < fingerprints.length; start += 500) {
    const rows = await db.selectFrom('call_fingerprints').selectAll().where('fingerprint', 'in', fingerprints.slice(start, start + 500)).execute();
    for (const row of rows) found.set(row.fingerprint, JSON.parse(row.fields) as FingerprintFields);
  }
  return found;
}
