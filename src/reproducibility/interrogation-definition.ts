/**
 * An interrogation as it was used, content-addressed: its canonical definition (everything that shapes
 * a request or judges an answer: prompts, rubric, schemas, parser, defaults) and that text's sha256.
 * Stored once (`interrogation_definitions`) the first time an attempt uses it; each attempt points at
 * it (`runs.definition_hash`), so `replay --rebuild` can re-render a request years later even if the
 * interrogation was edited since.
 */
import type { Interrogation } from '../interrogations/interrogation.ts';
import { sha256Hex } from './canonical-json.ts';

export interface StoredDefinition {
  hash: string;
  key: string;
  /** JSON text of the definition, keys in their own order; `hash` is its sha256. */
  text: string;
}

export type DefinitionBody = Pick<Interrogation, 'key' | 'title' | 'promptTemplate' | 'inputSchema' | 'defaults'> &
  Partial<Pick<Interrogation, 'description' | 'systemPrompt' | 'outputSchema' | 'parser' | 'rubric'>>;

const memo = new WeakMap<Interrogation, StoredDefinition>();

export function definitionOf(interrogation: Interrogation): StoredDefinition {
  const known = memo.get(interrogation);
  if (known) return known;
  const body: DefinitionBody = {
    key: interrogation.key,
    title: interrogation.title,
    description: interrogation.description,
    systemPrompt: interrogation.systemPrompt,
    promptTemplate: interrogation.promptTemplate,
    outputSchema: interrogation.outputSchema,
    parser: interrogation.parser,
    inputSchema: interrogation.inputSchema,
    defaults: interrogation.defaults,
    rubric: interrogation.rubric,
  };
  // Key order is kept, not sorted: templates render the schema as written (output_schema_json), so a
  // reordered schema is a different prompt — and a different definition.
  const text = JSON.stringify(body);
  const stored = { hash: sha256Hex(text), key: interrogation.key, text };
  memo.set(interrogation, stored);
  return stored;
}

/** The interrogation a stored definition describes (its `source` says where it came from). */
export function interrogationFromDefinition(text: string, hash: string): Interrogation {
  const body = JSON.parse(text) as DefinitionBody;
  return { ...body, defaults: body.defaults ?? {}, source: `definition ${hash.slice(0, 12)}` };
}
