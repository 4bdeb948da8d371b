/**
 * Appends document rows, inside the caller's transaction (the one that records their attempts, or a
 * backfill batch). Each row's `lineage_prev_doc_id` is the newest earlier document of its logical key,
 * so a logical key's attempts form a chain. A row whose attempt or legacy file is already indexed is
 * skipped (the unique indexes on `(job_id, attempt_id)` and `legacy_path`), so recording twice adds nothing.
 */
import type { Kysely } from 'kysely';
import { insertRows } from '../database/bulk-insert.ts';
import type { Database } from '../database/database.ts';
import type { BulkColumn, DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { bulkChunks, chunk, rowsPerStatement } from '../queue/chunk.ts';
import type { DocumentTable, NewDocumentRow } from './documents-tables.ts';

export type NewDocument = Omit<NewDocumentRow, 'id' | 'lineage_prev_doc_id'> & { lineage_prev_doc_id?: string | null };

/** The columns a document row is inserted with, typed for the dialect's bulk form: every column but
 * `id`, checked by the compiler (a column added to the table and not here does not build). */
const documentColumnTypes = {
  doc_id: 'text', logical_key_id: 'text', stage: 'text', task_id: 'text', source_id: 'text', parent_doc_id: 'text',
  template_id: 'text', model_id: 'text', run_label: 'text', prompt_path: 'text', prompt_hash: 'text', parser: 'text',
  status: 'text', usage_prompt_tokens: 'integer', usage_completion_tokens: 'integer', usage_max_tokens: 'integer',
  created_at: 'bigint', doc_dir: 'text', raw_sha256: 'text', parsed_sha256: 'text', raw_chars: 'bigint',
  parsed_chars: 'bigint', meta_small: 'text', lineage_prev_doc_id: 'text', template_hash: 'text', schema_hash: 'text',
  model_digest: 'text', options_hash: 'text', job_id: 'bigint', attempt_id: 'text', legacy_path: 'text',
} as const satisfies Record<Exclude<keyof DocumentTable, 'id'>, BulkColumn['type']>;

const documentColumns: BulkColumn[] = Object.entries(documentColumnTypes).map(([name, type]) => ({ name, type }));

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
  for (const part of bulkChunks(adapter, rows, rowsPerStatement(adapter.maxParameters, documentColumns.length, 500))) {
    await insertRows(db, adapter, 'documents', part, documentColumns);
  }
  return rows.map((row) => row.doc_id);
}

async function withoutIndexed(db: Kysely<Database>, adapter: DialectAdapter, documents: readonly NewDocument[]): Promise<NewDocument[]> {
  const attempts = documents.flatMap((document) => (document.attempt_id ? [document.attempt_id] : []));
  // The unique index is on (job_id, attempt_id): with the jobs named too, the lookup is index range scans.
  const jobs = documents.flatMap((document) => (document.attempt_id ? [document.job_id ?? null] : []));
  const byJob = jobs.every((job) => job !== null) ? [...new Set(jobs as number[])] : null;
  const legacy = documents.flatMap((document) => (document.legacy_path ? [document.legacy_path] : []));
  const seenAttempts = new Set<string>();
  const seenLegacy = new Set<string>();
  for (const part of chunk(attempts, rowsPerStatement(adapter.maxParameters, 1, 5000))) {
    const rows = await db
      .selectFrom('documents')
      .select('attempt_id')
      .$if(byJob !== null, (query) => query.where(adapter.inList('job_id', byJob!, 'bigint')))
      .where(adapter.inList('attempt_id', part, 'text'))
      .execute();
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
