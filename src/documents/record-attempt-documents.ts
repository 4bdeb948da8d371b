/**
 * A document row for every recorded attempt that produced an answer (it has a raw.txt), written inside
 * the transaction that records the attempt — so a row never points at a folder that is not whole (the
 * lake writes the folder, renamed into place, before the outcome is recorded) and a recording that
 * rolls back leaves no row. The attempt's lake folder is the document's folder.
 *
 * What the row says comes from the attempt (model, digest, options, tokens, files and their hashes),
 * its job (interrogation, input, run label), the interrogation as registered (template and schema
 * hashes), and — for a pipeline's job — its stage, input item and parent document (`describe`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { ArtifactRecord, AttemptOutcome } from '../queue/record-outcomes.ts';
import { newDocId } from './doc-id.ts';
import type { DocumentStatus } from './documents-tables.ts';
import { insertDocuments, type NewDocument } from './insert-documents.ts';
import { schemaHashOf, templateHashOf } from './interrogation-hashes.ts';
import { contentHash, logicalKeyId } from './logical-key.ts';

/** Where a job sits in a pipeline, for its documents. */
export interface JobPlacement {
  stage: string;
  itemId: string;
  parentDocId: string | null;
}

export type DescribeJobs = (transaction: Kysely<Database>, jobIds: readonly number[]) => Promise<Map<number, JobPlacement>>;

export interface RecordedDocument {
  docId: string;
  logicalKeyId: string;
  status: DocumentStatus;
  jobId: number;
  runId: string;
  stage: string;
  placement: JobPlacement | null;
}

export interface RecordAttemptDocumentsOptions {
  registry: InterrogationRegistry;
  describe?: DescribeJobs;
  now: number;
}

export async function recordAttemptDocuments(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  outcomes: readonly AttemptOutcome[],
  options: RecordAttemptDocumentsOptions,
): Promise<RecordedDocument[]> {
  const answered = outcomes.filter((outcome) => outcome.artifacts.some((artifact) => artifact.type === 'raw'));
  if (answered.length === 0) return [];
  const jobIds = [...new Set(answered.map((outcome) => outcome.held.jobId))];
  const jobs = new Map(
    (
      await transaction
        .selectFrom('jobs')
        .select(['id', 'interrogation_key', 'input', 'run_label', 'model_hint'])
        .where(adapter.inList('id', jobIds, 'bigint'))
        .execute()
    ).map((job) => [Number(job.id), job]),
  );
  const placements = options.describe ? await options.describe(transaction, jobIds) : new Map<number, JobPlacement>();
  const parentIds = [...new Set([...placements.values()].flatMap((placement) => (placement.parentDocId ? [placement.parentDocId] : [])))];
  const parentKeys = new Map<string, string>();
  if (parentIds.length > 0) {
    const rows = await transaction.selectFrom('documents').select(['doc_id', 'logical_key_id']).where(adapter.inList('doc_id', parentIds, 'text')).execute();
    for (const row of rows) parentKeys.set(row.doc_id, row.logical_key_id);
  }

  const recorded: RecordedDocument[] = [];
  const rows: NewDocument[] = [];
  for (const outcome of answered) {
    const job = jobs.get(outcome.held.jobId);
    if (!job) continue;
    const interrogation = options.registry.has(job.interrogation_key) ? options.registry.get(job.interrogation_key) : null;
    const placement = placements.get(outcome.held.jobId) ?? null;
    const input = parseJson(job.input) as { entity_id?: unknown } | null;
    const model = outcome.record.modelName ?? job.model_hint ?? '';
    const stage = placement?.stage ?? job.interrogation_key;
    const itemId = placement?.itemId ?? (typeof input?.entity_id === 'string' ? input.entity_id : `job-${outcome.held.jobId}`);
    const parentKey = placement?.parentDocId ? (parentKeys.get(placement.parentDocId) ?? placement.parentDocId) : null;
    const key = logicalKeyId({ stage, source: parentKey ?? itemId, template: job.interrogation_key, model });
    const status = statusOf(outcome);
    const raw = artifact(outcome.artifacts, 'raw')!;
    const output = status === 'ok' ? artifact(outcome.artifacts, 'output') : undefined;
    const prompt = artifact(outcome.artifacts, 'prompt');
    const metrics = (outcome.record.metrics ?? {}) as { answerChars?: number; parsedChars?: number; finishReason?: string | null };
    const sent = (outcome.record.options ?? null) as { numPredict?: number } | null;
    const parsedFromRaw = status === 'ok' && !output;
    const docId = newDocId();
    rows.push({
      doc_id: docId,
      logical_key_id: key,
      stage,
      task_id: `${itemId}:${stage}:${job.interrogation_key}:${model}`,
      source_id: parentKey ? null : itemId,
      parent_doc_id: placement?.parentDocId ?? null,
      template_id: job.interrogation_key,
      model_id: model || null,
      run_label: job.run_label,
      prompt_path: prompt?.lakePath ?? null,
      prompt_hash: prompt?.sha256 ?? null,
      parser: interrogation?.parser ?? null,
      status,
      usage_prompt_tokens: outcome.record.promptTokens ?? null,
      usage_completion_tokens: outcome.record.completionTokens ?? null,
      usage_max_tokens: sent?.numPredict ?? null,
      created_at: options.now,
      doc_dir: outcome.record.lakeDir ?? raw.lakePath.slice(0, raw.lakePath.lastIndexOf('/')),
      raw_sha256: raw.sha256,
      parsed_sha256: output?.sha256 ?? (parsedFromRaw ? raw.sha256 : null),
      raw_chars: metrics.answerChars ?? raw.bytes,
      parsed_chars: status === 'ok' ? (metrics.parsedChars ?? output?.bytes ?? null) : null,
      meta_small: JSON.stringify({
        finish_reason: metrics.finishReason ?? null,
        provider: outcome.record.provider ?? null,
        ...(outcome.kind === 'failed' ? { error_code: outcome.error.code } : {}),
        parsed_file: output ? output.lakePath.slice(output.lakePath.lastIndexOf('/') + 1) : parsedFromRaw ? 'raw.txt' : null,
      }),
      template_hash: interrogation ? templateHashOf(interrogation) : null,
      schema_hash: interrogation ? schemaHashOf(interrogation) : null,
      model_digest: outcome.record.modelDigest ?? null,
      options_hash: outcome.record.options ? contentHash(outcome.record.options) : null,
      job_id: outcome.held.jobId,
      attempt_id: outcome.held.runId,
    });
    recorded.push({ docId, logicalKeyId: key, status, jobId: outcome.held.jobId, runId: outcome.held.runId, stage, placement });
  }
  const inserted = new Set(await insertDocuments(transaction, adapter, rows));
  return recorded.filter((document) => inserted.has(document.docId));
}

function statusOf(outcome: AttemptOutcome): DocumentStatus {
  if (outcome.kind === 'succeeded') return 'ok';
  if (outcome.error.code === 'truncated') return 'truncated';
  if (outcome.error.code === 'invalid_output') return 'parse_error';
  return 'gen_error';
}

function artifact(artifacts: readonly ArtifactRecord[], type: ArtifactRecord['type']): ArtifactRecord | undefined {
  return artifacts.find((candidate) => candidate.type === type);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
