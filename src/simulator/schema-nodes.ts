/**
 * The building blocks of a compiled JSON Schema: the shared node contract and the scalar nodes
 * (any, never, const/enum, boolean, null, string, number/integer). Each node generates a valid value
 * and can produce a value that breaks it (for the schemaViolation fault).
 */
import { compilePattern, type CompiledPattern } from './generate-from-pattern.ts';
import { capitalize, codePointLength, fitLength, formattedString, pickWords, sentence } from './plausible-text.ts';
import type { SeededRandom } from './seeded-random.ts';

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

export interface GenerationContext {
  readonly random: SeededRandom;
  /** Words that string values are made of (usually from the user's message). */
  readonly words: readonly string[];
  /** Capitalised words (likely names), preferred for name-like fields; `words` are used when absent or empty. */
  readonly names?: readonly string[];
  /**
   * Values the prompt states for a key (`Entity id: luke_skywalker`, `"entity_id": "luke_skywalker"`),
   * by snake_case key: a same-named string or enum property echoes it when the schema allows, as a
   * model would.
   */
  readonly stated?: ReadonlyMap<string, string>;
}

/** A value that breaks the schema, boxed so `undefined` can mean "cannot be broken". */
export interface Violation {
  value: unknown;
}

export class SchemaCompileError extends Error {
  override readonly name = 'SchemaCompileError';
}

export type SchemaObject = Record<string, unknown>;

export interface SchemaNode {
  readonly satisfiable: boolean;
  generate(context: GenerationContext, depth: number, nameHint: string): unknown;
  violate(value: unknown, context: GenerationContext): Violation | undefined;
  /** The JSON types this node can produce; null when unconstrained. */
  allowedTypes(): ReadonlySet<JsonType> | null;
  /** Every value the node allows, when that is a finite list (enum/const). */
  allowedValues?(): readonly unknown[];
}

export const primitiveTypes: ReadonlySet<JsonType> = new Set(['string', 'number', 'integer', 'boolean', 'null']);
export const stringTypes: ReadonlySet<JsonType> = new Set(['string']);
export const numberTypes: ReadonlySet<JsonType> = new Set(['number']);
export const integerTypes: ReadonlySet<JsonType> = new Set(['integer']);
export const booleanTypes: ReadonlySet<JsonType> = new Set(['boolean']);
export const nullTypes: ReadonlySet<JsonType> = new Set(['null']);
export const arrayTypes: ReadonlySet<JsonType> = new Set(['array']);
export const objectTypes: ReadonlySet<JsonType> = new Set(['object']);
export const noTypes: ReadonlySet<JsonType> = new Set();

/** Beyond this depth objects keep only required keys, arrays their minimum, choices their simplest branch. */
export const softDepthLimit = 5;
/** Beyond this depth the schema cannot produce a finite value (required recursion). */
export const hardDepthLimit = 48;
const longTextHints = /description|summary|reason|explanation|rationale|justification|note|comment|text|quote|excerpt|evidence|analysis/i;
const fractionHints = /confidence|probability|likelihood|certainty|score|ratio|share/i;
const nameHints = /name|title|label|author|person|city|country|place|organi[sz]ation|company/i;

export function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function acceptsType(types: ReadonlySet<JsonType>, type: JsonType): boolean {
  return types.has(type) || (type === 'integer' && types.has('number'));
}

const wrongTypeCandidates: ReadonlyArray<readonly [JsonType, unknown]> = [
  ['string', 'unexpected value'],
  ['number', 3.75],
  ['boolean', true],
  ['null', null],
  ['array', []],
  ['object', {}],
];

