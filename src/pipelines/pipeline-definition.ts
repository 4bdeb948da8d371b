/**
 * A pipeline file (JSON or YAML) names its stages. Each stage is an interrogation — one template or
 * several, one model or several: one job per template × model combination — and says how it is fed:
 * the first stage from the input items, every later stage from a document of the stage it comes
 * `after`.
 *
 *   name: star-wars-essays
 *   stages:
 *     - name: facts
 *       interrogation: sw_entity_facts_v1
 *     - name: essay
 *       after: facts
 *       interrogation: sw_entity_essay_v1
 *       parser: strip-preamble
 *       input: { entity_id: "=item.entity_id", facts: "=parent.text" }
 *
 * A string value starting with `=` is a reference: `=item.FIELD` (the input item), `=parent.output`
 * (the parent's validated JSON, or its text for a free-text stage), `=parent.output.FIELD…`,
 * `=parent.text` (the parent's answer as text), `=parent.doc_id`, and `=stage.NAME.output|text|doc_id`
 * for any earlier stage on the way. Anything else is taken literally (`==` escapes a leading `=`).
 * Files are checked on load; an error names the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { canonicalJson, contentHash } from '../documents/logical-key.ts';
import { textParserNames } from '../documents/text-parsers.ts';

const stageName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a stage name is lower case: letters, digits, _ and -');

const stageSchema = z
  .object({
    name: stageName,
    description: z.string().optional(),
    after: stageName.optional(),
    interrogation: z.string().min(1).optional(),
    interrogations: z.array(z.string().min(1)).min(1).optional(),
    model: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    parser: z.string().min(1).optional(),
    input: z.record(z.unknown()).optional(),
    evidence: z.array(z.string().min(1)).optional(),
    priority: z.number().int().optional(),
    max_attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict();

const pipelineSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    stages: z.array(stageSchema).min(1),
  })
  .strict();

export type PipelineFile = z.infer<typeof pipelineSchema>;

export interface PipelineStage {
  name: string;
  /** The stage it is fed from; null for the first stage. */
  after: string | null;
  templates: string[];
  /** Null: the job's default model (the worker's --model, else the interrogation's). */
  models: (string | null)[];
  parser: string | null;
  input: Record<string, unknown> | null;
  evidence: string[] | null;
  priority?: number;
  maxAttempts?: number;
}

export interface PipelineDefinition {
  name: string;
  description?: string;
  stages: PipelineStage[];
  /** sha256 of the definition's canonical JSON. */
  hash: string;
}

export class PipelineFileError extends Error {
  override readonly name = 'PipelineFileError';
}

export interface PipelineCheck {
  /** Is there an interrogation with this key? */
  hasInterrogation(key: string): boolean;
}

const referenceRoots = /^(item(\.[^.\s]+)*|parent\.(output(\.[^.\s]+)*|text|doc_id)|stage\.[a-z][a-z0-9_-]*\.(output(\.[^.\s]+)*|text|doc_id))$/;

export function loadPipelineFile(file: string, check: PipelineCheck): PipelineDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PipelineFileError(`${file}: cannot read the pipeline file: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new PipelineFileError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  return parsePipeline(raw, check, path.basename(file) === file ? file : file);
}

export function parsePipeline(raw: unknown, check: PipelineCheck, where = 'pipeline'): PipelineDefinition {
  const parsed = pipelineSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw new PipelineFileError(`${where}: ${problems.join('; ')}`);
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const stages: PipelineStage[] = [];
  parsed.data.stages.forEach((stage, index) => {
    const at = `stages.${index}`;
    if (seen.has(stage.name)) problems.push(`${at}.name: stage "${stage.name}" is defined twice`);
    if (index === 0 && stage.after) problems.push(`${at}.after: the first stage is fed from the input items; it comes after nothing`);
    if (index > 0 && !stage.after) problems.push(`${at}.after: say which earlier stage feeds "${stage.name}"`);
    if (stage.after && !seen.has(stage.after)) problems.push(`${at}.after: no earlier stage "${stage.after}"`);
    if (stage.interrogation && stage.interrogations) problems.push(`${at}: give interrogation or interrogations, not both`);
    if (!stage.interrogation && !stage.interrogations) problems.push(`${at}.interrogation: missing`);
    if (stage.model && stage.models) problems.push(`${at}: give model or models, not both`);
    const templates = stage.interrogations ?? (stage.interrogation ? [stage.interrogation] : []);
    templates.forEach((template) => {
      if (!check.hasInterrogation(template)) problems.push(`${at}.interrogation: unknown interrogation "${template}"`);
    });
    if (stage.parser && !textParserNames.includes(stage.parser)) {
      problems.push(`${at}.parser: unknown parser "${stage.parser}"; known: ${textParserNames.join(', ')}`);
    }
    const ancestors = ancestorsOf(stage.after ?? null, stages);
    const checkValue = (value: unknown, field: string) => {
      if (typeof value === 'string' && value.startsWith('=') && !value.startsWith('==')) {
        const reference = value.slice(1);
        if (!referenceRoots.test(reference)) problems.push(`${field}: "${value}" is not a reference (=item.…, =parent.output|text|doc_id, =stage.NAME.…)`);
        else if (reference.startsWith('parent.') && index === 0) problems.push(`${field}: the first stage has no parent`);
        else if (reference.startsWith('stage.')) {
          const name = reference.split('.')[1]!;
          if (!ancestors.includes(name)) problems.push(`${field}: "${name}" is not a stage before "${stage.name}"`);
        }
      } else if (Array.isArray(value)) value.forEach((item, position) => checkValue(item, `${field}.${position}`));
      else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) checkValue(item, `${field}.${key}`);
    };
    if (stage.input) checkValue(stage.input, `${at}.input`);
    stage.evidence?.forEach((item, position) => checkValue(item, `${at}.evidence.${position}`));
    if (index > 0 && !stage.input && !stage.evidence) problems.push(`${at}.input: say how "${stage.after}" feeds "${stage.name}" (input or evidence)`);
    seen.set(stage.name, index);
    stages.push({
      name: stage.name,
      after: stage.after ?? null,
      templates,
      models: stage.models ?? [stage.model ?? null],
      parser: stage.parser ?? null,
      input: stage.input ?? null,
      evidence: stage.evidence ?? null,
      priority: stage.priority,
      maxAttempts: stage.max_attempts,
    });
  });
  if (problems.length > 0) throw new PipelineFileError(`${where}: ${problems.join('; ')}`);
  const definition = { name: parsed.data.name, description: parsed.data.description, stages };
  return { ...definition, hash: contentHash(canonicalJson(definition)) };
}

/** The names of a stage's ancestors, nearest first (the stage it comes after, then that one's, …). */
export function ancestorsOf(after: string | null, stages: readonly PipelineStage[]): string[] {
  const names: string[] = [];
  let current = after;
  while (current) {
    names.push(current);
    current = stages.find((stage) => stage.name === current)?.after ?? null;
  }
  return names;
}

export function childStagesOf(definition: PipelineDefinition, stage: string): PipelineStage[] {
  return definition.stages.filter((candidate) => candidate.after === stage);
}
