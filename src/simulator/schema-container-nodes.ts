/**
 * The structural nodes of a compiled JSON Schema: arrays, objects, choices (anyOf/oneOf/type lists)
 * and lazily resolved `$ref`s. Depth limits keep recursive schemas finite.
 */
import {
  anyNode,
  arrayTypes,
  assertDepth,
  isSchemaObject,
  nonNegativeInteger,
  objectTypes,
  primitiveTypes,
  SchemaCompileError,
  softDepthLimit,
  wrongTypeValue,
  type GenerationContext,
  type JsonType,
  type SchemaNode,
  type SchemaObject,
  type Violation,
} from './schema-nodes.ts';

const optionalPropertyProbability = 0.65;
const nonNullProbability = 0.85;

export class ArrayNode implements SchemaNode {
  readonly satisfiable = true;
  private readonly prefixItems: readonly SchemaNode[];
  private readonly restItems: SchemaNode;
  private readonly minimumItems: number;
  private readonly maximumItems: number;
  private readonly uniqueItems: boolean;

  constructor(prefixItems: readonly SchemaNode[], restItems: SchemaNode, schema: SchemaObject) {
    this.prefixItems = prefixItems;
    this.restItems = restItems;
    this.minimumItems = nonNegativeInteger(schema.minItems, 0);
    const declaredMaximum = nonNegativeInteger(schema.maxItems, Number.POSITIVE_INFINITY);
    this.maximumItems = restItems.satisfiable ? declaredMaximum : Math.min(declaredMaximum, prefixItems.length);
    this.uniqueItems = schema.uniqueItems === true;
    if (this.minimumItems > this.maximumItems) throw new SchemaCompileError('minItems is greater than maxItems');
  }

  private itemNode(index: number): SchemaNode {
    return this.prefixItems[index] ?? this.restItems;
  }

  private chooseCount(context: GenerationContext, depth: number): number {
    if (depth >= softDepthLimit) return this.minimumItems;
    const natural = Math.max(this.prefixItems.length, context.random.integerBetween(1, 3));
    return Math.min(this.maximumItems, Math.max(this.minimumItems, natural));
  }

  generate(context: GenerationContext, depth: number, nameHint: string): unknown {
    assertDepth(depth);
    const count = this.chooseCount(context, depth);
    const items: unknown[] = [];
    const seen = new Set<string>();
    let attempts = 0;
    while (items.length < count && attempts < count * 10 + 10) {
      attempts += 1;
      const item = this.itemNode(items.length).generate(context, depth + 1, nameHint);
      if (this.uniqueItems) {
        const encoded = JSON.stringify(item);
        if (seen.has(encoded)) continue;
        seen.add(encoded);
      }
      items.push(item);
    }
    if (this.uniqueItems && items.length < count) this.fillFromAllowedValues(items, seen, count);
    return items;
  }

  /** Random draws from a small enum keep colliding; take the values not used yet, in order. */
  private fillFromAllowedValues(items: unknown[], seen: Set<string>, count: number): void {
    for (const value of this.itemNode(items.length).allowedValues?.() ?? []) {
      if (items.length >= count) return;
      const encoded = JSON.stringify(value);
      if (!seen.has(encoded)) {
        seen.add(encoded);
        items.push(value);
      }
    }
  }

  violate(value: unknown, context: GenerationContext): Violation | undefined {
    if (!Array.isArray(value)) return { value: 'not an array' };
    if (this.minimumItems > 0) return { value: [] };
    for (let index = 0; index < value.length; index += 1) {
      const itemViolation = this.itemNode(index).violate(value[index], context);
      if (itemViolation !== undefined) {
        const copy = [...value];
        copy[index] = itemViolation.value;
        return { value: copy };
      }
    }
    return { value: 'not an array' };
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    return arrayTypes;
  }
}

export class ObjectNode implements SchemaNode {
  readonly satisfiable = true;
  private readonly properties: ReadonlyArray<readonly [string, SchemaNode]>;
  private readonly required: readonly string[];
  private readonly requiredSet: ReadonlySet<string>;
  /** Schema of undeclared keys; null when additionalProperties is false. */
  private readonly additional: SchemaNode | null;
  private readonly minimumProperties: number;
  private readonly maximumProperties: number;

  constructor(properties: ReadonlyArray<readonly [string, SchemaNode]>, additional: SchemaNode | null, schema: SchemaObject) {
    this.properties = properties;
    this.additional = additional;
    const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
    this.required = [...new Set(required)];
    this.requiredSet = new Set(this.required);
    this.minimumProperties = nonNegativeInteger(schema.minProperties, 0);
    this.maximumProperties = nonNegativeInteger(schema.maxProperties, Number.POSITIVE_INFINITY);
    for (const [name, node] of properties) {
      if (this.requiredSet.has(name) && !node.satisfiable) {
        throw new SchemaCompileError(`required property "${name}" can never be valid`);
      }
    }
    const declared = new Set(properties.map(([name]) => name));
    if (additional === null && this.required.some((name) => !declared.has(name))) {
      throw new SchemaCompileError('a required property is forbidden by additionalProperties: false');
    }
    if (this.required.length > this.maximumProperties) throw new SchemaCompileError('more required properties than maxProperties');
  }

