/**
 * A document's lineage: its ancestors up the `parent_doc_id` chain, and its descendants as a tree,
 * with two recursive CTEs (the same SQL on SQLite and PostgreSQL). Depth and size are bounded so a
 * pathological index cannot make one call unbounded. `cross join` keeps SQLite's join order (the few
 * CTE rows outside, a primary-key probe each); a plain join let it scan the whole table (100 ms at 100k).
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { DocumentRow } from './documents-tables.ts';

export interface LineageNode {
  document: DocumentRow;
  children: LineageNode[];
}

export interface DocumentLineage {
  document: DocumentRow;
  /** Root first, the document's parent last. */
  ancestors: DocumentRow[];
  /** The document and everything made from it. */
  descendants: LineageNode;
  /** True when the descendants were cut at `maxDescendants`. */
  truncated: boolean;
}

export interface LineageOptions {
  maxDepth?: number;
  maxDescendants?: number;
}

export async function documentLineage(
  database: HolocronDatabase,
  docId: string,
  options: LineageOptions = {},
): Promise<DocumentLineage | null> {
  const maxDepth = options.maxDepth ?? 64;
  const maxDescendants = options.maxDescendants ?? 10_000;
  const { db } = database;
  const up = await sql<DocumentRow & { depth: number }>`
    with recursive up(doc_id, parent_doc_id, depth) as (
      select doc_id, parent_doc_id, 0 from documents where doc_id = ${docId}
      union all
      select d.doc_id, d.parent_doc_id, up.depth + 1 from documents d join up on d.doc_id = up.parent_doc_id
      where up.depth < ${maxDepth}
    )
    select documents.*, up.depth from up cross join documents where documents.doc_id = up.doc_id order by up.depth desc`.execute(db);
  if (up.rows.length === 0) return null;
  const self = up.rows[up.rows.length - 1]!;
  const down = await sql<DocumentRow & { depth: number }>`
    with recursive down(doc_id, depth) as (
      select doc_id, 0 from documents where doc_id = ${docId}
      union all
      select d.doc_id, down.depth + 1 from documents d join down on d.parent_doc_id = down.doc_id
      where down.depth < ${maxDepth}
    )
    select documents.*, down.depth from down cross join documents where documents.doc_id = down.doc_id
    order by down.depth, documents.id limit ${maxDescendants + 1}`.execute(db);
  const truncated = down.rows.length > maxDescendants;
  const nodes = new Map<string, LineageNode>();
  for (const row of down.rows.slice(0, maxDescendants)) {
    const node: LineageNode = { document: strip(row), children: [] };
    nodes.set(row.doc_id, node);
    if (row.depth > 0 && row.parent_doc_id) nodes.get(row.parent_doc_id)?.children.push(node);
  }
  return {
    document: strip(self),
    ancestors: up.rows.slice(0, -1).map(strip),
    descendants: nodes.get(docId)!,
    truncated,
  };
}

function strip(row: DocumentRow & { depth?: number }): DocumentRow {
  const { depth: _depth, ...document } = row;
  return document;
}
