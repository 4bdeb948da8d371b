/**
 * The documents index: list and search, one document (with whether it is stale), and its lineage
 * (the CLI's `docs lineage --json`, plus the same as a graph of nodes and edges for drawing).
 */
import { Hono } from 'hono';
import { documentLineage, type LineageNode } from '../../documents/document-lineage.ts';
import { documentStatuses, type DocumentRow } from '../../documents/documents-tables.ts';
import { findStaleDocuments, type StaleDocument } from '../../documents/find-stale-documents.ts';
import { getDocument } from '../../documents/get-document.ts';
import { currentDefinitions, generationOf } from '../../pipelines/current-definitions.ts';
import { listDocuments } from '../../documents/list-documents.ts';
import { toDocumentJson, type DocumentJson } from '../../read-models/document.ts';
import { HttpError } from '../http-error.ts';
import { booleanParam, limitParam, oneOf, textParam } from '../query-params.ts';
import type { ListPage, RouteContext, ServerEnv } from '../server-context.ts';

export interface DocumentView extends DocumentJson {
  stale: boolean;
  staleReasons: StaleDocument['reasons'];
}

export interface LineageGraph {
  nodes: { docId: string; stage: string; status: string; templateId: string | null; stale: boolean; role: 'ancestor' | 'self' | 'descendant' }[];
  edges: { from: string; to: string }[];
}

const docIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function documentsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  const { database, registry } = holocron;
  const staleDocuments = (filter: { runLabel?: string; stage?: string }) =>
    findStaleDocuments(database, {
      ...filter,
      definitionOf: currentDefinitions(registry, generationOf(holocron.config)),
    });
  const docIdParam = (value: string): string => {
    if (!docIdPattern.test(value)) throw new HttpError(400, 'invalid_parameter', `docId: is not a document id, got "${value.slice(0, 80)}"`, { field: 'docId' });
    return value;
  };

  return new Hono<ServerEnv>()
    .get('/documents', async (context) => {
      const limit = limitParam(context);
      const runLabel = textParam(context, 'label');
      const stage = textParam(context, 'stage');
      const q = textParam(context, 'q', 200);
      if (booleanParam(context, 'stale')) {
        // Staleness is derived across the index (find-stale-documents.ts): one page, no cursor.
        const stale = await staleDocuments({ runLabel, stage });
        const page: ListPage<DocumentView> = {
          items: stale.slice(0, limit).map((entry) => ({ ...toDocumentJson(entry.document), stale: true, staleReasons: entry.reasons })),
          nextCursor: null,
        };
        return context.json(page);
      }
      const cursor = textParam(context, 'cursor', 64);
      if (cursor !== undefined) docIdParam(cursor);
      // q: a doc_id, else a task id (both indexed).
      const exact = q !== undefined && docIdPattern.test(q) && cursor === undefined ? await getDocument(database, q) : null;
      const rows: DocumentRow[] = exact
        ? [exact]
        : await listDocuments(database, {
            runLabel,
            stage,
            status: oneOf('status', context.req.query('status'), documentStatuses),
            modelId: textParam(context, 'model'),
            templateId: textParam(context, 'interrogation'),
            taskId: q,
            before: cursor,
            limit,
          });
      const page: ListPage<DocumentJson> = {
        items: rows.map(toDocumentJson),
        nextCursor: !exact && rows.length === limit ? rows.at(-1)!.doc_id : null,
      };
      return context.json(page);
    })
    .get('/documents/:docId', async (context) => {
      const docId = docIdParam(context.req.param('docId'));
      const row = await getDocument(database, docId);
      if (!row) throw new HttpError(404, 'document_not_found', `No document ${docId}.`);
      const stale = (await staleDocuments({ stage: row.stage })).find((entry) => entry.document.doc_id === docId);
      const view: DocumentView & { folder: string } = {
        ...toDocumentJson(row),
        folder: `${holocron.lake.location}/${row.doc_dir}`,
        stale: stale !== undefined,
        staleReasons: stale?.reasons ?? [],
      };
      return context.json(view);
    })
    .get('/documents/:docId/lineage', async (context) => {
      const docId = docIdParam(context.req.param('docId'));
      const lineage = await documentLineage(database, docId);
      if (!lineage) throw new HttpError(404, 'document_not_found', `No document ${docId}.`);
      const staleIds = new Set((await staleDocuments({})).map((entry) => entry.document.doc_id));
      const nodes: LineageGraph['nodes'] = [];
      const edges: LineageGraph['edges'] = [];
      const node = (row: DocumentRow, role: LineageGraph['nodes'][number]['role']) =>
        nodes.push({ docId: row.doc_id, stage: row.stage, status: row.status, templateId: row.template_id, stale: staleIds.has(row.doc_id), role });
      lineage.ancestors.forEach((row, index) => {
        node(row, 'ancestor');
        const child = lineage.ancestors[index + 1] ?? lineage.document;
        edges.push({ from: row.doc_id, to: child.doc_id });
      });
      const walk = (tree: LineageNode, role: 'self' | 'descendant') => {
        node(tree.document, role);
        for (const child of tree.children) {
          edges.push({ from: tree.document.doc_id, to: child.document.doc_id });
          walk(child, 'descendant');
        }
      };
      walk(lineage.descendants, 'self');
      const mapTree = (tree: LineageNode): unknown => ({ document: toDocumentJson(tree.document), children: tree.children.map(mapTree) });
      return context.json({
        document: toDocumentJson(lineage.document),
        ancestors: lineage.ancestors.map(toDocumentJson),
        descendants: mapTree(lineage.descendants),
        truncated: lineage.truncated,
        graph: { nodes, edges },
      });
    });
}
