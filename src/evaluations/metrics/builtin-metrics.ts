/**
 * The built-in metrics: schema validity, exact match, per-field match by JSON path, list matching by
 * key (precision / recall / F1 overall and per key), numeric tolerance, latency and tokens.
 * Each is a factory over settings; the settings are hashed into the metric's version.
 */
import { compileJsonSchema } from '../../validation/output-validator.ts';
import type { JsonSchema } from '../../providers/llm-provider.ts';
import { leafPaths, normalizeValue, valueAtPath, valuesEqual, type NormalizeOptions } from './json-values.ts';
import { checkMetricName, metricVersion, type Metric, type MetricScore } from './metric.ts';

function single(metric: string, value: number | null, passed: boolean | null, details?: Record<string, unknown>): MetricScore[] {
  return [{ metric, field: null, value, passed, ...(details ? { details } : {}) }];
}

/** 1 when the answer exists and satisfies the schema, else 0. */
export function schemaValid(settings: { schema: JsonSchema; name?: string }): Metric {
  const name = checkMetricName(settings.name ?? 'schema_valid');
  const validate = compileJsonSchema(settings.schema);
  return {
    name,
    version: metricVersion('schema_valid', { schema: settings.schema }),
    binary: true,
    lowerIsBetter: false,
    score(input) {
      if (input.output === null || input.output === undefined) return single(name, 0, false, { reason: input.error ?? 'no answer' });
      const ok = validate(structuredClone(input.output));
      return single(name, ok ? 1 : 0, ok);
    },
  };
}

/** 1 when the answer equals the expected value (key order never matters; normalisation optional, off by default). */
export function exactMatch(settings: { name?: string; path?: string; normalize?: NormalizeOptions | false } = {}): Metric {
  const name = checkMetricName(settings.name ?? 'exact_match');
  const normalize = settings.normalize === undefined || settings.normalize === false ? { strings: false, numbers: false } : settings.normalize;
  return {
    name,
    version: metricVersion('exact_match', { path: settings.path ?? null, normalize }),
    binary: true,
    lowerIsBetter: false,
    score(input) {
      if (input.output === null || input.output === undefined) return single(name, 0, false);
      const actual = settings.path ? valueAtPath(input.output, settings.path) : input.output;
      const expected = settings.path ? valueAtPath(input.expected, settings.path) : input.expected;
      const ok = valuesEqual(actual, expected, normalize);
      return single(name, ok ? 1 : 0, ok);
    },
  };
}

/**
 * Per-field match: for each path (default: every leaf of the expected value), whether the answer has the
 * same value there after normalisation. One score per field (`field` = the path), and the fraction of
 * fields that match as the item's score.
 */
export function fieldMatch(settings: { name?: string; paths?: string[]; exclude?: string[]; normalize?: NormalizeOptions; numericTolerance?: number } = {}): Metric {
  const name = checkMetricName(settings.name ?? 'field_match');
  const normalize = settings.normalize ?? {};
  const tolerance = settings.numericTolerance ?? 0;
  return {
    name,
    version: metricVersion('field_match', { paths: settings.paths ?? null, exclude: settings.exclude ?? [], normalize, tolerance }),
    binary: false,
    lowerIsBetter: false,
    score(input) {
      const excluded = settings.exclude ?? [];
      const paths = (settings.paths ?? leafPaths(input.expected)).filter(
        (path) => !excluded.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)),
      );
      const scores: MetricScore[] = [];
      let matched = 0;
      for (const path of paths) {
        const expected = valueAtPath(input.expected, path);
        const actual = input.output === null || input.output === undefined ? undefined : valueAtPath(input.output, path);
        const ok = fieldEquals(actual, expected, normalize, tolerance);
        if (ok) matched += 1;
        scores.push({
          metric: name,
          field: path,
          value: ok ? 1 : 0,
          passed: ok,
          ...(ok ? {} : { details: { expected: expected ?? null, actual: actual ?? null } }),
        });
      }
      scores.unshift({ metric: name, field: null, value: paths.length === 0 ? null : matched / paths.length, passed: paths.length === 0 ? null : matched === paths.length, details: { matched, fields: paths.length } });
      return scores;
    },
  };
}

function fieldEquals(actual: unknown, expected: unknown, normalize: NormalizeOptions, tolerance: number): boolean {
  if (tolerance > 0) {
    const a = normalizeValue(actual, normalize);
    const e = normalizeValue(expected, normalize);
    if (typeof a === 'number' && typeof e === 'number') return Math.abs(a - e) <= tolerance;
  }
  return valuesEqual(actual, expected, normalize);
}

export interface ListMatchSettings {
  /** The metric's name; its scores are `<name>.precision`, `<name>.recall`, `<name>.f1`. Default `facts`. */
  name?: string;
  /** Where the list is in the answer and the expected value (default: the name). */
  path?: string;
  /** The field that identifies an entry (e.g. `fact_key`). */
  key: string;
  /** The fields of an entry that must match for it to count as right (default: `value`). Empty: the key alone. */
  compare?: string[];
  normalize?: NormalizeOptions;
}

/**
 * List matching by key: entries of the answer and the expected list are paired by their key. A pair whose
 * compared fields match is a true positive; an answered entry with no expected partner, or a wrong value,
 * is a false positive; an expected entry not answered right is a false negative. Per item: precision,
 * recall, F1, and one F1 score per key (`field` = `<path>.<key value>`: 1 right, 0 wrong or missing).
 */
