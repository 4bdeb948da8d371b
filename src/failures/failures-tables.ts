/**
 * The structured-output failure ledger's table: one row per problem an attempt's answer had — each
 * schema validation error (with the field it is about), an answer that is not JSON, or one cut off at
 * the output limit — written in the transaction that records the attempt. It answers "which schema
 * fields fail, how often, on which model" without reading the lake. The attempt's raw answer
 * (raw.txt), error.json and tokens stay where they were (the lake, `runs`).
 *
 * Terminology:
 * - failure: one problem of one attempt's answer (an attempt can have several).
 * - field: where in the answer, as a JSON pointer with array indices replaced by `*`
 *   (`/facts/*\/confidence`); `/` for the whole answer (not JSON, truncated).
 * - checked attempt: an attempt whose answer was validated (it succeeded, or failed invalid_output or truncated).
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export const failureKinds = ['schema', 'invalid_json', 'truncated', 'parse_error'] as const;
export type FailureKind = (typeof failureKinds)[number];

export interface OutputFailureTable {
  id: Generated<number>;
  run_id: string;
  job_id: number;
  interrogation_key: string;
  model_name: string | null;
  endpoint_id: string | null;
  run_label: string | null;
  kind: FailureKind;
  /** JSON pointer into the answer, array indices as `*`; `/` for the whole answer. */
  field: string;
  /** The JSON Schema keyword that failed (`required`, `maximum`, …); null for non-schema failures. */
  keyword: string | null;
  message: string;
  created_at: ColumnType<number, number, never>;
}

export interface FailureTables {
  output_failures: OutputFailureTable;
}

export type OutputFailureRow = Selectable<OutputFailureTable>;
export type NewOutputFailureRow = Insertable<OutputFailureTable>;
