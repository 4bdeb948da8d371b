/**
 * The pipelines area: a pipeline run (one file, one run label) and its tasks — one per job a stage
 * enqueued, with what feeds it. A task's `task_key` is unique: a hand-off can never be made twice,
 * even when the transaction that makes it is replayed.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

export interface PipelineRunTable {
  id: Generated<number>;
  name: string;
  run_label: string;
  /** The definition as loaded (JSON), so workers need not see the file. */
  definition: string;
  definition_hash: string;
  created_at: number;
}

export interface PipelineTaskTable {
  id: Generated<number>;
  pipeline_run_id: number;
  stage: string;
  /** The input item this task descends from. */
  item_id: string;
  template_id: string;
  /** Null: the job's default model. */
  model_id: string | null;
  parent_doc_id: string | null;
  /** sha256 of (run, stage, item, template, model, parent doc): unique. */
  task_key: string;
  /** JSON: what the stage can see (the item, the documents on its way, by stage). */
  context: string;
  job_id: number | null;
  /** Why the task could not be enqueued (its input did not meet the interrogation's contract, …). */
  error: string | null;
  created_at: number;
}

export interface PipelineTables {
  pipeline_runs: PipelineRunTable;
  pipeline_tasks: PipelineTaskTable;
}

export type PipelineRunRow = Selectable<PipelineRunTable>;
export type PipelineTaskRow = Selectable<PipelineTaskTable>;
export type NewPipelineTaskRow = Insertable<PipelineTaskTable>;
