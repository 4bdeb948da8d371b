/**
 * Appends document rows, inside the caller's transaction (the one that records their attempts, or a
 * backfill batch). Each row's `lineage_prev_doc_id` is the newest earlier document of its logical key,
 * so a logical key's attempts form a chain. A row whose attempt or legacy file is already indexed is
 * skipped (the unique indexes on `attempt_id` and `legacy_path`), so recording twice adds nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { chunk, rowsPerStatement } from '../queue/chunk.ts';
import type { NewDocumentRow } from './documents-tables.ts';

export type NewDocument = Omit<NewDocumentRow, 'id' | 'lineage_prev_doc_id'> & { lineage_prev_doc_id?: string | null };

const columnsPerRow = 33;

export async function insertDocuments(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  documents: readonly NewDocument[],
): Promise<string[]> {
  if (documents.length === 0) return [];
  const fresh = await withoutIndexed(db, adapter, documents);
  if (fresh.length === 0) return [];
  const keys = [...new Set(fresh.map((document) => document.logical_key_id))];
  const previous = new Map<string, string>();
  for (const part of chunk(keys, rowsPerStatement(adapter.maxParameters, 1, 5000))) {
    const rows = await db
      .selectFrom('documents')
      .select(['logical_key_id', 'doc_id'])
      .where(
        'id',
        'in',
        db.selectFrom('documents').select((eb) => eb.fn.max('id').as('id')).where(adapter.inList('logical_key_id', part, 'text')).groupBy('logical_key_id'),
      )
      .execute();
    for (const row of rows) previous.set(row.logical_key_id, row.doc_id);
  }
  const rows = fresh.map((document) => {
    const prev = document.lineage_prev_doc_id !== undefined ? document.lineage_prev_doc_id : (previous.get(document.logical_key_id) ?? null);
    previous.set(document.logical_key_id, document.doc_id);
    return { ...document, lineage_prev_doc_id: prev };
  });
  for (const part of chunk(rows, rowsPerStatement(adapter.maxParameters, columnsPerRow, 500))) {
    await db.insertInto('documents').values(part).execute();
  }
  return rows.map((row) => row.doc_id);
}

async function withoutIndexed(db: Kysely<Database>, adapter: DialectAdapter, documents: readonly NewDocument[]): Promise<NewDocument[]> {
  const attempts = documents.flatMap((document) => (document.attempt_id ? [document.attempt_id] : []));
  const legacy = documents.flatMap((document) => (document.legacy_path ? [document.legacy_path] : []));
  const seenAttempts = new Set<string>();
  const seenLegacy = new Set<string>();
  for (const part of chunk(attempts, rowsPerStatement(adapter.maxParameters, 1, 5000))) {
    const rows = await db.selectFrom('documents').select('attempt_id').where(adapter.inList('attempt_id', part, 'text')).execute();
    for (const row of rows) seenAttempts.add(row.attempt_id!);
  }
  for (const part of chunk(legacy, rowsPerStatement(adapter.maxParameters, 1, 5000))) {
    const rows = await db.selectFrom('documents').select('legacy_path').where(adapter.inList('legacy_path', part, 'text')).execute();
    for (const row of rows) seenLegacy.add(row.legacy_path!);
  }
  return documents.filter((document) => {
    if (document.attempt_id && seenAttempts.has(document.attempt_id)) return false;
    if (document.legacy_path && seenLegacy.has(document.legacy_path)) return false;
    if (document.attempt_id) seenAttempts.add(document.attempt_id);
    if (document.legacy_path) seenLegacy.add(document.legacy_path);
    return true;
  });
}
