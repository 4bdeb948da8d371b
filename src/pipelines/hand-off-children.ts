/**
 * The hand-off: when an attempt of a pipeline's job succeeds, its children (the next stages' template ×
 * model combinations) are enqueued in the transaction that records it. Either both commit or neither
 * does — a crash never loses a hand-off — and a task's unique key means it is never made twice.
 * A child whose input cannot be made (the parent's answer lacks a field the stage reads, the child's
 * interrogation refuses it) is recorded as a task with its error, visible in `pipeline status`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import type { DescribeJobs, JobPlacement, RecordedDocument } from '../documents/record-attempt-documents.ts';
import type { AttemptOutcome } from '../queue/record-outcomes.ts';
import { childStagesOf, type PipelineDefinition } from './pipeline-definition.ts';
import { combinationsOf, makeTasks, type TaskPlan, type TaskSettings } from './pipeline-tasks.ts';
import type { FeedContext } from './resolve-references.ts';

/** Where each pipeline job sits: its stage, item and parent document (for its document row). */
export const describePipelineJobs: DescribeJobs = async (transaction, jobIds) => {
  const placements = new Map<number, JobPlacement>();
  if (jobIds.length === 0) return placements;
  const rows = await transaction
    .selectFrom('pipeline_tasks')
    .select(['job_id', 'stage', 'item_id', 'parent_doc_id'])
    .where('job_id', 'in', [...jobIds])
    .execute();
  for (const row of rows) placements.set(Number(row.job_id), { stage: row.stage, itemId: row.item_id, parentDocId: row.parent_doc_id });
  return placements;
};

export interface HandOffResult {
  enqueued: number;
  refused: number;
}

export async function handOffChildren(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  documents: readonly RecordedDocument[],
  outcomes: readonly AttemptOutcome[],
  settings: TaskSettings,
  now: number,
): Promise<HandOffResult> {
  const result: HandOffResult = { enqueued: 0, refused: 0 };
  const ready = documents.filter((document) => document.status === 'ok' && document.placement);
  if (ready.length === 0) return result;
  const tasks = await transaction
    .selectFrom('pipeline_tasks')
    .select(['job_id', 'pipeline_run_id', 'stage', 'item_id', 'context'])
    .where('job_id', 'in', ready.map((document) => document.jobId))
    .execute();
  const taskOf = new Map(tasks.map((task) => [Number(task.job_id), task]));
  const runIds = [...new Set(tasks.map((task) => Number(task.pipeline_run_id)))];
  const runs = new Map(
    (await transaction.selectFrom('pipeline_runs').select(['id', 'run_label', 'definition']).where('id', 'in', runIds).execute()).map((run) => [
      Number(run.id),
      { runLabel: run.run_label, definition: JSON.parse(run.definition) as PipelineDefinition },
    ]),
  );
  const outputs = await outputsOf(transaction, ready, outcomes);
  const plans: TaskPlan[] = [];
  for (const document of ready) {
    const task = taskOf.get(document.jobId);
    const run = task ? runs.get(Number(task.pipeline_run_id)) : undefined;
    if (!task || !run) continue;
    const children = childStagesOf(run.definition, task.stage);
    if (children.length === 0) continue;
    const output = outputs.get(document.runId);
    const text = typeof output === 'string' ? output : `${JSON.stringify(output ?? null, null, 2)}\n`;
    const parentContext = JSON.parse(task.context) as FeedContext;
    const context: FeedContext = {
      item: parentContext.item,
      stages: { ...parentContext.stages, [task.stage]: { doc_id: document.docId, output, text } },
      parent: task.stage,
      ...(parentContext.cache === undefined ? {} : { cache: parentContext.cache }),
    };
    for (const stage of children) {
      for (const { template, model } of combinationsOf(stage)) {
        plans.push({
          pipelineRunId: Number(task.pipeline_run_id),
          runLabel: run.runLabel,
          stage,
          itemId: task.item_id,
          template,
          model,
          parentDocId: document.docId,
          context,
          where: `hand-off from ${task.stage} document ${document.docId} to ${stage.name} (${template})`,
        });
      }
    }
  }
  const made = await makeTasks(transaction, adapter, plans, settings, now, { strict: false });
  result.enqueued = made.enqueued;
  result.refused = made.refused.length;
  return result;
}

/** A success's validated output: from the outcome when the worker carries it, else from runs.output. */
async function outputsOf(
  transaction: Kysely<Database>,
  documents: readonly RecordedDocument[],
  outcomes: readonly AttemptOutcome[],
): Promise<Map<string, unknown>> {
  const outputs = new Map<string, unknown>();
  const missing: RecordedDocument[] = [];
  for (const document of documents) {
    const outcome = outcomes.find((candidate) => candidate.held.runId === document.runId) as (AttemptOutcome & { output?: unknown }) | undefined;
    if (outcome && outcome.output !== undefined) outputs.set(document.runId, outcome.output);
    else missing.push(document);
  }
  if (missing.length > 0) {
    const rows = await transaction
      .selectFrom('runs')
      .select(['id', 'output'])
      .where('id', 'in', missing.map((document) => document.runId))
      .execute();
    for (const row of rows) {
      const raw = (row as { output?: unknown }).output;
      outputs.set(row.id, typeof raw === 'string' ? JSON.parse(raw) : (raw ?? null));
    }
  }
  return outputs;
}