  generate(context: GenerationContext, depth: number): unknown {
    assertDepth(depth);
    const { random } = context;
    const deep = depth >= softDepthLimit;
    const result: Record<string, unknown> = {};
    let optionalBudget = this.maximumProperties - this.required.length;
    for (const [name, node] of this.properties) {
      const isRequired = this.requiredSet.has(name);
      if (!isRequired) {
        const include = node.satisfiable && random.chance(optionalPropertyProbability);
        if (!include || deep || optionalBudget <= 0) continue;
        optionalBudget -= 1;
      }
      result[name] = node.generate(context, depth + 1, name);
    }
    for (const name of this.required) {
      if (!(name in result)) result[name] = (this.additional ?? anyNode).generate(context, depth + 1, name);
    }
    this.addMissingProperties(result, context, depth, deep);
    return result;
  }

  /** Satisfies minProperties, and gives map-like objects (no declared properties) a few entries. */
  private addMissingProperties(result: Record<string, unknown>, context: GenerationContext, depth: number, deep: boolean): void {
    let wanted = this.minimumProperties;
    if (this.properties.length === 0 && this.additional !== null && !deep) {
      wanted = Math.max(wanted, Math.min(this.maximumProperties, context.random.integerBetween(1, 2)));
    }
    if (wanted === 0) return;
    for (const [name, node] of this.properties) {
      if (Object.keys(result).length >= wanted) return;
      if (!(name in result) && node.satisfiable) result[name] = node.generate(context, depth + 1, name);
    }
    let suffix = 1;
    while (this.additional !== null && this.additional.satisfiable && Object.keys(result).length < wanted && suffix < 1000) {
      const key = `${context.random.pick(context.words).toLowerCase()}_${suffix}`;
      suffix += 1;
      if (!(key in result)) result[key] = this.additional.generate(context, depth + 1, key);
    }
  }

  violate(value: unknown, context: GenerationContext): Violation | undefined {
    if (!isSchemaObject(value)) return { value: [] };
    if (this.required.length > 0) {
      const removed = context.random.pick(this.required);
      const copy = { ...value };
      delete copy[removed];
      return { value: copy };
    }
    for (const [name, node] of this.properties) {
      if (!(name in value)) continue;
      const propertyViolation = node.violate(value[name], context);
      if (propertyViolation !== undefined) return { value: { ...value, [name]: propertyViolation.value } };
    }
    if (this.additional === null) return { value: { ...value, unexpected_field: 'surplus' } };
    return { value: [value] };
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    return objectTypes;
  }
}

export class ChoiceNode implements SchemaNode {
  readonly satisfiable: boolean;
  private readonly options: readonly SchemaNode[];
  private readonly disfavourNull: boolean;

  constructor(options: readonly SchemaNode[], disfavourNull: boolean) {
    this.options = options.filter((option) => option.satisfiable);
    this.satisfiable = this.options.length > 0;
    this.disfavourNull = disfavourNull;
  }

  private static isSimple(option: SchemaNode): boolean {
    const types = option.allowedTypes();
    return types !== null && [...types].every((type) => primitiveTypes.has(type));
  }

  private static isNull(option: SchemaNode): boolean {
    const types = option.allowedTypes();
    return types !== null && types.size === 1 && types.has('null');
  }

  generate(context: GenerationContext, depth: number, nameHint: string): unknown {
    if (!this.satisfiable) throw new SchemaCompileError('no branch of the schema can be satisfied');
    let candidates = this.options;
    if (depth >= softDepthLimit) {
      const simple = candidates.filter(ChoiceNode.isSimple);
      if (simple.length > 0) candidates = simple;
    }
    if (this.disfavourNull && candidates.length > 1 && context.random.chance(nonNullProbability)) {
      const nonNull = candidates.filter((option) => !ChoiceNode.isNull(option));
      if (nonNull.length > 0) candidates = nonNull;
    }
    return context.random.pick(candidates).generate(context, depth, nameHint);
  }

  violate(): Violation | undefined {
    return wrongTypeValue(this.allowedTypes());
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    const union = new Set<JsonType>();
    for (const option of this.options) {
      const types = option.allowedTypes();
      if (types === null) return null;
      for (const type of types) union.add(type);
    }
    return union;
  }
}

/** A `$ref`, resolved on first use so recursive schemas compile. */
export class ReferenceNode implements SchemaNode {
  private target: SchemaNode | undefined;
  private resolvingTypes = false;
  private readonly resolveTarget: () => SchemaNode;

  constructor(resolveTarget: () => SchemaNode) {
    this.resolveTarget = resolveTarget;
  }

  resolve(): SchemaNode {
    this.target ??= this.resolveTarget();
    return this.target;
  }

  get satisfiable(): boolean {
    return this.target === undefined ? true : this.target.satisfiable;
  }

  generate(context: GenerationContext, depth: number, nameHint: string): unknown {
    assertDepth(depth);
    return this.resolve().generate(context, depth, nameHint);
  }

  violate(value: unknown, context: GenerationContext): Violation | undefined {
    return this.resolve().violate(value, context);
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    if (this.resolvingTypes) return null;
    this.resolvingTypes = true;
    try {
      return this.resolve().allowedTypes();
    } finally {
      this.resolvingTypes = false;
    }
  }
}
