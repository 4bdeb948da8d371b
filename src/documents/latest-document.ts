/**
 * The latest successful attempt (status `ok`) of one logical product, found by its logical key, or by
 * the task keys it is computed from (stage + source or parent + template + model), or by task id.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { DocumentRow } from './documents-tables.ts';
import { logicalKeyId, type LogicalKeyParts } from './logical-key.ts';

export type LatestDocumentQuery =
  | { logicalKeyId: string }
  | { taskKeys: LogicalKeyParts }
  | { taskId: string; stage?: string };

export async function latestDocument(database: HolocronDatabase, query: LatestDocumentQuery): Promise<DocumentRow | null> {
  let select = database.db.selectFrom('documents').selectAll().where('status', '=', 'ok');
  if ('taskId' in query) {
    select = select.where('task_id', '=', query.taskId);
    if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  } else {
    const key = 'logicalKeyId' in query ? query.logicalKeyId : logicalKeyId(query.taskKeys);
    select = select.where('logical_key_id', '=', key);
  }
  const row = await select.orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ?? null;
}
