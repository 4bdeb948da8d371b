/**
 * A metric scores one item's answer against its expected value. It returns one or more scores: a
 * named value (0–1 for match metrics, milliseconds for latency …), whether the item passed (null when
 * pass/fail does not apply), and optionally the field (JSON path) the score is about, so per-field
 * and per-key results are rows like any other and can be searched (`field:facts.birth_year != expected`).
 *
 * Every metric carries a version: a hash of its kind and settings (and, for a custom metric, its code),
 * stored with each score, so a changed metric is never silently mixed with the old one.
 */
import { canonicalJson, sha256Hex } from './json-values.ts';

export interface ScoringInput {
  /** The item's identity (dataset id, or a hash of its input). */
  itemKey: string;
  input: unknown;
  expected: unknown;
  /** The parsed answer; null when the task produced none. */
  output: unknown;
  /** Why no answer was produced (the task threw, the job dead-lettered…). */
  error: string | null;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface MetricScore {
  metric: string;
  /** The JSON path the score is about; null for the item as a whole. */
  field: string | null;
  value: number | null;
  passed: boolean | null;
  details?: Record<string, unknown>;
}

export interface Metric {
  name: string;
  /** `kind@hash`, e.g. `field_match@3f2a9c01d4e7`. */
  version: string;
  /** Pass/fail metrics are compared with the exact paired test as well as the bootstrap. */
  binary: boolean;
  /** Lower is better (latency, tokens): deltas are read the other way for regressions. */
  lowerIsBetter: boolean;
  score(input: ScoringInput): MetricScore[] | Promise<MetricScore[]>;
}

export function metricVersion(kind: string, settings: unknown, code?: string): string {
  const hash = sha256Hex(canonicalJson({ kind, settings: settings ?? null, code: code ?? null })).slice(0, 12);
  return `${kind}@${hash}`;
}

export class MetricDefinitionError extends Error {
  override readonly name = 'MetricDefinitionError';
}

export function checkMetricName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(name)) {
    throw new MetricDefinitionError(`A metric name must be letters, digits and _ (dotted parts allowed): "${name}".`);
  }
  return name;
}

export interface CustomMetricDefinition {
  name: string;
  /** Settings that change what the metric measures; part of its version. */
  settings?: unknown;
  /** Bump to mark a change the settings do not show. */
  revision?: string | number;
  binary?: boolean;
  lowerIsBetter?: boolean;
  /**
   * Return a number (the score; passed is `value >= 1` for a binary metric), a boolean (pass/fail as 1/0),
   * null (not scorable), or full scores.
   */
  score(input: ScoringInput): number | boolean | null | MetricScore[] | Promise<number | boolean | null | MetricScore[]>;
}

/** A metric written in TypeScript. Its version hashes its settings, revision and the function's source. */
export function defineMetric(definition: CustomMetricDefinition): Metric {
  const name = checkMetricName(definition.name);
  const binary = definition.binary ?? false;
  return {
    name,
    version: metricVersion(`custom:${name}`, { settings: definition.settings ?? null, revision: definition.revision ?? null }, definition.score.toString()),
    binary,
    lowerIsBetter: definition.lowerIsBetter ?? false,
    async score(input) {
      const result = await definition.score(input);
      if (Array.isArray(result)) return result;
      if (result === null) return [{ metric: name, field: null, value: null, passed: null }];
      if (typeof result === 'boolean') return [{ metric: name, field: null, value: result ? 1 : 0, passed: result }];
      if (!Number.isFinite(result)) throw new MetricDefinitionError(`Metric ${name} returned ${result}, not a finite number.`);
      return [{ metric: name, field: null, value: result, passed: binary ? result >= 1 : null }];
    },
  };
}
