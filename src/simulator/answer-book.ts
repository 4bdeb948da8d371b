/**
 * Known answers for the simulator (`holocron sim --answers FILE`), so evaluations against it have a ground
 * truth. Each entry is keyed by a string that identifies the item in the prompt (an entity id, a
 * question number…); a request whose last user message contains a key (as a whole word; the longest
 * wins) is answered with that entry's answer, laid over a schema-valid generated value so required
 * fields the entry lacks are still present.
 *
 * Per-model accuracy (`--models llama3.2:latest=0.6`): each scalar field of the answer is right with that
 * probability and otherwise replaced by a wrong value that still fits the schema (another enum member, a
 * flipped boolean, a number off by one, a string marked wrong). Identifier fields (`*_key`, `*_id`,
 * `*_ids`) are never changed, so list entries still pair up by key. The draws are deterministic for the
 * model, the key, the field's path and the request's seed.
 */
import fs from 'node:fs';
import { SeededRandom } from './seeded-random.ts';

export interface AnswerEntry {
  key: string;
  answer: unknown;
}

export class AnswerBookError extends Error {
  override readonly name = 'AnswerBookError';
}

/**
 * Reads answers: a JSON object `{ key: answer, … }`, or JSONL lines `{"key": …, "answer": …}` — or the
 * lines of an evaluation dataset, `{"id": …, "expected": …}`, so one file serves both.
 */
export function readAnswerBook(file: string): AnswerEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AnswerBookError(`Cannot read the answers file ${file}: ${(error as Error).message}`);
  }
  try {
    const whole = JSON.parse(text.trim()) as unknown;
    if (whole !== null && typeof whole === 'object' && !Array.isArray(whole) && !('key' in whole) && !('id' in whole)) {
      const entries = Object.entries(whole as Record<string, unknown>).map(([key, answer]) => ({ key, answer }));
      if (entries.length === 0) throw new AnswerBookError(`The answers file ${file} has no answers.`);
      return entries;
    }
  } catch (error) {
    if (error instanceof AnswerBookError) throw error;
    // Not one JSON document: JSONL.
  }
  return fromLines(file, text);
}

function fromLines(file: string, text: string): AnswerEntry[] {
  const entries: AnswerEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new AnswerBookError(`${file} line ${index + 1}: not JSON (${(error as Error).message}).`);
    }
    const key = value.key ?? value.id;
    const answer = 'answer' in value ? value.answer : value.expected;
    if ((typeof key !== 'string' && typeof key !== 'number') || String(key) === '' || answer === undefined) {
      throw new AnswerBookError(`${file} line ${index + 1}: expected {"key", "answer"} or {"id", "expected"}.`);
    }
    entries.push({ key: String(key), answer });
  });
  if (entries.length === 0) throw new AnswerBookError(`The answers file ${file} has no answers.`);
  return entries;
}

export class AnswerBook {
  private readonly entries: AnswerEntry[];

  constructor(entries: readonly AnswerEntry[]) {
    // Longest first: "luke_skywalker" wins over "luke".
    this.entries = [...entries].sort((a, b) => b.key.length - a.key.length);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry whose key appears in the text as a whole word, or null. */
  find(text: string): AnswerEntry | null {
    for (const entry of this.entries) {
      let from = 0;
      while (true) {
        const at = text.indexOf(entry.key, from);
        if (at < 0) break;
        const before = at === 0 ? '' : text[at - 1]!;
        const after = text[at + entry.key.length] ?? '';
        if (!/[A-Za-z0-9_]/.test(before) && !/[A-Za-z0-9_]/.test(after)) return entry;
        from = at + 1;
      }
    }
    return null;
  }
}

type JsonSchemaNode = Record<string, unknown>;

const identifierName = /(^|_)(key|id|ids)$/;

/** The answer with each scalar field right with probability `accuracy` (deterministic per seed text). */
export function applyAccuracy(answer: unknown, accuracy: number, seedText: string, schema: unknown): unknown {
  if (accuracy >= 1) return answer;
  return walk(answer, schema as JsonSchemaNode | undefined, '', false, accuracy, seedText);
}

function walk(value: unknown, schema: JsonSchemaNode | undefined, path: string, identifier: boolean, accuracy: number, seedText: string): unknown {
  if (Array.isArray(value)) {
    const items = schema && typeof schema.items === 'object' ? (schema.items as JsonSchemaNode) : undefined;
    return value.map((entry, index) => walk(entry, items, `${path}[${index}]`, identifier, accuracy, seedText));
  }
  if (value !== null && typeof value === 'object') {
    const properties = schema && typeof schema.properties === 'object' ? (schema.properties as Record<string, JsonSchemaNode>) : {};
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, walk(entry, properties[key], path === '' ? key : `${path}.${key}`, identifierName.test(key), accuracy, seedText)]),
    );
  }
  if (identifier) return value;
  const random = SeededRandom.fromText(`${seedText}\u0000${path}`);
  if (random.nextFloat() < accuracy) return value;
  return wrongValue(value, schema);
}

function wrongValue(value: unknown, schema: JsonSchemaNode | undefined): unknown {
  const options = Array.isArray(schema?.enum) ? (schema!.enum as unknown[]) : null;
  if (options) {
    const other = options.find((option) => JSON.stringify(option) !== JSON.stringify(value));
    return other === undefined ? value : other;
  }
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') {
    const maximum = typeof schema?.maximum === 'number' ? schema.maximum : Infinity;
    const step = Number.isInteger(value) ? 1 : Math.max(Math.abs(value) * 0.5, 0.1);
    return value + step <= maximum ? value + step : value - step;
  }
  if (typeof value === 'string') {
    const pattern = typeof schema?.pattern === 'string' ? new RegExp(schema.pattern, 'u') : null;
    for (const candidate of [`${value} (wrong)`, `${value}_wrong`, `wrong_${value}`]) {
      if (!pattern || pattern.test(candidate)) return candidate;
    }
    return value;
  }
  if (value === null) {
    const types = Array.isArray(schema?.type) ? (schema!.type as string[]) : [schema?.type];
    if (types.includes('string')) return 'unknown';
  }
  return value;
}

/** `generated` with `answer` laid over it: the answer's fields win; arrays are taken whole from the answer. */
export function layOver(generated: unknown, answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
  if (generated === null || typeof generated !== 'object' || Array.isArray(generated)) return answer;
  const merged: Record<string, unknown> = { ...(generated as Record<string, unknown>) };
  for (const [key, value] of Object.entries(answer as Record<string, unknown>)) merged[key] = layOver(merged[key], value);
  return merged;
}
