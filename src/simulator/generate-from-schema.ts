/**
 * Generates JSON values that satisfy a JSON Schema, as a constrained-decoding LLM would, and values that
 * deliberately break it (for the schemaViolation fault). A schema is compiled once into a tree of nodes;
 * `compileSchemaCached` keeps compiled plans per schema text so each request only pays for generation.
 *
 * Supported: type (incl. arrays of types), const, enum, object (properties, required, additionalProperties,
 * min/maxProperties), array (items, prefixItems, tuple-form items, additionalItems, min/maxItems,
 * uniqueItems), string (min/maxLength, format, pattern), number/integer (minimum, maximum, exclusive
 * bounds, multipleOf), boolean, null, anyOf/oneOf (one branch is chosen), allOf (merged), local $ref.
 */
import { mergeTwoSchemas, restrictToClosedMembers, typeList, withoutKeys } from './merge-schemas.ts';
import { ArrayNode, ChoiceNode, ObjectNode, ReferenceNode } from './schema-container-nodes.ts';
import {
  anyNode,
  BooleanNode,
  ConstantNode,
  hardDepthLimit,
  isSchemaObject,
  jsonTypeOf,
  neverNode,
  NullNode,
  NumberNode,
  SchemaCompileError,
  StringNode,
  type GenerationContext,
  type SchemaNode,
  type SchemaObject,
  type Violation,
} from './schema-nodes.ts';
import { SeededRandom } from './seeded-random.ts';

export { SchemaCompileError, type GenerationContext, type JsonType, type Violation } from './schema-nodes.ts';

export interface CompiledSchema {
  generate(context: GenerationContext): unknown;
  /** A variant of a valid `value` that fails validation, or undefined when the schema accepts anything. */
  violate(value: unknown, context: GenerationContext): Violation | undefined;
}

const annotationKeywords: ReadonlySet<string> = new Set([
  '$schema', '$id', '$comment', '$anchor', '$defs', 'definitions', 'title', 'description', 'default',
  'examples', 'deprecated', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding', '$ref',
]);

function hasConstraints(schema: SchemaObject): boolean {
  return Object.keys(schema).some((key) => !annotationKeywords.has(key));
}

function inferTypes(schema: SchemaObject): string[] | undefined {
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema || 'minProperties' in schema) return ['object'];
  if ('items' in schema || 'prefixItems' in schema || 'minItems' in schema || 'maxItems' in schema) return ['array'];
  if ('minLength' in schema || 'maxLength' in schema || 'pattern' in schema || 'format' in schema) return ['string'];
  if ('minimum' in schema || 'maximum' in schema || 'exclusiveMinimum' in schema || 'exclusiveMaximum' in schema || 'multipleOf' in schema) {
    return ['number'];
  }
  return undefined;
}

