/**
 * JSON Schema validation for model answers and job inputs (Ajv 8 + ajv-formats). Compiles a schema once,
 * then validates text fail-closed: empty text, non-JSON and trailing garbage are `invalid_json`; a value
 * that breaks the schema is `schema`, with one human-readable line per problem
 * (`/facts/0/confidence must be <= 1`).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Interrogation } from '../interrogations/interrogation.ts';
import type { JsonSchema } from '../providers/llm-provider.ts';

/** `parse_error`: a free-text answer its named parser could not take (see the interrogation registry). */
export type ValidationFailureKind = 'invalid_json' | 'schema' | 'parse_error';

/** One problem of a failed validation, for the failure ledger: where, which keyword, what. */
export interface ValidationIssue {
  /** JSON pointer into the value with array indices as `*` (`/facts/*\/confidence`); `/` for the whole value. */
  field: string;
  /** The schema keyword that failed; null when the value is not JSON at all. */
  keyword: string | null;
  message: string;
}

export type ValidationResult<Value = unknown> =
  | { ok: true; value: Value }
  | { ok: false; kind: ValidationFailureKind; message: string; errors: string[]; issues?: ValidationIssue[] };

export interface OutputValidator {
  readonly schema: JsonSchema;
  /** Parses `text` as JSON (strictly: one JSON value, nothing else) and checks it against the schema. */
  validate(text: string): ValidationResult;
  /** Checks an already-parsed value against the schema. */
  validateValue(value: unknown): ValidationResult;
}

export interface OutputValidatorOptions {
  /**
   * Fill in `default` values from the schema. The value is cloned first, the caller's object is never
   * changed. Used for job inputs (`source_refs` defaults to `[]`), never for model answers.
   */
  applyDefaults?: boolean;
  /** Start of the failure message; default `the answer does not match the output schema`. */
  mismatchPhrase?: string;
}

/** Thrown when a schema cannot be compiled (not a valid JSON Schema, unresolvable `$ref`, ...). */
export class InvalidJsonSchemaError extends Error {
  override readonly name = 'InvalidJsonSchemaError';
}

/** How many error lines a failure message spells out; `errors` always has all of them. */
const errorsInMessage = 5;

/**
 * Compiles a JSON Schema with a fresh Ajv instance (so two schemas with the same `$id` never clash).
 * Draft-07 unless `$schema` names 2019-09 or 2020-12.
 */
export function compileJsonSchema(schema: JsonSchema, options: OutputValidatorOptions = {}): ValidateFunction {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new InvalidJsonSchemaError('a JSON Schema must be an object');
  }
  const ajvOptions = { allErrors: true, strict: false, useDefaults: options.applyDefaults === true };
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  const ajv = declared.includes('2020-12')
    ? new Ajv2020(ajvOptions)
    : declared.includes('2019-09')
      ? new Ajv2019(ajvOptions)
      : new Ajv(ajvOptions);
  addFormatsModule.default(ajv);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw new InvalidJsonSchemaError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The field each Ajv error is about (a missing or extra property counts as that property's field), indices as `*`. */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined, lines: readonly string[]): ValidationIssue[] {
  if (!errors) return [];
  return errors.map((error, index) => {
    const params = error.params as Record<string, unknown>;
    let pointer = error.instancePath;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') pointer += `/${escapePointer(params.missingProperty)}`;
    else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') pointer += `/${escapePointer(params.additionalProperty)}`;
    else if (error.keyword === 'dependentRequired' && typeof params.missingProperty === 'string') pointer += `/${escapePointer(params.missingProperty)}`;
    const field = pointer.replace(/\/\d+(?=\/|$)/g, '/*');
    return { field: field === '' ? '/' : field, keyword: error.keyword, message: lines[index] ?? error.message ?? 'is invalid' };
  });
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns Ajv errors into lines such as `/facts/0/confidence must be <= 1`. */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  if (!errors) return [];
  return errors.map((error) => {
    const where = error.instancePath === '' ? '/' : error.instancePath;
    let text = `${where} ${error.message ?? 'is invalid'}`;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      text += ` ('${params.additionalProperty}')`;
    } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      text += `: ${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')}`;
    } else if (error.keyword === 'const' && 'allowedValue' in params) {
      text += `: ${JSON.stringify(params.allowedValue)}`;
    }
    return text;
  });
}

function summarise(errors: string[]): string {
  const shown = errors.slice(0, errorsInMessage).join('; ');
  const more = errors.length > errorsInMessage ? ` (and ${errors.length - errorsInMessage} more)` : '';
  return `${shown}${more}`;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  const short = trimmed.length > 80 ? `${trimmed.slice(0, 80)}…` : trimmed;
  return JSON.stringify(short);
}

/** Parses JSON fail-closed. Exported so callers can tell "not JSON" from "wrong shape" themselves. */
export function parseJsonStrictly(text: string): ValidationResult {
  if (typeof text !== 'string' || text.trim() === '') {
    const message = 'the answer is empty, expected a JSON value';
    return { ok: false, kind: 'invalid_json', message, errors: [message], issues: [{ field: '/', keyword: null, message }] };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `the answer is not valid JSON: ${reason} (answer starts with ${excerpt(text)})`;
    return { ok: false, kind: 'invalid_json', message, errors: [reason], issues: [{ field: '/', keyword: null, message }] };
  }
}

export function createOutputValidator(schema: JsonSchema, options: OutputValidatorOptions = {}): OutputValidator {
  const validateFunction = compileJsonSchema(schema, options);
  const applyDefaults = options.applyDefaults === true;
  const mismatchPhrase = options.mismatchPhrase ?? 'the answer does not match the output schema';

  const validateValue = (value: unknown): ValidationResult => {
    const candidate = applyDefaults ? structuredClone(value) : value;
    if (validateFunction(candidate)) return { ok: true, value: candidate };
    const errors = formatSchemaErrors(validateFunction.errors);
    const noun = errors.length === 1 ? 'problem' : 'problems';
    return {
      ok: false,
      kind: 'schema',
      message: `${mismatchPhrase} (${errors.length} ${noun}): ${summarise(errors)}`,
      errors,
      issues: schemaIssues(validateFunction.errors, errors),
    };
  };

  return {
    schema,
    validate(text: string): ValidationResult {
      const parsed = parseJsonStrictly(text);
      return parsed.ok ? validateValue(parsed.value) : parsed;
    },
    validateValue,
  };
}

const inputValidators = new WeakMap<Interrogation, OutputValidator>();

/**
 * Enqueue-time check of a job input (an already-parsed value) against the interrogation's input schema.
 * Schema defaults are applied to a copy, which is returned as `value`. Validators are cached per interrogation object.
 */
export function validateInput(interrogation: Interrogation, input: unknown): ValidationResult {
  let validator = inputValidators.get(interrogation);
  if (!validator) {
    validator = createOutputValidator(interrogation.inputSchema, {
      applyDefaults: true,
      mismatchPhrase: `the input does not match the input schema of ${interrogation.key}`,
    });
    inputValidators.set(interrogation, validator);
  }
  return validator.validateValue(input);
}
