/**
 * Metrics as data, for evaluations that run through the queue: any worker process rebuilds the same
 * metrics from the run's stored settings (a TypeScript function cannot travel through the queue, so
 * custom metrics are for `evaluate()`). The specs are part of the run's config, and each built metric's
 * version is stored with its scores as usual.
 */
import type { JsonSchema } from '../../providers/llm-provider.ts';
import { exactMatch, fieldMatch, latency, listMatch, numericTolerance, schemaValid, tokens } from '../metrics/builtin-metrics.ts';
import type { Metric } from '../metrics/metric.ts';
import { EvaluationInputError } from '../store/evaluation-record.ts';

export type MetricSpec =
  | { type: 'schema_valid' }
  | { type: 'exact_match' }
  | { type: 'field_match'; exclude?: string[] }
  | { type: 'list_match'; path: string; key: string; compare?: string[] }
  | { type: 'numeric_tolerance'; path: string; tolerance: number; relative?: boolean }
  | { type: 'latency' }
  | { type: 'tokens' };

/** The default set: schema validity, exact and per-field match (lists matched by key instead of position), latency, tokens. */
export function defaultMetricSpecs(lists: readonly { path: string; key: string }[]): MetricSpec[] {
  return [
    { type: 'schema_valid' },
    { type: 'exact_match' },
    { type: 'field_match', exclude: lists.map((list) => list.path) },
    ...lists.map((list): MetricSpec => ({ type: 'list_match', path: list.path, key: list.key })),
    { type: 'latency' },
    { type: 'tokens' },
  ];
}

/** `facts:fact_key` → { path: 'facts', key: 'fact_key' }. */
export function parseListSpec(text: string): { path: string; key: string } {
  const match = /^([A-Za-z_][\w.]*):([A-Za-z_][\w.]*)$/.exec(text.trim());
  if (!match) throw new EvaluationInputError(`"${text}" is not PATH:KEY (e.g. facts:fact_key).`);
  return { path: match[1]!, key: match[2]! };
}

export function buildMetrics(specs: readonly MetricSpec[], outputSchema: JsonSchema | null): Metric[] {
  return specs.map((spec) => {
    switch (spec.type) {
      case 'schema_valid':
        if (!outputSchema) throw new EvaluationInputError('schema_valid needs the interrogation’s output schema.');
        return schemaValid({ schema: outputSchema });
      case 'exact_match':
        return exactMatch({ normalize: {} });
      case 'field_match':
        return fieldMatch({ exclude: spec.exclude ?? [] });
      case 'list_match':
        return listMatch({ name: spec.path.replace(/\./g, '_'), path: spec.path, key: spec.key, compare: spec.compare });
      case 'numeric_tolerance':
        return numericTolerance({ path: spec.path, tolerance: spec.tolerance, relative: spec.relative, name: `tolerance_${spec.path.replace(/\./g, '_')}` });
      case 'latency':
        return latency();
      case 'tokens':
        return tokens();
      default:
        throw new EvaluationInputError(`Unknown metric type ${(spec as { type: string }).type}.`);
    }
  });
}
