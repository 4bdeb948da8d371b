/**
 * Lists documents newest first, filtered, a page at a time: `limit` rows, and the next page starts
 * `before` the last doc_id shown (keyset paging: every page is an index range scan, however deep).
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { DocumentRow, DocumentStatus } from './documents-tables.ts';

export interface ListDocumentsFilter {
  runLabel?: string;
  stage?: string;
  status?: DocumentStatus;
  modelId?: string;
  templateId?: string;
  logicalKeyId?: string;
  taskId?: string;
  parentDocId?: string;
  /** Only documents older than this one (the last doc_id of the previous page). */
  before?: string;
  limit?: number;
}

export async function listDocuments(database: HolocronDatabase, filter: ListDocumentsFilter = {}): Promise<DocumentRow[]> {
  const { db } = database;
  return db
    .selectFrom('documents')
    .selectAll()
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .$if(filter.stage !== undefined, (query) => query.where('stage', '=', filter.stage!))
    .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status!))
    .$if(filter.modelId !== undefined, (query) => query.where('model_id', '=', filter.modelId!))
    .$if(filter.templateId !== undefined, (query) => query.where('template_id', '=', filter.templateId!))
    .$if(filter.logicalKeyId !== undefined, (query) => query.where('logical_key_id', '=', filter.logicalKeyId!))
    .$if(filter.taskId !== undefined, (query) => query.where('task_id', '=', filter.taskId!))
    .$if(filter.parentDocId !== undefined, (query) => query.where('parent_doc_id', '=', filter.parentDocId!))
    .$if(filter.before !== undefined, (query) =>
      query.where('id', '<', (eb) => eb.selectFrom('documents').select('id').where('doc_id', '=', filter.before!)),
    )
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50)
    .execute();
}
