/**
 * `pipeline rebuild --stale`: enqueues again exactly what is stale, parents before children. A stale
 * document whose own inputs changed (a newer parent, a changed template, schema or model) is rebuilt:
 * the same stage, item, template and model, on the newest parent. A document that is stale only
 * because an ancestor is (`ancestor_stale`) is not enqueued itself — it is rebuilt by the hand-off
 * when its rebuilt parent succeeds, so nothing runs twice and nothing runs on an outdated parent.
 * A rebuild task's key names the document it replaces: running the rebuild again adds nothing.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import { findStaleDocuments, type StaleDocument } from '../documents/find-stale-documents.ts';
import { currentDefinitionOf } from '../documents/interrogation-hashes.ts';
import type { GenerationOptions } from '../providers/llm-provider.ts';
import { currentDefinitions } from './current-definitions.ts';
import { databaseNow } from '../queue/database-now.ts';
import type { PipelineDefinition } from './pipeline-definition.ts';
import { makeTasks, type TaskPlan, type TaskSettings } from './pipeline-tasks.ts';
import type { FeedContext } from './resolve-references.ts';

export interface RebuildReport {
  dryRun: boolean;
  stale: StaleDocument[];
  /** Rebuilt now (or, in a dry run, that would be). */
  rebuilt: { docId: string; stage: string; taskId: string | null; parentDocId: string | null; reasons: string[] }[];
  /** Stale documents that follow their rebuilt parent through the hand-off. */
  followParent: string[];
  /** Stale documents not made by a pipeline: nothing says how to remake them. */
  notFromPipeline: string[];
  enqueued: number;
}

export async function rebuildStale(
  database: HolocronDatabase,
  settings: TaskSettings,
  options: { runLabel?: string; dryRun?: boolean; generation?: GenerationOptions } = {},
): Promise<RebuildReport> {
  const { db, adapter } = database;
  const registry = settings.registry;
  const stale = await findStaleDocuments(database, {
    runLabel: options.runLabel,
    // Without the configuration's generation options, templates and schemas are compared, not options.
    definitionOf: options.generation ? currentDefinitions(registry, options.generation) : (template) => (registry.has(template) ? currentDefinitionOf(registry.get(template)) : undefined),
  });
  const report: RebuildReport = { dryRun: Boolean(options.dryRun), stale, rebuilt: [], followParent: [], notFromPipeline: [], enqueued: 0 };
  const roots = stale.filter((entry) => entry.reasons.some((reason) => reason !== 'ancestor_stale'));
  report.followParent = stale.filter((entry) => !roots.includes(entry)).map((entry) => entry.document.doc_id);
  if (roots.length === 0) return report;

  return adapter.writeTransaction(db, async (transaction) => {
    const jobIds = roots.flatMap((entry) => (entry.document.job_id !== null ? [entry.document.job_id] : []));
    const tasks = jobIds.length
      ? await transaction.selectFrom('pipeline_tasks').selectAll().where('job_id', 'in', jobIds).execute()
      : [];
    const taskOf = new Map(tasks.map((task) => [Number(task.job_id), task]));
    const runIds = [...new Set(tasks.map((task) => Number(task.pipeline_run_id)))];
    const runs = new Map(
      runIds.length
        ? (await transaction.selectFrom('pipeline_runs').selectAll().where('id', 'in', runIds).execute()).map((run) => [
            Number(run.id),
            { runLabel: run.run_label, definition: JSON.parse(run.definition) as PipelineDefinition },
          ])
        : [],
    );
    const plans: TaskPlan[] = [];
    for (const entry of roots) {
      const task = entry.document.job_id !== null ? taskOf.get(entry.document.job_id) : undefined;
      const run = task ? runs.get(Number(task.pipeline_run_id)) : undefined;
      const stage = run?.definition.stages.find((candidate) => candidate.name === task!.stage);
      if (!task || !run || !stage) {
        report.notFromPipeline.push(entry.document.doc_id);
        continue;
      }
      let context = JSON.parse(task.context) as FeedContext;
      let parentDocId = task.parent_doc_id;
      if (entry.newerParentDocId && context.parent) {
        // Feed it from the parent's newest successful attempt: that attempt's own context, plus it.
        const newer = await transaction
          .selectFrom('documents')
          .innerJoin('pipeline_tasks', 'pipeline_tasks.job_id', 'documents.job_id')
          .innerJoin('runs', (join) => join.onRef('runs.id', '=', 'documents.attempt_id'))
          .select(['documents.doc_id', 'pipeline_tasks.context', 'runs.output'])
          .where('documents.doc_id', '=', entry.newerParentDocId)
          .executeTakeFirst();
        if (!newer) {
          report.notFromPipeline.push(entry.document.doc_id);
          continue;
        }
        const parentContext = JSON.parse(newer.context) as FeedContext;
        const raw = (newer as { output?: unknown }).output;
        const output = typeof raw === 'string' ? JSON.parse(raw) : (raw ?? null);
        context = {
          item: parentContext.item,
          stages: { ...parentContext.stages, [context.parent]: { doc_id: newer.doc_id, output, text: typeof output === 'string' ? output : `${JSON.stringify(output, null, 2)}\n` } },
          parent: context.parent,
        };
        parentDocId = newer.doc_id;
      }
      plans.push({
        pipelineRunId: Number(task.pipeline_run_id),
        runLabel: run.runLabel,
        stage,
        itemId: task.item_id,
        template: task.template_id,
        model: task.model_id,
        parentDocId,
        context,
        where: `rebuild of ${entry.document.doc_id}`,
        rebuildOf: entry.document.doc_id,
      });
      report.rebuilt.push({ docId: entry.document.doc_id, stage: stage.name, taskId: entry.document.task_id, parentDocId, reasons: entry.reasons });
    }
    if (options.dryRun || plans.length === 0) return report;
    const now = await databaseNow(transaction, adapter);
    const made = await makeTasks(transaction, adapter, plans, settings, now, { strict: false });
    report.enqueued = made.enqueued;
    return report;
  });
}
