/**
 * `pipeline run FILE --inputs items.jsonl`: records the run (its definition, so workers need not see
 * the file) and enqueues the first stage for every item, all in one transaction. Every problem — an
 * item without an id, two items with one id, a request the interrogation refuses — is reported at
 * once and nothing is enqueued. Running the same file again under the same label adds only new items;
 * a different definition under a used label is refused.
 */
import { databaseNow } from '../queue/database-now.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { PipelineDefinition } from './pipeline-definition.ts';
import type { FeedContext } from './resolve-references.ts';
import { combinationsOf, makeTasks, type TaskPlan, type TaskSettings } from './pipeline-tasks.ts';

export interface PipelineItem {
  where: string;
  item: Record<string, unknown>;
}

export interface StartedPipelineRun {
  pipelineRunId: number;
  runLabel: string;
  items: number;
  enqueued: number;
  existing: number;
}

export class PipelineRunError extends Error {
  override readonly name = 'PipelineRunError';
}

export function itemIdOf(item: Record<string, unknown>): string | null {
  const id = item.id ?? item.entity_id;
  return typeof id === 'string' && id.length > 0 ? id : typeof id === 'number' ? String(id) : null;
}

export async function startPipelineRun(
  database: HolocronDatabase,
  definition: PipelineDefinition,
  items: readonly PipelineItem[],
  runLabel: string,
  settings: TaskSettings,
  options: { cache?: FeedContext['cache'] } = {},
): Promise<StartedPipelineRun> {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { where, item } of items) {
    const id = itemIdOf(item);
    if (!id) problems.push(`${where}: an item needs an "id" (or "entity_id")`);
    else if (seen.has(id)) problems.push(`${where}: item id "${id}" is also used by ${seen.get(id)}`);
    else seen.set(id, where);
  }
  if (items.length === 0) problems.push('there are no input items');
  if (problems.length > 0) throw new PipelineRunError(`nothing was enqueued:\n  ${problems.join('\n  ')}`);
  const { db, adapter } = database;
  return adapter.writeTransaction(db, async (transaction) => {
    const now = await databaseNow(transaction, adapter);
    const existingRun = await transaction.selectFrom('pipeline_runs').selectAll().where('run_label', '=', runLabel).executeTakeFirst();
    if (existingRun && existingRun.definition_hash !== definition.hash) {
      throw new PipelineRunError(`run label "${runLabel}" belongs to another pipeline run (${existingRun.name}, a different definition); choose another --run-label`);
    }
    const pipelineRunId = existingRun
      ? Number(existingRun.id)
      : Number(
          (
            await transaction
              .insertInto('pipeline_runs')
              .values({ name: definition.name, run_label: runLabel, definition: JSON.stringify(definition), definition_hash: definition.hash, created_at: now })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
        );
    const first = definition.stages[0]!;
    const plans: TaskPlan[] = items.flatMap(({ where, item }) =>
      combinationsOf(first).map(({ template, model }) => ({
        pipelineRunId,
        runLabel,
        stage: first,
        itemId: itemIdOf(item)!,
        template,
        model,
        parentDocId: null,
        context: { item, stages: {}, parent: null, ...(options.cache === undefined ? {} : { cache: options.cache }) },
        where,
      })),
    );
    const made = await makeTasks(transaction, adapter, plans, settings, now, { strict: true });
    return { pipelineRunId, runLabel, items: items.length, enqueued: made.enqueued, existing: made.existing };
  });
}
