/**
 * The contract every job request meets at the door — from CLI flags, a JSONL line or the library's
 * `holocron.enqueue`, all through this one zod schema: known fields only, each of the right type and
 * within its bounds, so that nothing the databases would refuse, or store differently (a float for an
 * integer on SQLite, an error on PostgreSQL), ever reaches them. Each problem names its field.
 *
 * Lengths are counted in JavaScript string length (UTF-16 code units), as the evidence budgets are.
 */
import { z } from 'zod';

/** The bounds, in one place (documented in the README, "Bad input is refused…"). */
export const jobRequestBounds = {
  /** Higher runs first. The default is 100. */
  priority: { min: -1_000_000, max: 1_000_000 },
  maxAttempts: { min: 1, max: 100 },
  /** Up to a year from now; fractions allowed (milliseconds are kept). */
  delaySeconds: { min: 0, max: 31_536_000 },
  interrogationChars: 200,
  kindChars: 100,
  /** A job id (ids are positive and below 2^53). */
  parentJobId: { min: 1, max: Number.MAX_SAFE_INTEGER },
  modelChars: 200,
  runLabelChars: 200,
  /** 500 UTF-16 units are at most 1,500 UTF-8 bytes: within PostgreSQL's B-tree entry limit (2,704 bytes). */
  dedupeKeyChars: 500,
  entityTypeChars: 200,
  entityIdChars: 500,
  evidenceItems: 1_000,
  evidenceTextChars: 1_000_000,
  evidenceIdChars: 200,
  sourceUriChars: 2_000,
  evidenceFiles: 1_000,
  evidencePathChars: 4_096,
  /** The job input as stored (JSON, with the entity fields and inline evidence merged in). */
  inputJsonChars: 2_000_000,
  inputDepth: 32,
  /** A deliberate repeat's index (evaluation `--repeats`). */
  repeat: { min: 0, max: 1_000_000 },
} as const;

/** The fields a request may have; any other is refused by name. */
export const jobRequestFields = [
  'interrogation',
  'input',
  'entity_type',
  'entity_id',
  'evidence',
  'evidence_files',
  'priority',
  'model',
  'max_attempts',
  'dedupe_key',
  'run_label',
  'delay_seconds',
  'kind',
  'parent_job_id',
  'repeat',
  'cache',
] as const;

type Check = (value: unknown) => string | null;

const count = (n: number) => n.toLocaleString('en-US');

/** What a value is, for messages; long strings are cut so an error never echoes 100,000 characters. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': {
      if (value === '') return 'an empty string';
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Number.isNaN(value) ? 'NaN' : String(value);
    case 'bigint':
      return `the BigInt ${value}n`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return isPlainObject(value) ? 'an object' : `an object of type ${(value as object).constructor?.name ?? 'unknown'}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function wholeNumber(bounds: { min: number; max: number }): Check {
  const expected = `must be a whole number from ${count(bounds.min)} to ${count(bounds.max)}`;
  return (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= bounds.min && value <= bounds.max
      ? null
      : `${expected}, got ${describeValue(value)}`;
}

function finiteNumber(bounds: { min: number; max: number }): Check {
  const expected = `must be a number from ${count(bounds.min)} to ${count(bounds.max)}`;
  return (value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= bounds.min && value <= bounds.max
      ? null
      : `${expected}, got ${describeValue(value)}`;
}

// C0 controls and DEL. Free text (evidence) may hold tabs and line breaks; names and keys may not.
const controlCharacter = /[\u0000-\u001f\u007f]/;

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL cannot store a lone UTF-16 surrogate, and SQLite would store a replacement character. */
function hasLoneSurrogate(value: string): boolean {
  return /[\ud800-\udfff]/.test(value) && loneSurrogate.test(value);
}

interface TextRules {
  max: number;
  /** Names and keys: no control characters at all (free text: only NUL is refused). */
  name?: boolean;
  /** Model names: no spaces. */
  noSpaces?: boolean;
}

// One scan finds whether a string needs a closer look (most strings do not).
const suspectInName = /[\u0000-\u001f\u007f\ud800-\udfff]/;
const suspectInText = /[\u0000\ud800-\udfff]/;

/** A string's own problem, or null: empty or blank, too long, NUL or control characters, lone surrogates. */
export function textProblem(value: unknown, rules: TextRules): string | null {
  if (value === undefined) return 'is required';
  if (typeof value !== 'string') return `must be a string, got ${describeValue(value)}`;
  if (value === '') return 'must not be empty';
  if (value.length > rules.max) return `is ${count(value.length)} characters long; at most ${count(rules.max)}`;
  if (value.trim() === '') return 'must not be blank (only spaces)';
  if ((rules.name ? suspectInName : suspectInText).test(value)) {
    const bad = rules.name ? controlCharacter.exec(value) : /\u0000/.exec(value);
    if (bad) return `contains a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}) at position ${bad.index}`;
    if (hasLoneSurrogate(value)) return 'is not well-formed Unicode (it holds a lone surrogate)';
  }
  if (rules.noSpaces && /\s/.test(value)) return 'must not contain spaces';
  return null;
}

