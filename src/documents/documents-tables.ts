/**
 * The documents index: one row per produced document — every generation attempt that produced an
 * answer, or a legacy file brought in by the backfill. The bytes live in the row's folder (`doc_dir`,
 * for attempts the attempt's own lake folder): `raw.txt`, `parsed.json` or `parsed.txt`,
 * `metadata.json`, `extras/`. Times are epoch milliseconds from the database clock, as in the queue.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

export const documentStatuses = ['ok', 'truncated', 'parse_error', 'gen_error', 'skipped'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

export interface DocumentTable {
  /** Insertion order: "latest" and keyset paging follow it (created_at can tie within a millisecond). */
  id: Generated<number>;
  /** Short unique ID (14 base62 characters), new for every attempt. */
  doc_id: string;
  /** Groups the attempts of one logical product (stage + source item or parent logical key + template + model). */
  logical_key_id: string;
  /** The pipeline stage's name (`facts`, `essay`, `evaluation`; `draft` … for backfilled files). */
  stage: string;
  /** The task this document answers, as its pipeline names it (the seed's draft/essay/evaluation task id). */
  task_id: string | null;
  /** For a first stage: the input item it was made from (part of the logical key). */
  source_id: string | null;
  parent_doc_id: string | null;
  template_id: string | null;
  model_id: string | null;
  run_label: string | null;
  /** Where the prompt sent is, relative to the lake root (or the data root for backfilled files). */
  prompt_path: string | null;
  prompt_hash: string | null;
  parser: string | null;
  status: DocumentStatus;
  usage_prompt_tokens: number | null;
  usage_completion_tokens: number | null;
  usage_max_tokens: number | null;
  created_at: number;
  /** The document's folder, relative to the lake root. */
  doc_dir: string;
  raw_sha256: string | null;
  parsed_sha256: string | null;
  raw_chars: number | null;
  parsed_chars: number | null;
  /** Small JSON: finish reason, provider, backfill provenance… (big things go to metadata.json). */
  meta_small: string | null;
  /** The previous attempt of the same logical key, which this one supersedes. */
  lineage_prev_doc_id: string | null;
  /** What made it, for staleness: hashes of the template and output schema, the model digest, the options. */
  template_hash: string | null;
  schema_hash: string | null;
  model_digest: string | null;
  options_hash: string | null;
  /** The job and attempt that produced it (null for backfilled files). */
  job_id: number | null;
  attempt_id: string | null;
  /** For a backfilled document: the legacy file it came from, relative to the data root (unique). */
  legacy_path: string | null;
}

export interface DocumentTables {
  documents: DocumentTable;
}

export type DocumentRow = Selectable<DocumentTable>;
export type NewDocumentRow = Insertable<DocumentTable>;
