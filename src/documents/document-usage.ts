/** Token totals and document counts grouped by model or by template, optionally for one run label or stage. */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';

export interface DocumentUsageRow {
  key: string | null;
  documents: number;
  ok: number;
  promptTokens: number;
  completionTokens: number;
}

export interface DocumentUsageFilter {
  by: 'model' | 'template';
  runLabel?: string;
  stage?: string;
}

export async function documentUsage(database: HolocronDatabase, filter: DocumentUsageFilter): Promise<DocumentUsageRow[]> {
  const column = filter.by === 'model' ? 'model_id' : 'template_id';
  const rows = await database.db
    .selectFrom('documents')
    .select([
      `${column} as key`,
      sql<number>`count(*)`.as('documents'),
      sql<number>`sum(case when status = 'ok' then 1 else 0 end)`.as('ok'),
      sql<number>`coalesce(sum(usage_prompt_tokens), 0)`.as('prompt_tokens'),
      sql<number>`coalesce(sum(usage_completion_tokens), 0)`.as('completion_tokens'),
    ])
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .$if(filter.stage !== undefined, (query) => query.where('stage', '=', filter.stage!))
    .groupBy(column)
    .orderBy(column)
    .execute();
  return rows.map((row) => ({
    key: row.key,
    documents: Number(row.documents),
    ok: Number(row.ok),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
  }));
}
