/**
 * Evaluation datasets: one item per line of a JSONL file (`{id?, input, evidence?, expected}`), or an
 * array in TypeScript. An item's key — how runs are aligned — is its id, else `h:` + a hash of its input.
 */
import fs from 'node:fs';
import { canonicalJson, sha256Hex } from './metrics/json-values.ts';
import { EvaluationInputError } from './store/evaluation-record.ts';

export interface DatasetItem {
  id?: string | number;
  input: unknown;
  /** Evidence texts for an interrogation (optional). */
  evidence?: string[];
  expected: unknown;
}

export function itemKey(item: DatasetItem): string {
  if (item.id !== undefined && item.id !== null && String(item.id) !== '') return String(item.id);
  return `h:${sha256Hex(canonicalJson({ input: item.input, evidence: item.evidence ?? null })).slice(0, 16)}`;
}

export function checkDatasetItem(value: unknown, where: string): DatasetItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EvaluationInputError(`${where}: an item must be a JSON object {id?, input, evidence?, expected}.`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !['id', 'input', 'evidence', 'expected'].includes(key));
  if (unknown.length > 0) throw new EvaluationInputError(`${where}: unknown field ${unknown.map((key) => `"${key}"`).join(', ')} (an item has id, input, evidence, expected).`);
  if (!('input' in record)) throw new EvaluationInputError(`${where}: the item has no "input".`);
  if (!('expected' in record)) throw new EvaluationInputError(`${where}: the item has no "expected".`);
  if (record.id !== undefined && typeof record.id !== 'string' && typeof record.id !== 'number') throw new EvaluationInputError(`${where}: "id" must be a string or a number.`);
  if (record.evidence !== undefined && (!Array.isArray(record.evidence) || record.evidence.some((entry) => typeof entry !== 'string'))) {
    throw new EvaluationInputError(`${where}: "evidence" must be an array of strings.`);
  }
  return record as unknown as DatasetItem;
}

/** Reads and checks a whole JSONL dataset before anything runs; duplicate keys are refused. */
export function readDataset(file: string): DatasetItem[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvaluationInputError(`Cannot read the dataset ${file}: ${(error as Error).message}`);
  }
  const items: DatasetItem[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new EvaluationInputError(`${file} line ${index + 1}: not JSON (${(error as Error).message}).`);
    }
    items.push(checkDatasetItem(value, `${file} line ${index + 1}`));
  });
  if (items.length === 0) throw new EvaluationInputError(`The dataset ${file} has no items.`);
  checkUniqueKeys(items, file);
  return items;
}

export function checkUniqueKeys(items: readonly DatasetItem[], where: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = itemKey(item);
    if (seen.has(key)) throw new EvaluationInputError(`${where}: two items have the key ${key} (ids must be unique; items without an id must differ in input).`);
    seen.add(key);
  }
}