export function listMatch(settings: ListMatchSettings): Metric {
  const name = checkMetricName(settings.name ?? 'facts');
  const path = settings.path ?? name;
  const compare = settings.compare ?? ['value'];
  const normalize = settings.normalize ?? {};
  return {
    name,
    version: metricVersion('list_match', { path, key: settings.key, compare, normalize }),
    binary: false,
    lowerIsBetter: false,
    score(input) {
      const expectedList = asList(valueAtPath(input.expected, path));
      const actualList = input.output === null || input.output === undefined ? [] : asList(valueAtPath(input.output, path));
      const keyOf = (entry: unknown) => {
        const key = valueAtPath(entry, settings.key);
        return key === undefined || key === null ? null : String(normalizeValue(key, normalize));
      };
      const actualByKey = new Map<string, unknown>();
      let unkeyed = 0;
      for (const entry of actualList) {
        const key = keyOf(entry);
        if (key === null) unkeyed += 1;
        else if (!actualByKey.has(key)) actualByKey.set(key, entry);
        else unkeyed += 1; // a duplicate key is an extra, wrong entry
      }
      let truePositives = 0;
      let falsePositives = unkeyed;
      let falseNegatives = 0;
      const perKey: MetricScore[] = [];
      const expectedKeys = new Set<string>();
      for (const entry of expectedList) {
        const key = keyOf(entry);
        if (key === null || expectedKeys.has(key)) continue;
        expectedKeys.add(key);
        const answered = actualByKey.get(key);
        const right = answered !== undefined && compare.every((field) => valuesEqual(valueAtPath(answered, field), valueAtPath(entry, field), normalize));
        if (right) truePositives += 1;
        else {
          falseNegatives += 1;
          if (answered !== undefined) falsePositives += 1;
        }
        perKey.push({
          metric: `${name}.f1`,
          field: `${path}.${key}`,
          value: right ? 1 : 0,
          passed: right,
          ...(right ? {} : { details: { expected: pick(entry, compare), actual: answered === undefined ? null : pick(answered, compare) } }),
        });
      }
      for (const key of actualByKey.keys()) if (!expectedKeys.has(key)) falsePositives += 1;
      const { precision, recall, f1 } = precisionRecallF1(truePositives, falsePositives, falseNegatives);
      const counts = { tp: truePositives, fp: falsePositives, fn: falseNegatives };
      return [
        { metric: `${name}.precision`, field: null, value: precision, passed: null, details: counts },
        { metric: `${name}.recall`, field: null, value: recall, passed: null, details: counts },
        { metric: `${name}.f1`, field: null, value: f1, passed: null, details: counts },
        ...perKey,
      ];
    },
  };
}

/** Precision, recall and F1 from counts; an empty answer to an empty expectation is perfect. */
export function precisionRecallF1(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? (fn === 0 ? 1 : 0) : tp / (tp + fp);
  const recall = tp + fn === 0 ? (fp === 0 ? 1 : 0) : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function pick(entry: unknown, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, valueAtPath(entry, field) ?? null]));
}

/** 1 when the number at `path` is within `tolerance` (absolute, or relative to the expected value) of the expected one. */
export function numericTolerance(settings: { path: string; tolerance: number; relative?: boolean; name?: string }): Metric {
  const name = checkMetricName(settings.name ?? 'numeric_tolerance');
  if (!(settings.tolerance >= 0)) throw new RangeError('numericTolerance: tolerance must be 0 or more');
  return {
    name,
    version: metricVersion('numeric_tolerance', { path: settings.path, tolerance: settings.tolerance, relative: settings.relative ?? false }),
    binary: true,
    lowerIsBetter: false,
    score(input) {
      const expected = normalizeValue(valueAtPath(input.expected, settings.path));
      const actual = input.output === null ? undefined : normalizeValue(valueAtPath(input.output, settings.path));
      if (typeof expected !== 'number') return [{ metric: name, field: settings.path, value: null, passed: null }];
      if (typeof actual !== 'number') return [{ metric: name, field: settings.path, value: 0, passed: false, details: { expected, actual: actual ?? null } }];
      const error = Math.abs(actual - expected);
      const allowed = settings.relative ? settings.tolerance * Math.abs(expected) : settings.tolerance;
      const ok = error <= allowed;
      return [{ metric: name, field: settings.path, value: ok ? 1 : 0, passed: ok, details: { expected, actual, error } }];
    },
  };
}

/** The item's latency in milliseconds; passes under `maxMs` when given. */
export function latency(settings: { maxMs?: number; name?: string } = {}): Metric {
  const name = checkMetricName(settings.name ?? 'latency');
  return {
    name,
    version: metricVersion('latency', { maxMs: settings.maxMs ?? null }),
    binary: false,
    lowerIsBetter: true,
    score(input) {
      if (input.latencyMs === null) return single(name, null, null);
      return single(name, input.latencyMs, settings.maxMs === undefined ? null : input.latencyMs <= settings.maxMs);
    },
  };
}

/** Tokens used: `tokens` (prompt + completion), `tokens.prompt`, `tokens.completion`. */
export function tokens(settings: { name?: string } = {}): Metric {
  const name = checkMetricName(settings.name ?? 'tokens');
  return {
    name,
    version: metricVersion('tokens', {}),
    binary: false,
    lowerIsBetter: true,
    score(input) {
      if (input.promptTokens === null && input.completionTokens === null) return single(name, null, null);
      const prompt = input.promptTokens ?? 0;
      const completion = input.completionTokens ?? 0;
      return [
        { metric: name, field: null, value: prompt + completion, passed: null },
        { metric: `${name}.prompt`, field: null, value: prompt, passed: null },
        { metric: `${name}.completion`, field: null, value: completion, passed: null },
      ];
    },
  };
}

/** Stable text for a set of metric versions (what a run was scored with). */
export function metricVersions(metrics: readonly Metric[]): Record<string, string> {
  return Object.fromEntries(metrics.map((metric) => [metric.name, metric.version]));
}

