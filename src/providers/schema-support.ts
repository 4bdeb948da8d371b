/**
 * What a backend enforces of a JSON Schema while it decodes (its capability declaration), and the
 * check of a schema against it. Servers turn a schema into a grammar, or a constrained decoder, only in
 * part: llama.cpp's converter (Ollama, llama-server) refuses a `pattern` not anchored `^…$` and a
 * non-local `$ref`, and ignores `uniqueItems`, `multipleOf`, `not`, …; OpenAI's strict mode wants every
 * property required and `additionalProperties: false`, and supports only some keywords. Whatever is
 * not enforced while decoding is still validated afterwards (Ajv), as every answer is.
 *
 * Terminology:
 * - enforced: the server's decoder cannot produce an answer that breaks the keyword.
 * - checked after: the keyword is only validated once the answer is in (the decoder may break it).
 * - refused: the server rejects the schema outright (a 400/500 on every try): the job cannot succeed there.
 */
import type { JsonSchema } from './llm-provider.ts';

export type KeywordStatus = 'enforced' | 'checked_after' | 'refused';

export interface SchemaSupport {
  /** The server profile, e.g. `ollama`, `llama-server`, `openai-strict`. */
  readonly server: string;
  /** How this server treats one use of a keyword (`node` is the schema object it appears in). */
  classify(keyword: string, node: Record<string, unknown>): { status: KeywordStatus; reason?: string };
  /** Refusals of the schema's structure as a whole (OpenAI strict mode's rules), by schema path. */
  structuralRefusals?(node: Record<string, unknown>, path: string): string[];
}

/** One keyword use the server will not enforce while decoding (or will refuse). */
export interface SchemaFinding {
  keyword: string;
  /** Where in the schema, as a JSON pointer (`/properties/tags/uniqueItems`). */
  schemaPath: string;
  status: Exclude<KeywordStatus, 'enforced'>;
  reason: string;
}

export interface SchemaAnalysis {
  server: string;
  /** Keywords the decoder enforced (every use of them), sorted. */
  enforced: string[];
  /** Keywords (some use of which) only checked after decoding, sorted. */
  checkedAfter: string[];
  /** Keywords (some use of which) the server refuses, sorted. */
  refused: string[];
  findings: SchemaFinding[];
}

/** Keywords that constrain values (annotations such as title or description constrain nothing). */
const validationKeywords: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames',
  'minProperties', 'maxProperties', 'dependentRequired', 'dependentSchemas', 'dependencies', 'unevaluatedProperties',
  'items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains',
  'unevaluatedItems', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', '$ref',
]);

/** Keywords whose value is one subschema / an array of them / a map of them. */
const singleSchemaKeywords = ['additionalProperties', 'propertyNames', 'unevaluatedProperties', 'items', 'additionalItems', 'contains', 'unevaluatedItems', 'not', 'if', 'then', 'else'];
const schemaArrayKeywords = ['prefixItems', 'anyOf', 'oneOf', 'allOf', 'items'];
const schemaMapKeywords = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];

/** Walks every subschema, calling `visit` with each schema object and its JSON pointer. */
function walkSchema(node: unknown, path: string, visit: (node: Record<string, unknown>, path: string) => void, depth = 0): void {
  if (depth > 64 || node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const record = node as Record<string, unknown>;
  visit(record, path);
  for (const key of singleSchemaKeywords) {
    const value = record[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) walkSchema(value, `${path}/${key}`, visit, depth + 1);
  }
  for (const key of schemaArrayKeywords) {
    const value = record[key];
    if (Array.isArray(value)) value.forEach((child, index) => walkSchema(child, `${path}/${key}/${index}`, visit, depth + 1));
  }
  for (const key of schemaMapKeywords) {
    const value = record[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, child] of Object.entries(value)) walkSchema(child, `${path}/${key}/${escapePointer(name)}`, visit, depth + 1);
    }
  }
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Checks a schema against what a server enforces. */
export function analyzeSchema(schema: JsonSchema, support: SchemaSupport): SchemaAnalysis {
  const used = new Set<string>();
  const weak = new Map<string, KeywordStatus>();
  const findings: SchemaFinding[] = [];
  walkSchema(schema, '', (node, path) => {
    for (const refusal of support.structuralRefusals?.(node, path) ?? []) {
      findings.push({ keyword: refusal.startsWith('required') ? 'required' : 'additionalProperties', schemaPath: path === '' ? '/' : path, status: 'refused', reason: refusal });
      weak.set(refusal.startsWith('required') ? 'required' : 'additionalProperties', 'refused');
    }
    for (const keyword of Object.keys(node)) {
      if (!validationKeywords.has(keyword)) continue;
      used.add(keyword);
      const { status, reason } = support.classify(keyword, node);
      if (status === 'enforced') continue;
      findings.push({ keyword, schemaPath: `${path}/${escapePointer(keyword)}`, status, reason: reason ?? `${support.server} does not enforce ${keyword} while decoding` });
      if (weak.get(keyword) !== 'refused') weak.set(keyword, status);
    }
  });
  for (const keyword of weak.keys()) used.add(keyword);
  const sorted = (items: Iterable<string>) => [...items].sort();
  return {
    server: support.server,
    enforced: sorted([...used].filter((keyword) => !weak.has(keyword))),
    checkedAfter: sorted([...weak].filter(([, status]) => status === 'checked_after').map(([keyword]) => keyword)),
    refused: sorted([...weak].filter(([, status]) => status === 'refused').map(([keyword]) => keyword)),
    findings,
  };
}

