/**
 * `runs import FILE` (also `db migrate FILE`): reads an export, checks it whole before writing anything,
 * and stores each run in its own transaction. A run whose id is already stored is refused, never merged.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { evalItemStatuses, evalRunStatuses } from '../evaluations-tables.ts';
import { EvaluationInputError, type EvaluationRecord } from './evaluation-record.ts';
import { exportFormat } from './export-eval-runs.ts';
import { insertEvaluation } from './insert-evaluation.ts';

const nullableText = z.string().nullable();
const nullableNumber = z.number().finite().nullable();
const recordSchema = z.object({
  run: z.object({
    id: z.string().min(1).max(200),
    name: z.string(),
    description: nullableText,
    project: nullableText,
    dataset: nullableText,
    model: nullableText,
    interrogation: nullableText,
    createdBy: nullableText,
    tags: z.array(z.string()),
    status: z.enum(evalRunStatuses),
    createdAt: z.number().int(),
    startedAt: z.number().int(),
    completedAt: z.number().int().nullable(),
    durationMs: nullableNumber,
    metricVersions: z.record(z.string()),
    config: z.record(z.unknown()),
    error: nullableText,
  }),
  items: z.array(
    z.object({
      itemKey: z.string().min(1),
      repeat: z.number().int().min(0),
      position: z.number().int().min(0),
      status: z.enum(evalItemStatuses),
      input: z.unknown(),
      expected: z.unknown(),
      output: z.unknown(),
      error: nullableText,
      latencyMs: nullableNumber,
      promptTokens: z.number().int().nullable(),
      completionTokens: z.number().int().nullable(),
      jobId: z.number().int().nullable(),
    }),
  ),
  scores: z.array(
    z.object({
      itemKey: z.string().min(1),
      repeat: z.number().int().min(0),
      metric: z.string().min(1),
      field: nullableText,
      metricVersion: z.string(),
      value: nullableNumber,
      passed: z.boolean().nullable(),
      details: z.record(z.unknown()).nullable(),
    }),
  ),
});
const exportSchema = z.object({ format: z.literal(exportFormat), version: z.literal(1), runs: z.array(recordSchema) });

export function readEvaluationExport(file: string): EvaluationRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvaluationInputError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EvaluationInputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = exportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EvaluationInputError(`${file} is not a Holocron evaluation export: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data.runs as EvaluationRecord[];
}

export async function importEvalRuns(database: HolocronDatabase, records: readonly EvaluationRecord[]): Promise<string[]> {
  const ids = records.map((record) => record.run.id);
  if (new Set(ids).size !== ids.length) throw new EvaluationInputError('The file holds the same run id twice.');
  const existing = ids.length === 0 ? [] : await database.db.selectFrom('eval_runs').select('id').where(database.adapter.inList('id', ids, 'text')).execute();
  if (existing.length > 0) throw new EvaluationInputError(`Run ${existing[0]!.id} is already stored (delete it first to import it again); nothing was imported.`);
  for (const record of records) await insertEvaluation(database, record);
  return ids;
}
