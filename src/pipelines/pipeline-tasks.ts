/**
 * Turning a stage into job requests, and recording them as tasks, inside the caller's transaction:
 * used by `pipeline run` (the first stage, from the input items), by the hand-off (a parent's
 * children) and by the rebuild. A task's key — run, stage, item, template, model, parent document —
 * is unique, and its job carries a dedupe key made from it, so making the same task twice (a replayed
 * transaction, a second `pipeline run` of the same items) adds nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { contentHash } from '../documents/logical-key.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import { JobRequestError, prepareJobSpecs } from '../pipeline/job-request.ts';
import { insertJobs, type JobSpec } from '../queue/enqueue-jobs.ts';
import type { PipelineStage } from './pipeline-definition.ts';
import { resolveEvidence, resolveValue, type FeedContext } from './resolve-references.ts';

export interface TaskPlan {
  pipelineRunId: number;
  runLabel: string;
  stage: PipelineStage;
  itemId: string;
  template: string;
  model: string | null;
  parentDocId: string | null;
  context: FeedContext;
  /** Where a problem is reported from (`items.jsonl line 3`, `hand-off from <doc_id>`). */
  where: string;
  /** A rebuild: the stale document this task replaces (part of the task's key). */
  rebuildOf?: string;
}

export interface TaskSettings {
  registry: InterrogationRegistry;
  evidenceRoot: string;
  defaults: { priority: number; maxAttempts: number };
}

export function taskKeyOf(plan: Pick<TaskPlan, 'pipelineRunId' | 'stage' | 'itemId' | 'template' | 'model' | 'parentDocId' | 'rebuildOf'>): string {
  const parts: unknown[] = [plan.pipelineRunId, plan.stage.name, plan.itemId, plan.template, plan.model, plan.parentDocId];
  if (plan.rebuildOf) parts.push(plan.rebuildOf);
  return contentHash(JSON.stringify(parts));
}

/** The job request of a planned task (the enqueue contract's shape). */
export function requestOf(plan: TaskPlan): Record<string, unknown> {
  const { stage, context } = plan;
  let request: Record<string, unknown>;
  if (stage.input || stage.evidence) {
    request = {};
    if (stage.input) request.input = resolveValue(stage.input, context);
    if (stage.evidence) request.evidence = resolveEvidence(stage.evidence, context);
    for (const field of ['entity_type', 'entity_id'] as const) {
      const value = (request.input as Record<string, unknown> | undefined)?.[field];
      if (typeof value === 'string') request[field] = value;
    }
  } else {
    // A first stage without a mapping takes the item as it is: an enqueue line.
    const { id: _id, interrogation: _interrogation, model: _model, run_label: _label, dedupe_key: _key, ...rest } = context.item;
    request = rest;
  }
  request.interrogation = plan.template;
  if (plan.model) request.model = plan.model;
  request.run_label = plan.runLabel;
  request.dedupe_key = `pipeline:${taskKeyOf(plan)}`;
  if (stage.priority !== undefined) request.priority = stage.priority;
  if (stage.maxAttempts !== undefined) request.max_attempts = stage.maxAttempts;
  if (context.cache !== undefined) request.cache = context.cache;
  return request;
}

export interface MadeTasks {
  enqueued: number;
  /** Tasks that existed already (nothing added). */
  existing: number;
  /** Tasks whose job could not be made, with why (recorded as tasks with an error). */
  refused: { where: string; message: string }[];
}

/**
 * Validates each planned task's request (all problems at once when `strict`, else each refused task is
 * recorded with its error), then inserts the jobs and the tasks.
 */
export async function makeTasks(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  plans: readonly TaskPlan[],
  settings: TaskSettings,
  now: number,
  options: { strict: boolean },
): Promise<MadeTasks> {
  const made: MadeTasks = { enqueued: 0, existing: 0, refused: [] };
  if (plans.length === 0) return made;
  const keys = plans.map(taskKeyOf);
  const known = new Set<string>();
  for (let start = 0; start < keys.length; start += 1000) {
    const rows = await transaction
      .selectFrom('pipeline_tasks')
      .select('task_key')
      .where(adapter.inList('task_key', keys.slice(start, start + 1000), 'text'))
      .execute();
    for (const row of rows) known.add(row.task_key);
  }
  const fresh: { plan: TaskPlan; key: string; spec: JobSpec | null; error: string | null }[] = [];
  const strictProblems: string[] = [];
  for (const [index, plan] of plans.entries()) {
    const key = keys[index]!;
    if (known.has(key)) {
      made.existing += 1;
      continue;
    }
    known.add(key);
    let spec: JobSpec | null = null;
    let error: string | null = null;
    try {
      [spec] = await prepareJobSpecs([{ where: plan.where, request: requestOf(plan) }], settings);
    } catch (problem) {
      error = problem instanceof JobRequestError ? problem.message : `cannot make the job: ${(problem as Error).message}`;
    }
    if (error && options.strict) strictProblems.push(error);
    fresh.push({ plan, key, spec: spec ?? null, error });
  }
  if (strictProblems.length > 0) throw new PipelineTaskError(strictProblems.join('\n'));
  const withJobs = fresh.filter((entry) => entry.spec);
  const jobs = await insertJobs(transaction, adapter, withJobs.map((entry) => entry.spec!));
  const jobOf = new Map(withJobs.map((entry, index) => [entry.key, jobs[index]!.id]));
  for (let start = 0; start < fresh.length; start += 200) {
    const part = fresh.slice(start, start + 200);
    await transaction
      .insertInto('pipeline_tasks')
      .values(
        part.map(({ plan, key, error }) => ({
          pipeline_run_id: plan.pipelineRunId,
          stage: plan.stage.name,
          item_id: plan.itemId,
          template_id: plan.template,
          model_id: plan.model,
          parent_doc_id: plan.parentDocId,
          task_key: key,
          context: JSON.stringify(plan.context),
          job_id: jobOf.get(key) ?? null,
          error,
          created_at: now,
        })),
      )
      .onConflict((conflict) => conflict.column('task_key').doNothing())
      .execute();
  }
  made.enqueued = withJobs.length;
  made.refused = fresh.filter((entry) => entry.error).map((entry) => ({ where: entry.plan.where, message: entry.error! }));
  return made;
}

export class PipelineTaskError extends Error {
  override readonly name = 'PipelineTaskError';
}

/** Every template × model combination of a stage. */
export function combinationsOf(stage: PipelineStage): { template: string; model: string | null }[] {
  return stage.templates.flatMap((template) => stage.models.map((model) => ({ template, model })));
}