/** The problems of a whole JSON value: only JSON types, finite numbers, sane strings, bounded depth, no cycles. */
export function jsonValueProblems(value: unknown, path: (string | number)[] = [], ancestors: object[] = []): { path: (string | number)[]; message: string }[] {
  if (value === null || typeof value === 'boolean') return [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [{ path, message: `${describeValue(value)} is not a JSON value` }];
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return [{ path, message: 'contains a NUL character (U+0000)' }];
    if (hasLoneSurrogate(value)) return [{ path, message: 'is not well-formed Unicode (it holds a lone surrogate)' }];
    return [];
  }
  if (typeof value !== 'object' || (!Array.isArray(value) && !isPlainObject(value))) {
    return [{ path, message: `${describeValue(value)} is not a JSON value` }];
  }
  if (ancestors.includes(value)) return [{ path, message: 'refers back to itself (a cycle), which JSON cannot hold' }];
  if (ancestors.length >= jobRequestBounds.inputDepth) {
    return [{ path, message: `is nested more than ${jobRequestBounds.inputDepth} levels deep` }];
  }
  const inner = [...ancestors, value];
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => problems.push(...jsonValueProblems(item, [...path, index], inner)));
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue; // absent, as JSON has it
      const keyProblem = key.includes('\u0000') ? 'contains a NUL character (U+0000)' : hasLoneSurrogate(key) ? 'is not well-formed Unicode' : null;
      if (keyProblem) problems.push({ path: [...path, key], message: `the key ${keyProblem}` });
      else problems.push(...jsonValueProblems(item, [...path, key], inner));
    }
  }
  return problems.slice(0, 5);
}

type Path = (string | number)[];
/** Checks one field's value and reports each problem at a path inside it. */
type FieldCheck = (value: unknown, report: (path: Path, message: string) => void) => void;

const leaf =
  (check: Check): FieldCheck =>
  (value, report) => {
    const problem = check(value);
    if (problem !== null) report([], problem);
  };

const text = (rules: TextRules): FieldCheck => leaf((value) => textProblem(value, rules));

const evidenceIdRules: TextRules = { max: jobRequestBounds.evidenceIdChars, name: true };
const sourceUriRules: TextRules = { max: jobRequestBounds.sourceUriChars, name: true };
const evidenceTextRules: TextRules = { max: jobRequestBounds.evidenceTextChars };
const evidencePathRules: TextRules = { max: jobRequestBounds.evidencePathChars };

/**
 * A list of items, each a string or an object with the given fields (`required` must be there);
 * e.g. evidence: `"text"` or `{evidence_id?, source_uri?, text}`.
 */
function list(max: number, what: string, string: TextRules, fields: Record<string, TextRules>, required: string): FieldCheck {
  const names = Object.keys(fields);
  return (value, report) => {
    if (!Array.isArray(value)) return report([], `must be an array, got ${describeValue(value)}`);
    if (value.length > max) return report([], `has ${count(value.length)} items; at most ${count(max)}`);
    value.forEach((item, index) => {
      if (typeof item === 'string') {
        const problem = textProblem(item, string);
        if (problem !== null) report([index], problem);
      } else if (isPlainObject(item)) {
        for (const key of Object.keys(item)) {
          if (!(key in fields)) report([index, shortKey(key)], `is not a field here; the fields are ${names.join(', ')}`);
        }
        for (const [name, rules] of Object.entries(fields)) {
          if (item[name] === undefined && name !== required) continue;
          const problem = textProblem(item[name], rules);
          if (problem !== null) report([index, name], problem);
        }
      } else {
        report([index], `must be ${what}, got ${describeValue(item)}`);
      }
    });
  };
}

