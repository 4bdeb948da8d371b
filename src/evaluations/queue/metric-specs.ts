/**
 * Metrics as data, for evaluations that run through the queue: the run records its metric specs in its
 * config and the versions they built to, and any worker process rebuilds the same metrics from them.
 * A TypeScript metric travels as a module spec — `{ type: 'module', module: '/abs/path/metric.ts',
 * export?, settings? }` whose export is a `defineMetric` definition, a Metric, or a factory
 * `(settings) => Metric | definition`; its version hashes the module file's bytes and the settings, so a
 * worker whose copy of the file differs refuses to score with it instead of silently mixing versions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { JsonSchema } from '../../providers/llm-provider.ts';
import { exactMatch, fieldMatch, latency, listMatch, numericTolerance, schemaValid, tokens } from '../metrics/builtin-metrics.ts';
import { judgeVersion } from '../metrics/llm-judge.ts';
import { checkMetricName, defineMetric, metricVersion, type CustomMetricDefinition, type Metric } from '../metrics/metric.ts';
import { EvaluationInputError } from '../store/evaluation-record.ts';

const normalizeSpec = z.object({ strings: z.boolean().optional(), numbers: z.boolean().optional() }).strict();
const jsonPath = z.string().regex(/^[A-Za-z_][\w.[\]]*$/, 'a JSON path like facts or person.birth_year');

export const metricSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('schema_valid') }).strict(),
  z.object({ type: z.literal('exact_match'), path: jsonPath.optional(), normalize: normalizeSpec.optional() }).strict(),
  z.object({ type: z.literal('field_match'), paths: z.array(jsonPath).optional(), exclude: z.array(jsonPath).optional(), normalize: normalizeSpec.optional(), numericTolerance: z.number().nonnegative().optional() }).strict(),
  z.object({ type: z.literal('list_match'), path: jsonPath, key: z.string().min(1), compare: z.array(z.string()).optional() }).strict(),
  z.object({ type: z.literal('numeric_tolerance'), path: jsonPath, tolerance: z.number().nonnegative(), relative: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('latency'), maxMs: z.number().positive().optional() }).strict(),
  z.object({ type: z.literal('tokens') }).strict(),
  z.object({ type: z.literal('module'), module: z.string().min(1), export: z.string().min(1).optional(), settings: z.unknown().optional() }).strict(),
  z.object({ type: z.literal('llm_judge'), model: z.string().min(1), rubric: z.string().min(1).optional(), name: z.string().min(1).optional() }).strict(),
]);

export type MetricSpec = z.infer<typeof metricSpecSchema>;

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

/**
 * Checks specs (a `--metrics` file's content) and makes module paths absolute against `baseDirectory`,
 * so every worker finds the same file.
 */
export function checkMetricSpecs(value: unknown, where: string, baseDirectory = process.cwd()): MetricSpec[] {
  const parsed = z.array(metricSpecSchema).min(1, 'at least one metric').safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EvaluationInputError(`${where}: ${issue.path.length > 0 ? `at ${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data.map((spec) => (spec.type === 'module' ? { ...spec, module: path.resolve(baseDirectory, spec.module) } : spec));
}

export async function buildMetrics(specs: readonly MetricSpec[], outputSchema: JsonSchema | null): Promise<Metric[]> {
  const metrics: Metric[] = [];
  for (const spec of specs) metrics.push(await buildMetric(spec, outputSchema));
  return metrics;
}

async function buildMetric(spec: MetricSpec, outputSchema: JsonSchema | null): Promise<Metric> {
  switch (spec.type) {
    case 'schema_valid':
      if (!outputSchema) throw new EvaluationInputError('schema_valid needs the interrogation’s output schema.');
      return schemaValid({ schema: outputSchema });
    case 'exact_match':
      return exactMatch({ path: spec.path, normalize: spec.normalize ?? {} });
    case 'field_match':
      return fieldMatch({ paths: spec.paths, exclude: spec.exclude ?? [], normalize: spec.normalize, numericTolerance: spec.numericTolerance });
    case 'list_match':
      return listMatch({ name: spec.path.replace(/\./g, '_'), path: spec.path, key: spec.key, compare: spec.compare });
    case 'numeric_tolerance':
      return numericTolerance({ path: spec.path, tolerance: spec.tolerance, relative: spec.relative, name: `tolerance_${spec.path.replace(/\./g, '_')}` });
    case 'latency':
      return latency({ maxMs: spec.maxMs });
    case 'tokens':
      return tokens();
    case 'module':
      return moduleMetric(spec);
    case 'llm_judge':
      return queuedJudgeMetric(spec);
  }
}

/** A metric scored later, by a job: the LLM judge of a queued run (src/evaluations/queue/judge-jobs.ts). */
export interface QueuedJudgeMetric extends Metric {
  queuedJudge: { model: string; rubric?: string };
}

export function isQueuedJudge(metric: Metric): metric is QueuedJudgeMetric {
  return (metric as QueuedJudgeMetric).queuedJudge !== undefined;
}

function queuedJudgeMetric(spec: Extract<MetricSpec, { type: 'llm_judge' }>): QueuedJudgeMetric {
  return {
    name: checkMetricName(spec.name ?? 'llm_judge'),
    version: judgeVersion(spec.model, spec.rubric),
    binary: false,
    lowerIsBetter: false,
    // Nothing when the item is scored: the judge's job is enqueued then, and its verdict recorded with it.
    score: () => [],
    queuedJudge: { model: spec.model, ...(spec.rubric ? { rubric: spec.rubric } : {}) },
  };
}

async function moduleMetric(spec: Extract<MetricSpec, { type: 'module' }>): Promise<Metric> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(spec.module);
  } catch (error) {
    throw new EvaluationInputError(`Cannot read the metric module ${spec.module}: ${(error as Error).message}`);
  }
  const exportName = spec.export ?? 'default';
  let loaded: unknown;
  try {
    loaded = ((await import(pathToFileURL(spec.module).href)) as Record<string, unknown>)[exportName];
  } catch (error) {
    throw new EvaluationInputError(`Cannot load the metric module ${spec.module}: ${(error as Error).message}`);
  }
  if (loaded === undefined) throw new EvaluationInputError(`The metric module ${spec.module} has no export "${exportName}".`);
  let made: unknown = loaded;
  if (typeof loaded === 'function') made = await (loaded as (settings: unknown) => unknown)(spec.settings ?? null);
  const metric = isMetric(made) ? made : isDefinition(made) ? defineMetric(made) : null;
  if (!metric) throw new EvaluationInputError(`The export "${exportName}" of ${spec.module} is not a metric (a defineMetric definition, a Metric, or a function returning one).`);
  const fileHash = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { ...metric, score: metric.score.bind(metric), version: metricVersion(`module:${metric.name}`, { file: fileHash, settings: spec.settings ?? null, inner: metric.version }) };
}

function isMetric(value: unknown): value is Metric {
  const metric = value as Metric;
  return typeof value === 'object' && value !== null && typeof metric.name === 'string' && typeof metric.version === 'string' && typeof metric.score === 'function';
}

function isDefinition(value: unknown): value is CustomMetricDefinition {
  const definition = value as CustomMetricDefinition;
  return typeof value === 'object' && value !== null && typeof definition.name === 'string' && typeof definition.score === 'function';
}
