/**
 * An evaluation run as it is stored and exported: the run, its tags, its items and its scores. The same
 * shape is what `runs export` writes and `runs import` reads, so a round trip loses nothing.
 */
import type { EvalItemStatus, EvalRunStatus } from '../evaluations-tables.ts';
import type { ScoringInput } from '../metrics/metric.ts';

export interface EvaluationRunRecord {
  id: string;
  name: string;
  description: string | null;
  project: string | null;
  dataset: string | null;
  model: string | null;
  interrogation: string | null;
  createdBy: string | null;
  tags: string[];
  status: EvalRunStatus;
  createdAt: number;
  startedAt: number;
  completedAt: number | null;
  durationMs: number | null;
  metricVersions: Record<string, string>;
  config: Record<string, unknown>;
  error: string | null;
}

/** An item as stored: what its metrics scored (the answer, its error, latency, tokens) and where it stands. */
export interface EvaluationItemRecord extends ScoringInput {
  repeat: number;
  position: number;
  status: EvalItemStatus;
  jobId: number | null;
}

export interface EvaluationScoreRecord {
  itemKey: string;
  repeat: number;
  metric: string;
  field: string | null;
  metricVersion: string;
  value: number | null;
  passed: boolean | null;
  details: Record<string, unknown> | null;
}

export interface EvaluationRecord {
  run: EvaluationRunRecord;
  items: EvaluationItemRecord[];
  scores: EvaluationScoreRecord[];
}

export class EvaluationNotFoundError extends Error {
  override readonly name = 'EvaluationNotFoundError';
}

export class EvaluationInputError extends Error {
  override readonly name = 'EvaluationInputError';
}