const fieldChecks: Record<(typeof jobRequestFields)[number], FieldCheck> = {
  interrogation: text({ max: jobRequestBounds.interrogationChars, name: true }),
  input: (value, report) => {
    if (!isPlainObject(value)) return report([], `must be a JSON object, got ${describeValue(value)}`);
    const problems = jsonValueProblems(value);
    for (const problem of problems) report(problem.path, problem.message);
    // On its own too (a job of another kind has no evidence merged in to be measured with).
    const chars = problems.length === 0 ? JSON.stringify(value).length : 0;
    if (chars > jobRequestBounds.inputJsonChars) {
      report([], `is ${count(chars)} characters of JSON; at most ${count(jobRequestBounds.inputJsonChars)}`);
    }
  },
  entity_type: text({ max: jobRequestBounds.entityTypeChars, name: true }),
  entity_id: text({ max: jobRequestBounds.entityIdChars, name: true }),
  evidence: list(
    jobRequestBounds.evidenceItems,
    'a text or an object {evidence_id?, source_uri?, text}',
    evidenceTextRules,
    { evidence_id: evidenceIdRules, source_uri: sourceUriRules, text: evidenceTextRules },
    'text',
  ),
  evidence_files: list(
    jobRequestBounds.evidenceFiles,
    'a path or an object {path, evidence_id?, source_uri?}',
    evidencePathRules,
    { path: evidencePathRules, evidence_id: evidenceIdRules, source_uri: sourceUriRules },
    'path',
  ),
  priority: leaf(wholeNumber(jobRequestBounds.priority)),
  model: text({ max: jobRequestBounds.modelChars, name: true, noSpaces: true }),
  max_attempts: leaf(wholeNumber(jobRequestBounds.maxAttempts)),
  dedupe_key: text({ max: jobRequestBounds.dedupeKeyChars, name: true }),
  run_label: text({ max: jobRequestBounds.runLabelChars, name: true }),
  delay_seconds: leaf(finiteNumber(jobRequestBounds.delaySeconds)),
  kind: text({ max: jobRequestBounds.kindChars, name: true }),
  parent_job_id: leaf(wholeNumber(jobRequestBounds.parentJobId)),
  repeat: leaf(wholeNumber(jobRequestBounds.repeat)),
  cache: leaf((value) =>
    value === 'off' || value === 'read' || value === 'write' || value === 'readwrite' ? null : `must be one of off, read, write, readwrite, got ${describeValue(value)}`,
  ),
};

/** What a user asks for when enqueueing: every field optional, each bounded as `jobRequestBounds` says. */
export interface JobRequest {
  /** The interrogation's key (else the default one: `--interrogation`). */
  interrogation?: string;
  /** The interrogation input; the entity fields and evidence below are merged into it. */
  input?: Record<string, unknown>;
  entity_type?: string;
  entity_id?: string;
  /** Inline evidence: texts or `{evidence_id, source_uri, text}`; goes to `input.extra_params.evidence`. */
  evidence?: (string | { evidence_id?: string; source_uri?: string; text: string })[];
  /** Files read when the job runs, relative to the evidence root. */
  evidence_files?: (string | { path: string; evidence_id?: string; source_uri?: string })[];
  priority?: number;
  model?: string;
  max_attempts?: number;
  dedupe_key?: string;
  run_label?: string;
  delay_seconds?: number;
  /** The job kind (default 'interrogation'); other kinds take `input` and the queue fields only. */
  kind?: string;
  /** The job that made this one; it must exist. */
  parent_job_id?: number;
  /** Which deliberate repeat of the same call this job is (default 0): repeats are never served each other's answers. */
  repeat?: number;
  /** The job's own cache mode (default: the worker's `cache.mode`). */
  cache?: 'off' | 'read' | 'write' | 'readwrite';
}

/**
 * The contract as one zod schema: zod refuses unknown fields and shapes the object; one refinement
 * runs each field's check (a refinement per field would cost three times as much on a big file).
 */
export const jobRequestSchema = z
  .object(Object.fromEntries(jobRequestFields.map((field) => [field, z.unknown()])) as Record<(typeof jobRequestFields)[number], z.ZodUnknown>)
  .strict()
  .superRefine((job, context) => {
    for (const field of jobRequestFields) {
      const value = job[field];
      if (value === undefined) continue;
      fieldChecks[field](value, (path, message) => context.addIssue({ code: 'custom', path: [field, ...path], message }));
    }
  }) as unknown as z.ZodType<JobRequest>;

/** One problem with one request: the field it is about (dotted path, `evidence[2].text`; '' for the whole job). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Validates one request against the contract: the parsed request, or the problems, each naming its field. */
export function parseJobRequest(request: unknown): { ok: true; request: JobRequest } | { ok: false; problems: FieldProblem[] } {
  if (!isPlainObject(request)) {
    return { ok: false, problems: [{ field: '', message: `a job must be a JSON object, got ${describeValue(request)}` }] };
  }
  const parsed = jobRequestSchema.safeParse(request);
  if (parsed.success) return { ok: true, request: parsed.data };
  const problems: FieldProblem[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: fieldPath([...issue.path, shortKey(key)]), message: unknownFieldMessage(key) });
      continue;
    }
    problems.push({ field: fieldPath(issue.path), message: issue.message });
  }
  return { ok: false, problems };
}

export function fieldPath(path: readonly (string | number)[]): string {
  let field = '';
  for (const part of path) field += typeof part === 'number' ? `[${part}]` : field === '' ? part : `.${part}`;
  return field;
}

/** A field name as shown in a message: an unknown key may be any length, or empty. */
function shortKey(key: string): string {
  if (key === '') return '""';
  return key.length > 40 ? `${key.slice(0, 40)}…` : key;
}

function unknownFieldMessage(key: string): string {
  const snake = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`).replace(/-/g, '_');
  const suggestion = snake !== key && (jobRequestFields as readonly string[]).includes(snake) ? ` (did you mean "${snake}"?)` : '';
  return `is not a job field${suggestion}; the fields are ${jobRequestFields.join(', ')}`;
}