export function wrongTypeValue(types: ReadonlySet<JsonType> | null): Violation | undefined {
  if (types === null) return undefined;
  for (const [type, value] of wrongTypeCandidates) {
    if (!acceptsType(types, type)) return { value };
  }
  return undefined;
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function nonNegativeInteger(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

export function assertDepth(depth: number): void {
  if (depth > hardDepthLimit) {
    throw new SchemaCompileError('schema recursion is too deep to produce a finite value');
  }
}

export class AnyNode implements SchemaNode {
  readonly satisfiable = true;
  generate(context: GenerationContext): unknown {
    return pickWords(context.words, context.random, context.random.integerBetween(1, 3));
  }
  violate(): Violation | undefined {
    return undefined;
  }
  allowedTypes(): ReadonlySet<JsonType> | null {
    return null;
  }
}

export class NeverNode implements SchemaNode {
  readonly satisfiable = false;
  generate(): unknown {
    throw new SchemaCompileError('the schema cannot be satisfied by any value');
  }
  violate(): Violation | undefined {
    return { value: null };
  }
  allowedTypes(): ReadonlySet<JsonType> | null {
    return noTypes;
  }
}

export class ConstantNode implements SchemaNode {
  readonly satisfiable = true;
  private readonly values: readonly unknown[];
  private readonly encodedValues: ReadonlySet<string>;
  private readonly types: ReadonlySet<JsonType>;
  constructor(values: readonly unknown[]) {
    this.values = values;
    this.encodedValues = new Set(values.map((value) => JSON.stringify(value)));
    this.types = new Set(values.map(jsonTypeOf));
  }
  generate(context: GenerationContext, _depth = 0, nameHint = ''): unknown {
    const stated = context.stated?.get(nameHint);
    if (stated !== undefined && this.encodedValues.has(JSON.stringify(stated))) return stated;
    return context.random.pick(this.values);
  }
  allowedValues(): readonly unknown[] {
    return this.values;
  }
  violate(): Violation | undefined {
    let candidate = 'not-an-allowed-value';
    while (this.encodedValues.has(JSON.stringify(candidate))) candidate += '-x';
    return { value: candidate };
  }
  allowedTypes(): ReadonlySet<JsonType> | null {
    return this.types;
  }
}

export class BooleanNode implements SchemaNode {
  readonly satisfiable = true;
  generate(context: GenerationContext): unknown {
    return context.random.chance(0.5);
  }
  violate(value: unknown): Violation | undefined {
    return { value: String(value) };
  }
  allowedTypes(): ReadonlySet<JsonType> | null {
    return booleanTypes;
  }
}

export class NullNode implements SchemaNode {
  readonly satisfiable = true;
  generate(): unknown {
    return null;
  }
  violate(): Violation | undefined {
    return { value: 'null' };
  }
  allowedTypes(): ReadonlySet<JsonType> | null {
    return nullTypes;
  }
}

export class StringNode implements SchemaNode {
  readonly satisfiable = true;
  private readonly minimumLength: number;
  private readonly maximumLength: number;
  private readonly format: string | undefined;
  private readonly pattern: CompiledPattern | undefined;

  constructor(schema: SchemaObject) {
    this.minimumLength = nonNegativeInteger(schema.minLength, 0);
    this.maximumLength = nonNegativeInteger(schema.maxLength, Number.POSITIVE_INFINITY);
    if (this.minimumLength > this.maximumLength) throw new SchemaCompileError('minLength is greater than maxLength');
    this.format = typeof schema.format === 'string' ? schema.format : undefined;
    this.pattern = typeof schema.pattern === 'string' ? compilePattern(schema.pattern) : undefined;
  }

  generate(context: GenerationContext, _depth: number, nameHint: string): unknown {
    const stated = context.stated?.get(nameHint);
    if (stated !== undefined && this.accepts(stated)) return stated;
    if (this.format !== undefined) {
      const formatted = formattedString(this.format, context.words, context.random);
      if (formatted !== undefined) return formatted;
    }
    if (this.pattern !== undefined) {
      const matching = this.generateFromPattern(this.pattern, context);
      if (matching !== undefined) return matching;
    }
    return fitLength(this.naturalText(context, nameHint), this.minimumLength, this.maximumLength, context.words, context.random);
  }

  private accepts(value: string): boolean {
    const length = codePointLength(value);
    if (length < this.minimumLength || length > this.maximumLength) return false;
    if (this.pattern !== undefined && !this.pattern.expression.test(value)) return false;
    return this.format === undefined;
  }

  private generateFromPattern(pattern: CompiledPattern, context: GenerationContext): string | undefined {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const candidate = pattern.generate(context.random);
      const length = codePointLength(candidate);
      if (length >= this.minimumLength && length <= this.maximumLength && pattern.expression.test(candidate)) {
        return candidate;
      }
    }
    return undefined;
  }

  private naturalText(context: GenerationContext, nameHint: string): string {
    const { random, words } = context;
    if (longTextHints.test(nameHint)) return sentence(words, random, random.integerBetween(8, 16));
    if (nameHints.test(nameHint)) {
      const names = context.names !== undefined && context.names.length > 0 ? context.names : words;
      return pickWords(names, random, random.integerBetween(1, 2)).split(' ').map(capitalize).join(' ');
    }
    return pickWords(words, random, random.integerBetween(1, 4));
  }

  violate(): Violation | undefined {
    return { value: 12345 };
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    return stringTypes;
  }
}

export class NumberNode implements SchemaNode {
  readonly satisfiable = true;
  private readonly integer: boolean;
  private readonly lowest: number;
  private readonly highest: number;
  private readonly lowestIsExclusive: boolean;
  private readonly highestIsExclusive: boolean;
  private readonly multipleOf: number | undefined;
  private readonly unbounded: boolean;

  constructor(schema: SchemaObject, integer: boolean) {
    this.integer = integer;
    const minimum = finiteNumber(schema.minimum);
    const maximum = finiteNumber(schema.maximum);
    const exclusiveMinimum = finiteNumber(schema.exclusiveMinimum);
    const exclusiveMaximum = finiteNumber(schema.exclusiveMaximum);
    this.lowestIsExclusive = exclusiveMinimum !== undefined && (minimum === undefined || exclusiveMinimum >= minimum);
    this.highestIsExclusive = exclusiveMaximum !== undefined && (maximum === undefined || exclusiveMaximum <= maximum);
    const lower = this.lowestIsExclusive ? exclusiveMinimum : minimum;
    const upper = this.highestIsExclusive ? exclusiveMaximum : maximum;
    this.unbounded = lower === undefined && upper === undefined;
    const multipleOf = finiteNumber(schema.multipleOf);
    this.multipleOf = multipleOf !== undefined && multipleOf > 0 ? multipleOf : undefined;
    [this.lowest, this.highest] = NumberNode.defaultRange(lower, upper, integer);
    if (this.lowest > this.highest || (this.lowest === this.highest && (this.lowestIsExclusive || this.highestIsExclusive))) {
      throw new SchemaCompileError('the numeric bounds leave no possible value');
    }
  }

  private static defaultRange(lower: number | undefined, upper: number | undefined, integer: boolean): [number, number] {
    const span = integer ? 100 : 1000;
    if (lower !== undefined && upper !== undefined) return [lower, upper];
    if (lower !== undefined) return [lower, lower + span];
    if (upper !== undefined) return upper > 0 ? [0, upper] : [upper - span, upper];
    return [0, span];
  }

  private isInside(value: number): boolean {
    const aboveLowest = this.lowestIsExclusive ? value > this.lowest : value >= this.lowest;
    const belowHighest = this.highestIsExclusive ? value < this.highest : value <= this.highest;
    return aboveLowest && belowHighest;
  }

  generate(context: GenerationContext, _depth: number, nameHint: string): unknown {
    const random = context.random;
    if (this.multipleOf !== undefined) return this.generateMultiple(random, this.multipleOf);
    if (!this.integer && this.unbounded && fractionHints.test(nameHint)) return Math.round(random.nextFloat() * 100) / 100;
    if (this.integer) {
      const first = this.lowestIsExclusive ? Math.floor(this.lowest) + 1 : Math.ceil(this.lowest);
      const last = this.highestIsExclusive ? Math.ceil(this.highest) - 1 : Math.floor(this.highest);
      if (first > last) throw new SchemaCompileError('no integer lies within the numeric bounds');
      return random.integerBetween(first, last);
    }
    const value = Math.round((this.lowest + random.nextFloat() * (this.highest - this.lowest)) * 100) / 100;
    return this.isInside(value) ? value : (this.lowest + this.highest) / 2;
  }

  private generateMultiple(random: SeededRandom, step: number): number {
    const firstFactor = Math.ceil(this.lowest / step);
    const lastFactor = Math.floor(this.highest / step);
    const decimals = Math.min(12, (String(step).split('.')[1] ?? '').length);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const factor = random.integerBetween(firstFactor, lastFactor);
      const value = Number((factor * step).toFixed(decimals));
      if (this.isInside(value) && (!this.integer || Number.isInteger(value))) return value;
    }
    throw new SchemaCompileError('no multiple of multipleOf lies within the numeric bounds');
  }

  violate(value: unknown): Violation | undefined {
    return this.integer && typeof value === 'number' ? { value: value + 0.5 } : { value: String(value) };
  }

  allowedTypes(): ReadonlySet<JsonType> | null {
    return this.integer ? integerTypes : numberTypes;
  }
}

export const anyNode = new AnyNode();
export const neverNode = new NeverNode();
