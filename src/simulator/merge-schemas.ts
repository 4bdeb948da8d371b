/**
 * `allOf` support for the schema generator: merges several schemas into one that demands all of them
 * (types intersected, properties and required combined, bounds tightened, enums intersected).
 */
import { isSchemaObject, SchemaCompileError, type SchemaObject } from './schema-nodes.ts';

const jsonTypes: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);

export function withoutKeys(schema: SchemaObject, keys: readonly string[]): SchemaObject {
  const copy: SchemaObject = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

export function typeList(type: unknown): string[] | undefined {
  if (type === undefined) return undefined;
  const list = Array.isArray(type) ? type : [type];
  for (const entry of list) {
    if (typeof entry !== 'string' || !jsonTypes.has(entry)) {
      throw new SchemaCompileError(`unknown type ${JSON.stringify(entry)}`);
    }
  }
  return [...new Set(list as string[])];
}

export function intersectTypes(first: unknown, second: unknown): string[] {
  const left = typeList(first) ?? [...jsonTypes];
  const right = typeList(second) ?? [...jsonTypes];
  const result = new Set<string>();
  for (const type of left) {
    if (right.includes(type)) result.add(type);
    else if (type === 'integer' && right.includes('number')) result.add('integer');
    else if (type === 'number' && right.includes('integer')) result.add('integer');
  }
  return [...result];
}

/** Merges two schemas into one that demands both (the allOf semantics this generator needs). */
export function mergeTwoSchemas(target: SchemaObject, source: SchemaObject): SchemaObject {
  const merged: SchemaObject = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = merged[key];
    if (existing === undefined) {
      merged[key] = value;
      continue;
    }
    switch (key) {
      case 'type':
        merged.type = intersectTypes(existing, value);
        break;
      case 'properties':
        merged.properties = mergeProperties(existing, value);
        break;
      case 'required':
        merged.required = [...new Set([...(Array.isArray(existing) ? existing : []), ...(Array.isArray(value) ? value : [])])];
        break;
      case 'minimum': case 'exclusiveMinimum': case 'minLength': case 'minItems': case 'minProperties':
        merged[key] = Math.max(Number(existing), Number(value));
        break;
      case 'maximum': case 'exclusiveMaximum': case 'maxLength': case 'maxItems': case 'maxProperties':
        merged[key] = Math.min(Number(existing), Number(value));
        break;
      case 'enum': {
        const allowed = new Set((Array.isArray(value) ? value : []).map((entry) => JSON.stringify(entry)));
        merged.enum = (Array.isArray(existing) ? existing : []).filter((entry) => allowed.has(JSON.stringify(entry)));
        break;
      }
      case 'items':
      case 'additionalProperties':
        merged[key] = existing === false || value === false ? false : existing === true ? value : value === true ? existing : { allOf: [existing, value] };
        break;
      case 'uniqueItems':
        merged.uniqueItems = existing === true || value === true;
        break;
      default:
        break; // first one wins (format, pattern, anyOf, ...)
    }
  }
  return merged;
}

function mergeProperties(first: unknown, second: unknown): SchemaObject {
  const merged: SchemaObject = { ...(isSchemaObject(first) ? first : {}) };
  for (const [name, schema] of Object.entries(isSchemaObject(second) ? second : {})) {
    merged[name] = name in merged ? { allOf: [merged[name], schema] } : schema;
  }
  return merged;
}

/** An allOf member with additionalProperties:false forbids keys the other members declare. */
export function restrictToClosedMembers(merged: SchemaObject, members: readonly SchemaObject[]): SchemaObject {
  const closed = members.filter((member) => member.additionalProperties === false);
  if (closed.length === 0 || !isSchemaObject(merged.properties)) return merged;
  const allowedNames = closed
    .map((member) => new Set(Object.keys(isSchemaObject(member.properties) ? member.properties : {})))
    .reduce((left, right) => new Set([...left].filter((name) => right.has(name))));
  const properties = Object.fromEntries(Object.entries(merged.properties).filter(([name]) => allowedNames.has(name)));
  return { ...merged, properties };
}
