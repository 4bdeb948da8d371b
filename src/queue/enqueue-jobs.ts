/**
 * Inserts jobs in one transaction: all of them or none. A job whose dedupe key is already taken is not
 * inserted; the existing job's id is returned with `deduplicated: true`.
 * Input validation (interrogation contracts, evidence paths) happens before this, in `enqueue`.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { Kysely } from 'kysely';
import type { CacheModeColumn, Database, NewJobRow } from '../database/database.ts';
import type { EnqueuedJob } from '../read-models/queue-actions.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { chunk, rowsPerStatement } from './chunk.ts';
import { databaseNow } from './database-now.ts';

/** A file reference stored with the job (same shape as the evidence module's EvidenceRef). */
export interface EvidenceRef {
  /** Relative to the evidence root. */
  path: string;
  evidence_id?: string;
  source_uri?: string;
}

export interface JobSpec {
  /** The job kind (default 'interrogation'); its registration validated the spec before this. */
  kind?: string;
  /** The job that made this one (a pipeline's hand-off, an evaluation run's items). */
  parentJobId?: number | null;
  interrogationKey: string;
  input: unknown;
  evidenceRefs?: EvidenceRef[];
  modelHint?: string | null;
  priority: number;
  maxAttempts: number;
  dedupeKey?: string | null;
  runLabel?: string | null;
  /** Delay before the job becomes claimable, in milliseconds. */
  delayMs?: number;
  /** Which deliberate repeat of the same call (default 0). */
  repeatIndex?: number;
  /** The job's own cache mode (default null: the worker's). */
  cacheMode?: CacheModeColumn | null;
}

/** The database could not store valid jobs (unreachable, full, locked); the transaction wrote none of them. */
export class EnqueueFailedError extends Error {
  override readonly name = 'EnqueueFailedError';
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the database could not store the jobs, nothing was enqueued (${reason.length > 300 ? `${reason.slice(0, 300)}…` : reason})`, { cause });
  }
}

export type { EnqueuedJob };

export interface EnqueueJobsOptions {
  /** Called after each chunk is written (inside the transaction), for progress bars. */
  onProgress?: (written: number, total: number) => void;
}

export async function enqueueJobs(
  database: HolocronDatabase,
  specs: readonly JobSpec[],
  options: EnqueueJobsOptions = {},
): Promise<EnqueuedJob[]> {
  if (specs.length === 0) return [];
  const { db, adapter } = database;
  return adapter.writeTransaction(db, (transaction) => insertJobs(transaction, adapter, specs, options));
}

/**
 * The same inside a transaction the caller holds: e.g. a job kind's `onRecorded` hook enqueueing child
 * jobs atomically with the outcome that produced them.
 */
export async function insertJobs(
  transaction: Kysely<Database>,
  adapter: DialectAdapter,
  specs: readonly JobSpec[],
  options: EnqueueJobsOptions = {},
): Promise<EnqueuedJob[]> {
  if (specs.length === 0) return [];
  const columns = 20;
  const size = rowsPerStatement(adapter.maxParameters, columns, 500);
  const now = await databaseNow(transaction, adapter);
  const results: EnqueuedJob[] = [];
  let written = 0;
  for (const part of chunk(specs, size)) {
    const rows: NewJobRow[] = part.map((spec) => ({
      kind: spec.kind ?? 'interrogation',
      parent_job_id: spec.parentJobId ?? null,
      interrogation_key: spec.interrogationKey,
      status: 'NEW',
      priority: spec.priority,
      input: JSON.stringify(spec.input),
      evidence_refs: spec.evidenceRefs && spec.evidenceRefs.length > 0 ? JSON.stringify(spec.evidenceRefs) : null,
      model_hint: spec.modelHint ?? null,
      dedupe_key: spec.dedupeKey ?? null,
      run_label: spec.runLabel ?? null,
      attempt_count: 0,
      max_attempts: spec.maxAttempts,
      available_at: now + (spec.delayMs ?? 0),
      created_at: now,
      updated_at: now,
      repeat_index: spec.repeatIndex ?? 0,
      cache_mode: spec.cacheMode ?? null,
    }));
    const inserted = await transaction
      .insertInto('jobs')
      .values(rows)
      .onConflict((conflict) => conflict.column('dedupe_key').where('dedupe_key', 'is not', null).doNothing())
      .returning(['id', 'dedupe_key'])
      .execute();
    results.push(...(await matchInsertedRows(transaction, part, inserted)));
    written += part.length;
    options.onProgress?.(written, specs.length);
  }
  return results;
}

async function matchInsertedRows(
  transaction: Kysely<Database>,
  part: readonly JobSpec[],
  inserted: { id: number; dedupe_key: string | null }[],
): Promise<EnqueuedJob[]> {
  const byKey = new Map<string, number>();
  const withoutKey: number[] = [];
  for (const row of inserted) {
    if (row.dedupe_key === null) withoutKey.push(Number(row.id));
    else byKey.set(row.dedupe_key, Number(row.id));
  }
  const missingKeys = part
    .map((spec) => spec.dedupeKey)
    .filter((key): key is string => typeof key === 'string' && !byKey.has(key));
  const existing = new Map<string, number>();
  if (missingKeys.length > 0) {
    const rows = await transaction
      .selectFrom('jobs')
      .select(['id', 'dedupe_key'])
      .where('dedupe_key', 'in', [...new Set(missingKeys)])
      .execute();
    for (const row of rows) existing.set(row.dedupe_key!, Number(row.id));
  }
  // Rows without a dedupe key come back in insertion order; sort to be safe (ids ascend within a statement).
  withoutKey.sort((a, b) => a - b);
  let nextWithoutKey = 0;
  const claimedKeys = new Set<string>();
  return part.map((spec) => {
    if (spec.dedupeKey == null) return { id: withoutKey[nextWithoutKey++]!, deduplicated: false };
    const insertedId = byKey.get(spec.dedupeKey);
    if (insertedId !== undefined && !claimedKeys.has(spec.dedupeKey)) {
      claimedKeys.add(spec.dedupeKey);
      return { id: insertedId, deduplicated: false };
    }
    return { id: insertedId ?? existing.get(spec.dedupeKey)!, deduplicated: true };
  });
}