function valueMatchesTypes(value: unknown, types: readonly string[]): boolean {
  const type = jsonTypeOf(value);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

class SchemaCompiler {
  private readonly root: unknown;
  private readonly references = new Map<string, ReferenceNode>();

  constructor(root: unknown) {
    this.root = root;
  }

  compile(schema: unknown): SchemaNode {
    if (schema === true) return anyNode;
    if (schema === false) return neverNode;
    if (!isSchemaObject(schema)) throw new SchemaCompileError('a schema must be an object or a boolean');
    if (typeof schema.$ref === 'string') {
      const rest = withoutKeys(schema, ['$ref']);
      if (!hasConstraints(rest)) return this.referenceNode(schema.$ref);
      return this.compile({ allOf: [{ $ref: schema.$ref }, rest] });
    }
    if (Array.isArray(schema.allOf)) return this.compile(this.mergeAll([withoutKeys(schema, ['allOf']), ...schema.allOf], 0));
    if ('const' in schema) return new ConstantNode([schema.const]);
    if (Array.isArray(schema.enum)) return this.compileEnum(schema.enum, schema.type);
    const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
    if (branches !== undefined) return this.compileBranches(schema, branches);
    const types = typeList(schema.type) ?? inferTypes(schema);
    if (types === undefined) return anyNode;
    if (types.length === 0) return neverNode;
    if (types.length === 1) return this.compileTyped(schema, types[0]!);
    return new ChoiceNode(types.map((type) => this.compileTyped(schema, type)), true);
  }

  private compileEnum(values: readonly unknown[], type: unknown): SchemaNode {
    const types = typeList(type);
    const allowed = types === undefined ? values : values.filter((value) => valueMatchesTypes(value, types));
    return allowed.length === 0 ? neverNode : new ConstantNode(allowed);
  }

  private compileBranches(schema: SchemaObject, branches: readonly unknown[]): SchemaNode {
    const siblings = withoutKeys(schema, Array.isArray(schema.anyOf) ? ['anyOf'] : ['oneOf']);
    const combine = hasConstraints(siblings);
    const options = branches.map((branch) => this.compile(combine ? { allOf: [siblings, branch] } : branch));
    return new ChoiceNode(options, false);
  }

  private compileTyped(schema: SchemaObject, type: string): SchemaNode {
    switch (type) {
      case 'string':
        return new StringNode(schema);
      case 'number':
      case 'integer':
        return new NumberNode(schema, type === 'integer');
      case 'boolean':
        return new BooleanNode();
      case 'null':
        return new NullNode();
      case 'array':
        return this.compileArray(schema);
      default:
        return this.compileObject(schema);
    }
  }

  private compileArray(schema: SchemaObject): SchemaNode {
    if (Array.isArray(schema.prefixItems)) {
      const rest = schema.items === undefined ? anyNode : this.compile(schema.items);
      return new ArrayNode(schema.prefixItems.map((item) => this.compile(item)), rest, schema);
    }
    if (Array.isArray(schema.items)) {
      const rest = schema.additionalItems === undefined ? anyNode : this.compile(schema.additionalItems);
      return new ArrayNode(schema.items.map((item) => this.compile(item)), rest, schema);
    }
    return new ArrayNode([], schema.items === undefined ? anyNode : this.compile(schema.items), schema);
  }

  private compileObject(schema: SchemaObject): SchemaNode {
    const declared = isSchemaObject(schema.properties) ? Object.entries(schema.properties) : [];
    const properties = declared.map(([name, property]) => [name, this.compile(property)] as const);
    const additional =
      schema.additionalProperties === false ? null : schema.additionalProperties === undefined ? anyNode : this.compile(schema.additionalProperties);
    return new ObjectNode(properties, additional, schema);
  }

  private referenceNode(reference: string): SchemaNode {
    let node = this.references.get(reference);
    if (node === undefined) {
      node = new ReferenceNode(() => this.compile(this.resolveReference(reference)));
      this.references.set(reference, node);
    }
    return node;
  }

  /** Resolves every `$ref` now, so a broken reference fails at compile time rather than mid-request. */
  resolveAllReferences(): void {
    let resolvedCount = -1;
    while (resolvedCount !== this.references.size) {
      resolvedCount = this.references.size;
      for (const node of [...this.references.values()]) node.resolve();
    }
  }

  resolveReference(reference: string): unknown {
    if (reference === '#') return this.root;
    if (!reference.startsWith('#/')) throw new SchemaCompileError(`only local $ref ("#/...") is supported: ${reference}`);
    let current: unknown = this.root;
    for (const rawSegment of reference.slice(2).split('/')) {
      const segment = decodeURIComponent(rawSegment).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isSchemaObject(current) && !Array.isArray(current)) throw new SchemaCompileError(`unresolvable $ref ${reference}`);
      current = (current as Record<string, unknown>)[segment];
      if (current === undefined) throw new SchemaCompileError(`unresolvable $ref ${reference}`);
    }
    return current;
  }

  /** Flattens allOf members (following $ref and nested allOf) and merges them into one schema. */
  private mergeAll(members: readonly unknown[], depth: number): SchemaObject {
    if (depth > hardDepthLimit) throw new SchemaCompileError('allOf/$ref nesting is too deep');
    const flattened: SchemaObject[] = [];
    for (const member of members) {
      if (member === true) continue;
      if (member === false) return { type: [] };
      if (!isSchemaObject(member)) throw new SchemaCompileError('allOf members must be schemas');
      let expanded = member;
      if (typeof expanded.$ref === 'string') {
        expanded = this.mergeAll([this.resolveReference(expanded.$ref), withoutKeys(expanded, ['$ref'])], depth + 1);
      }
      if (Array.isArray(expanded.allOf)) expanded = this.mergeAll([withoutKeys(expanded, ['allOf']), ...expanded.allOf], depth + 1);
      flattened.push(expanded);
    }
    const merged = flattened.reduce(mergeTwoSchemas, {});
    return restrictToClosedMembers(merged, flattened);
  }
}

/** Compiles a schema; throws SchemaCompileError when it is malformed, unsatisfiable or endlessly recursive. */
export function compileSchema(schema: unknown): CompiledSchema {
  const compiler = new SchemaCompiler(schema);
  const root = compiler.compile(schema);
  compiler.resolveAllReferences();
  if (!root.satisfiable) throw new SchemaCompileError('the schema cannot be satisfied by any value');
  const compiled: CompiledSchema = {
    generate: (context) => root.generate(context, 0, ''),
    violate: (value, context) => root.violate(value, context),
  };
  // A trial run catches schemas whose required recursion never ends.
  compiled.generate({ random: SeededRandom.fromNumber(0), words: ['trial'] });
  return compiled;
}

const maximumCachedSchemas = 512;
const compiledSchemas = new Map<string, CompiledSchema | SchemaCompileError>();

/** Like compileSchema, memoised by the schema's JSON text (errors are memoised too). */
export function compileSchemaCached(schemaText: string, schema: unknown): CompiledSchema {
  let entry = compiledSchemas.get(schemaText);
  if (entry === undefined) {
    try {
      entry = compileSchema(schema);
    } catch (error) {
      if (!(error instanceof SchemaCompileError)) throw error;
      entry = error;
    }
    if (compiledSchemas.size >= maximumCachedSchemas) compiledSchemas.clear();
    compiledSchemas.set(schemaText, entry);
  }
  if (entry instanceof SchemaCompileError) throw entry;
  return entry;
}

/** One-shot convenience: a value satisfying `schema`. */
export function generateFromSchema(schema: unknown, context: GenerationContext): unknown {
  return compileSchemaCached(JSON.stringify(schema), schema).generate(context);
}
