/**
 * What llama.cpp's JSON-Schema-to-grammar converter (used by Ollama and llama-server alike) refuses
 * outright: a `pattern` not anchored `^…$` ("Pattern must start with '^' and end with '$'") and a `$ref`
 * that is not local (`#/…`). Ollama answers such a `format` with 500 `invalid JSON schema in format`,
 * llama-server with 400 `"json_schema": JSON schema conversion failed: …`; the same on every retry.
 */

/** The converter's complaints about a schema, or an empty list when it would make a grammar of it. */
export function grammarRefusals(schema: unknown): string[] {
  const problems: string[] = [];
  visit(schema, problems, 0);
  return [...new Set(problems)];
}

function visit(node: unknown, problems: string[], depth: number): void {
  if (depth > 64 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) visit(item, problems, depth + 1);
    return;
  }
  const record = node as Record<string, unknown>;
  if (typeof record.pattern === 'string' && !(record.pattern.startsWith('^') && record.pattern.endsWith('$'))) {
    problems.push("Pattern must start with '^' and end with '$'");
  }
  if (typeof record.$ref === 'string' && !record.$ref.startsWith('#')) problems.push(`Unsupported ref: ${record.$ref}`);
  for (const [key, value] of Object.entries(record)) {
    // Values of these keywords are data, not schemas.
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples' || key === 'required') continue;
    if (key === 'properties' || key === '$defs' || key === 'definitions' || key === 'patternProperties') {
      if (value !== null && typeof value === 'object') for (const child of Object.values(value)) visit(child, problems, depth + 1);
      continue;
    }
    if (typeof value === 'object') visit(value, problems, depth + 1);
  }
}

/**
 * What OpenAI's strict structured outputs refuse (400 "Invalid schema for response_format …"): an
 * object whose `additionalProperties` is not false, or whose `required` does not list every property.
 */
export function strictModeRefusal(schema: unknown, name: string): string | undefined {
  return strictVisit(schema, name, [], 0);
}

function strictVisit(node: unknown, name: string, path: string[], depth: number): string | undefined {
  if (depth > 64 || node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const record = node as Record<string, unknown>;
  const where = `Invalid schema for response_format '${name}': In context=(${path.map((part) => `'${part}'`).join(', ')}${path.length === 1 ? ',' : ''})`;
  const isObject = record.type === 'object' || (Array.isArray(record.type) && record.type.includes('object')) || record.properties !== undefined;
  if (isObject) {
    if (record.additionalProperties !== false) return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    const properties = record.properties !== null && typeof record.properties === 'object' ? Object.keys(record.properties) : [];
    const required = Array.isArray(record.required) ? record.required : [];
    const missing = properties.filter((key) => !required.includes(key));
    if (missing.length > 0) {
      return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    for (const key of properties) {
      const found = strictVisit((record.properties as Record<string, unknown>)[key], name, [...path, 'properties', key], depth + 1);
      if (found !== undefined) return found;
    }
  }
  for (const key of ['items', 'anyOf', '$defs', 'definitions'] as const) {
    const value = record[key];
    if (value === undefined || value === null || typeof value !== 'object') continue;
    const children = Array.isArray(value) ? value.map((child, index) => [String(index), child] as const) : key === 'items' ? [['', value] as const] : Object.entries(value);
    for (const [part, child] of children) {
      const found = strictVisit(child, name, part === '' ? [...path, key] : [...path, key, part], depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const cachedRefusals = new Map<string, string[]>();

/** `grammarRefusals` of a schema's JSON text, remembered per text (requests repeat the same schema). */
export function grammarRefusalsOfText(schemaText: string): string[] {
  let found = cachedRefusals.get(schemaText);
  if (found === undefined) {
    found = grammarRefusals(JSON.parse(schemaText));
    if (cachedRefusals.size >= 256) cachedRefusals.clear();
    cachedRefusals.set(schemaText, found);
  }
  return found;
}
