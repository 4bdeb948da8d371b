/**
 * The interrogation registry: maps keys to interrogations and holds their compiled Ajv validators (input
 * and output schemas compiled once, on registration; the template is parsed then too, so a broken
 * interrogation fails when it is added, not when a job runs).
 */
import { evalJudgeV1 } from './eval-judge-v1.ts';
import Mustache from 'mustache';
import type { Interrogation } from './interrogation.ts';
import { loadInterrogationsFolder } from './load-interrogations-folder.ts';
import { swEntityFactsV1 } from './sw-entity-facts-v1.ts';
import { swEntityEssayV1, swEssayEvaluationV1 } from './sw-essay-interrogations.ts';
import { getTextParser, textParserNames } from '../documents/text-parsers.ts';
import {
  createOutputValidator,
  InvalidJsonSchemaError,
  type OutputValidator,
  type ValidationResult,
} from '../validation/output-validator.ts';

export class UnknownInterrogationError extends Error {
  override readonly name = 'UnknownInterrogationError';
  readonly key: string;
  readonly knownKeys: string[];

  constructor(key: string, knownKeys: string[]) {
    const known = knownKeys.length > 0 ? knownKeys.join(', ') : '(none)';
    super(`unknown interrogation ${JSON.stringify(key)}; known interrogations: ${known}`);
    this.key = key;
    this.knownKeys = knownKeys;
  }
}

export class DuplicateInterrogationError extends Error {
  override readonly name = 'DuplicateInterrogationError';
  readonly key: string;

  constructor(key: string, existingSource: string, newSource: string) {
    super(`interrogation ${JSON.stringify(key)} from ${newSource} is already registered (from ${existingSource})`);
    this.key = key;
  }
}

/** An interrogation whose schemas do not compile or whose template does not parse. */
export class InvalidInterrogationError extends Error {
  override readonly name = 'InvalidInterrogationError';
  readonly key: string;

  constructor(interrogation: Interrogation, problem: string, cause?: unknown) {
    super(`interrogation ${JSON.stringify(interrogation.key)} (${interrogation.source}): ${problem}`, { cause });
    this.key = interrogation.key;
  }
}

export interface InterrogationValidators {
  /** Applies input-schema defaults (to a copy) and returns the completed input as `value`. */
  input: OutputValidator;
  /** Null for a free-text interrogation. */
  output: OutputValidator | null;
}

interface Entry {
  interrogation: Interrogation;
  validators: InterrogationValidators;
}

function compile(interrogation: Interrogation): Entry {
  const compileSchema = (which: 'inputSchema' | 'outputSchema'): OutputValidator => {
    try {
      return which === 'inputSchema'
        ? createOutputValidator(interrogation.inputSchema, {
            applyDefaults: true,
            mismatchPhrase: `the input does not match the input schema of ${interrogation.key}`,
          })
        : createOutputValidator(interrogation.outputSchema!);
    } catch (error) {
      if (error instanceof InvalidJsonSchemaError) {
        throw new InvalidInterrogationError(interrogation, `${which} is not a valid JSON Schema: ${error.message}`, error);
      }
      throw error;
    }
  };
  try {
    Mustache.parse(interrogation.promptTemplate);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInterrogationError(interrogation, `promptTemplate is not a valid mustache template: ${reason}`, error);
  }
  if (interrogation.parser !== undefined && !textParserNames.includes(interrogation.parser)) {
    throw new InvalidInterrogationError(interrogation, `unknown parser "${interrogation.parser}"; known: ${textParserNames.join(', ')}`);
  }
  if (interrogation.parser !== undefined && interrogation.outputSchema) {
    throw new InvalidInterrogationError(interrogation, 'a parser is for free-text answers; this interrogation has an outputSchema');
  }
  return {
    interrogation,
    validators: { input: compileSchema('inputSchema'), output: interrogation.outputSchema ? compileSchema('outputSchema') : null },
  };
}

function compileOnFirstUse(interrogation: Interrogation): Entry {
  let validators: InterrogationValidators | undefined;
  return {
    interrogation,
    get validators() {
      return (validators ??= compile(interrogation).validators);
    },
  };
}

