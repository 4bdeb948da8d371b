/**
 * Evaluation runs as `runs list|search|show|items|compare --json` print them and the HTTP API returns
 * them: the store's rows (snake_case, as stored) with their JSON text columns parsed.
 */
import type { EvalMetricAggregateRow } from '../evaluations/evaluations-tables.ts';

export function toEvalRunJson<T extends { metric_versions: string; config: string }>(run: T) {
  return { ...run, metric_versions: JSON.parse(run.metric_versions) as unknown, config: JSON.parse(run.config) as unknown };
}

export function toEvalItemJson<T extends { input: string; expected: string; output: string | null; scores: { details: string | null }[] }>(item: T) {
  return {
    ...item,
    input: JSON.parse(item.input) as unknown,
    expected: JSON.parse(item.expected) as unknown,
    output: item.output === null ? null : (JSON.parse(item.output) as unknown),
    scores: item.scores.map((score) => ({ ...score, details: score.details === null ? null : (JSON.parse(score.details) as unknown) })),
  };
}

export function toAggregateJson(aggregate: EvalMetricAggregateRow) {
  return { ...aggregate, histogram: JSON.parse(aggregate.histogram) as unknown };
}

/** The metric `runs show` ranks the worst items by, unless told: the first pass/fail metric, else the first 0–1 one. */
export function defaultWorstMetric(aggregates: readonly EvalMetricAggregateRow[]): string | undefined {
  const whole = aggregates.filter((aggregate) => aggregate.field === '');
  return whole.find((aggregate) => aggregate.pass_rate !== null)?.metric ?? whole.find((aggregate) => aggregate.max !== null && Number(aggregate.max) <= 1)?.metric;
}
