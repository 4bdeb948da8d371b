/**
 * The evaluation store's tables. Words: an *evaluation run* (`eval_runs`) is one task over one dataset
 * with one model — not an attempt, which is a row of the queue's `runs`. An *item* is one dataset line in
 * a run (per repeat); a *score* is one metric's value for one item (per field, for per-field and per-key
 * metrics); an *aggregate* summarises a metric over a run. JSON (as text) only where the shape varies:
 * inputs, expected values, answers, score details, histograms.
 */
import type { Selectable } from 'kysely';
import type { Summary } from './statistics/summarize.ts';

export const evalRunStatuses = ['running', 'completed', 'failed'] as const;
export type EvalRunStatus = (typeof evalRunStatuses)[number];

export const evalItemStatuses = ['pending', 'ok', 'error'] as const;
export type EvalItemStatus = (typeof evalItemStatuses)[number];

export interface EvalProjectTable {
  name: string;
  description: string | null;
  created_at: number;
}

export interface EvalRunTable {
  id: string;
  name: string;
  description: string | null;
  project: string | null;
  dataset: string | null;
  model: string | null;
  interrogation: string | null;
  created_by: string | null;
  status: EvalRunStatus;
  item_count: number;
  /** Items that produced a scorable answer. */
  success_count: number;
  success_rate: number | null;
  duration_ms: number | null;
  created_at: number;
  started_at: number;
  completed_at: number | null;
  updated_at: number;
  /** Bumped on every change; cached comparisons are keyed by their runs' revisions. */
  revision: number;
  /** JSON: metric name → version (`kind@hash`) the run was scored with. */
  metric_versions: string;
  /** JSON: the run's settings (repeats, the evaluation's options, anything the caller adds). */
  config: string;
  /** Why the run failed, when it did. */
  error: string | null;
}

export interface EvalRunTagTable {
  run_id: string;
  tag: string;
}

export interface EvalItemTable {
  run_id: string;
  /** The dataset item's id, else `h:` + a hash of its input: how items of two runs are aligned. */
  item_key: string;
  repeat: number;
  /** Line order in the dataset (display only; never used to align). */
  position: number;
  status: EvalItemStatus;
  input: string;
  expected: string;
  output: string | null;
  error: string | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** The queue job that ran the item, when it ran through the queue. */
  job_id: number | null;
}

export interface EvalScoreTable {
  run_id: string;
  item_key: string;
  repeat: number;
  metric: string;
  /** '' for the item as a whole; a JSON path for a per-field or per-key score. */
  field: string;
  metric_version: string;
  value: number | null;
  /** 1 passed, 0 failed, null when pass/fail does not apply. */
  passed: number | null;
  details: string | null;
}

/** A metric's statistics over a run (src/evaluations/statistics/summarize.ts), the histogram as JSON text. */
export interface EvalMetricAggregateTable extends Omit<Summary, 'histogram'> {
  run_id: string;
  metric: string;
  field: string;
  metric_version: string;
  pass_rate: number | null;
  /** JSON: { edges, counts }. */
  histogram: string;
}

export interface EvalComparisonTable {
  /** The runs (baseline first) and the options, as text. */
  cache_key: string;
  /** `id@revision,…`: a run that changed since makes the entry stale. */
  fingerprint: string;
  result: string;
  created_at: number;
}


export interface EvaluationTables {
  eval_projects: EvalProjectTable;
  eval_runs: EvalRunTable;
  eval_run_tags: EvalRunTagTable;
  eval_items: EvalItemTable;
  eval_scores: EvalScoreTable;
  eval_metric_aggregates: EvalMetricAggregateTable;
  eval_comparisons: EvalComparisonTable;
}

export type EvalRunRow = Selectable<EvalRunTable>;
export type EvalItemRow = Selectable<EvalItemTable>;
export type EvalScoreRow = Selectable<EvalScoreTable>;
export type EvalMetricAggregateRow = Selectable<EvalMetricAggregateTable>;