export class InterrogationRegistry {
  readonly #entries = new Map<string, Entry>();

  /**
   * Adds an interrogation; throws on a duplicate key or an invalid schema or template. `compile:
   * 'on-first-use'` defers compiling the schemas to the first validation — for interrogations known to
   * be valid (the built-ins, which the test suite checks), so that commands that never validate
   * (`jobs stats`) do not pay for Ajv.
   */
  register(interrogation: Interrogation, options: { compile?: 'now' | 'on-first-use' } = {}): this {
    this.#checkNotRegistered(interrogation);
    this.#entries.set(interrogation.key, options.compile === 'on-first-use' ? compileOnFirstUse(interrogation) : compile(interrogation));
    return this;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Throws `UnknownInterrogationError` (listing the known keys) when `key` is not registered. */
  get(key: string): Interrogation {
    return this.#entry(key).interrogation;
  }

  /** All interrogations, sorted by key. */
  list(): Interrogation[] {
    return this.keys().map((key) => this.#entries.get(key)!.interrogation);
  }

  /** All keys, sorted. */
  keys(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** The compiled validators of an interrogation. */
  validators(key: string): InterrogationValidators {
    return this.#entry(key).validators;
  }

  /** Enqueue-time check of a (parsed) job input; on success `value` has the schema defaults filled in. */
  validateInput(key: string, input: unknown): ValidationResult {
    return this.#entry(key).validators.input.validateValue(input);
  }

  /**
   * Checks a model's answer text against the output schema (fail closed: see `createOutputValidator`).
   * A free-text answer is its text, through the interrogation's parser when it names one.
   */
  validateOutput(key: string, text: string): ValidationResult {
    const entry = this.#entry(key);
    if (entry.validators.output) return entry.validators.output.validate(text);
    return parseFreeText(entry.interrogation, text);
  }

  /**
   * Loads every `*.json` interrogation in `directory` and registers them all, or none when any file is
   * invalid. Returns the loaded interrogations.
   */
  async loadFolder(directory: string): Promise<Interrogation[]> {
    const reservedKeys = new Map([...this.#entries].map(([key, entry]) => [key, entry.interrogation.source]));
    const loaded = await loadInterrogationsFolder(directory, { reservedKeys });
    const entries = loaded.map((interrogation) => compile(interrogation));
    for (const entry of entries) this.#checkNotRegistered(entry.interrogation);
    for (const entry of entries) this.#entries.set(entry.interrogation.key, entry);
    return loaded;
  }

  #checkNotRegistered(interrogation: Interrogation): void {
    const existing = this.#entries.get(interrogation.key);
    if (existing) throw new DuplicateInterrogationError(interrogation.key, existing.interrogation.source, interrogation.source);
  }

  #entry(key: string): Entry {
    const entry = this.#entries.get(key);
    if (!entry) throw new UnknownInterrogationError(key, this.keys());
    return entry;
  }
}

/** The interrogations Holocron ships with. */
export const builtinInterrogations: readonly Interrogation[] = [swEntityFactsV1, swEntityEssayV1, swEssayEvaluationV1, evalJudgeV1];

/** A registry holding the built-in interrogations. */
export function createDefaultRegistry(): InterrogationRegistry {
  const registry = new InterrogationRegistry();
  for (const interrogation of builtinInterrogations) registry.register(interrogation, { compile: 'on-first-use' });
  return registry;
}

function parseFreeText(interrogation: Interrogation, text: string): ValidationResult {
  if (text.trim() === '') return { ok: false, kind: 'parse_error', message: 'the answer is empty', errors: ['the answer is empty'] };
  if (!interrogation.parser) return { ok: true, value: text };
  const parsed = getTextParser(interrogation.parser)(text);
  if (parsed.ok) return { ok: true, value: parsed.json !== undefined ? parsed.json : parsed.text };
  const message = `the ${interrogation.parser} parser found nothing to take: ${parsed.error}`;
  return { ok: false, kind: 'parse_error', message, errors: [message] };
}