/** llama.cpp's json-schema-to-grammar: the formats it has grammar rules for. */
const llamaCppFormats: ReadonlySet<string> = new Set(['date', 'time', 'date-time', 'uuid']);
const llamaCppEnforced: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'additionalItems',
  'minItems', 'maxItems', 'minLength', 'maxLength', 'anyOf', 'oneOf', 'allOf',
]);

function isIntegerNode(node: Record<string, unknown>): boolean {
  return node.type === 'integer';
}

/** Ollama and llama-server: both decode with llama.cpp's converter. */
function llamaCppSupport(server: string): SchemaSupport {
  return {
    server,
    classify(keyword, node) {
      if (llamaCppEnforced.has(keyword)) {
        if (keyword === 'oneOf') return { status: 'checked_after', reason: `${server} decodes oneOf as anyOf: "exactly one" is only checked afterwards` };
        return { status: 'enforced' };
      }
      if (keyword === 'pattern') {
        const pattern = node.pattern;
        if (typeof pattern === 'string' && pattern.startsWith('^') && pattern.endsWith('$')) return { status: 'enforced' };
        return { status: 'refused', reason: `${server} refuses a pattern not anchored ^…$ (llama.cpp's grammar converter cannot use it): ${JSON.stringify(pattern)}` };
      }
      if (keyword === '$ref') {
        const ref = node.$ref;
        if (typeof ref === 'string' && ref.startsWith('#')) return { status: 'enforced' };
        return { status: 'refused', reason: `${server} refuses a $ref that is not local (#/…): ${JSON.stringify(ref)}` };
      }
      if (keyword === 'format') {
        if (typeof node.format === 'string' && llamaCppFormats.has(node.format)) return { status: 'enforced' };
        return { status: 'checked_after', reason: `${server} has no grammar for format ${JSON.stringify(node.format)}` };
      }
      if (keyword === 'minimum' || keyword === 'maximum' || keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
        if (isIntegerNode(node)) return { status: 'enforced' };
        return { status: 'checked_after', reason: `${server} enforces ${keyword} on integers only, not on numbers` };
      }
      return { status: 'checked_after', reason: `${server} cannot enforce ${keyword} while decoding` };
    },
  };
}

/** vLLM's default guided decoding (xgrammar, with fallbacks): the common keywords, not the exotic ones. */
const vllmEnforced: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'anyOf', 'oneOf', 'allOf', '$ref', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'format',
]);

const vllmSupport: SchemaSupport = {
  server: 'vllm',
  classify(keyword) {
    return vllmEnforced.has(keyword) ? { status: 'enforced' } : { status: 'checked_after', reason: `vllm's guided decoding does not enforce ${keyword}` };
  },
};

/** OpenAI structured outputs, strict mode: the supported subset, and its structural rules. */
const openAiStrictEnforced: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', '$ref', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems',
]);

const openAiStrictSupport: SchemaSupport = {
  server: 'openai-strict',
  classify(keyword) {
    return openAiStrictEnforced.has(keyword)
      ? { status: 'enforced' }
      : { status: 'checked_after', reason: `OpenAI strict mode does not support ${keyword} (it may refuse the schema, or ignore the keyword)` };
  },
  structuralRefusals(node) {
    const isObject = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || node.properties !== undefined;
    if (!isObject) return [];
    const problems: string[] = [];
    if (node.additionalProperties !== false) problems.push('additionalProperties must be false on every object in strict mode');
    const properties = node.properties !== null && typeof node.properties === 'object' ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = properties.filter((key) => !required.includes(key));
    if (missing.length > 0) problems.push(`required must list every property in strict mode (missing: ${missing.join(', ')})`);
    return problems;
  },
};

/** A server that does not constrain decoding (or one we know nothing about): every keyword only checked after. */
function unconstrainedSupport(server: string, why: string): SchemaSupport {
  return { server, classify: (keyword) => ({ status: 'checked_after', reason: `${why}: ${keyword} is only checked afterwards` }) };
}

/**
 * The declaration for a backend kind and, for `openai`, which server it is: `ollama` (native or /v1)
 * and `llama-server` (llama.cpp), `vllm`, `openai` (strict or not), or `other` (unknown: nothing assumed).
 */
export function schemaSupportFor(kind: string, server?: string, strict = true): SchemaSupport {
  if (kind === 'ollama') return llamaCppSupport('ollama');
  switch (server) {
    case 'ollama':
      return llamaCppSupport('ollama');
    case 'llama-server':
      return llamaCppSupport('llama-server');
    case 'vllm':
      return vllmSupport;
    case 'openai':
      return strict ? openAiStrictSupport : unconstrainedSupport('openai', 'OpenAI without strict mode follows the schema on a best-effort basis');
    default:
      return unconstrainedSupport('other', 'the server is not known (set server: llama-server|vllm|openai|ollama)');
  }
}
