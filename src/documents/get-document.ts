/** One document by its doc_id, or null. */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { DocumentRow } from './documents-tables.ts';

export async function getDocument(database: HolocronDatabase, docId: string): Promise<DocumentRow | null> {
  const row = await database.db.selectFrom('documents').selectAll().where('doc_id', '=', docId).executeTakeFirst();
  return row ?? null;
}
