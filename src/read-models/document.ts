/**
 * A document as `docs show|list|latest --json` print it and the HTTP API returns it: the index row as
 * stored (snake_case, as the seed's index had it), with `meta_small` parsed.
 */
import type { DocumentRow } from '../documents/documents-tables.ts';

export type DocumentJson = Omit<DocumentRow, 'meta_small'> & { meta_small: unknown };

export function toDocumentJson(row: DocumentRow): DocumentJson {
  return { ...row, meta_small: row.meta_small ? (JSON.parse(row.meta_small) as unknown) : null };
}
