/**
 * `holocron cache explain <job>`: why a job's call hit or missed the cache. A hit names the attempt it
 * was served from. A miss says whether an entry with the same fingerprint existed (then the call did
 * not read the cache: its mode, or it samples), and shows the nearest earlier call — the one whose
 * fingerprint fields differ in the fewest places — with which fields differ.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import { diffFingerprintFields, isDeterministic, type FieldDifference, type FingerprintFields } from './call-fingerprint.ts';
import { ReproducibilityError } from './reproducibility-error.ts';
import { getFingerprintFields } from './stored-definitions.ts';

export interface CacheExplanation {
  jobId: number;
  runId: string | null;
  outcome: 'hit' | 'miss' | 'no_call';
  fingerprint: string | null;
  /** A hit: the attempt it was served from. */
  sourceRunId?: string;
  /** Why, in words. */
  reason: string;
  /** A miss: the nearest earlier call and how its fingerprint fields differ. */
  nearest?: { runId: string; jobId: number; fingerprint: string; cached: boolean; differences: FieldDifference[] };
}


/** How many earlier calls are compared (the most recent ones). */
const candidateLimit = 2000;

export async function explainCache(database: HolocronDatabase, jobId: number): Promise<CacheExplanation> {
  const { db } = database;
  const job = await db.selectFrom('jobs').select(['id', 'cache_mode']).where('id', '=', jobId).executeTakeFirst();
  if (!job) throw new ReproducibilityError(`no job has the id ${jobId}`);
  const run = await db
    .selectFrom('runs')
    .select(['id', 'fingerprint', 'source_kind', 'source_run_id', 'started_at', 'options'])
    .where('job_id', '=', jobId)
    .orderBy('attempt', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!run) return { jobId, runId: null, outcome: 'no_call', fingerprint: null, reason: 'the job has not run yet' };
  if (!run.fingerprint) {
    return { jobId, runId: run.id, outcome: 'no_call', fingerprint: null, reason: 'its latest attempt made no call (it failed before the request went out)' };
  }
  if (run.source_kind === 'cache_hit') {
    return { jobId, runId: run.id, outcome: 'hit', fingerprint: run.fingerprint, sourceRunId: run.source_run_id!, reason: `served from attempt ${run.source_run_id}, which has the same fingerprint` };
  }
  const fields = (await getFingerprintFields(db, [run.fingerprint])).get(run.fingerprint);
  const same = await db
    .selectFrom('cache_entries')
    .select(['run_id', 'created_at'])
    .where('fingerprint', '=', run.fingerprint)
    .where('run_id', '!=', run.id)
    .where('created_at', '<=', Number(run.started_at))
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  const options = run.options ? (JSON.parse(run.options) as Record<string, unknown>) : undefined;
  const samples = !isDeterministic(options);
  let reason: string;
  if (same) {
    reason =
      `attempt ${same.run_id} had the same fingerprint and was in the cache, but this call did not read it: ` +
      (samples ? 'it samples (temperature > 0 without a seed; --cache-nondeterministic serves such calls)' : `its cache mode did not read (job mode ${job.cache_mode ?? 'the worker’s'})`);
  } else {
    reason = 'no earlier successful call had the same fingerprint';
  }
  const nearest = fields ? await nearestEarlier(database, run.id, run.fingerprint, Number(run.started_at), fields) : undefined;
  return { jobId, runId: run.id, outcome: 'miss', fingerprint: run.fingerprint, reason, ...(nearest ? { nearest } : {}) };
}

async function nearestEarlier(
  database: HolocronDatabase,
  runId: string,
  fingerprint: string,
  startedAt: number,
  fields: FingerprintFields,
): Promise<CacheExplanation['nearest']> {
  const { db } = database;
  const earlier = await db
    .selectFrom('runs')
    .select(['id', 'job_id', 'fingerprint', 'started_at'])
    .where('fingerprint', 'is not', null)
    .where('id', '!=', runId)
    .where('started_at', '<=', startedAt)
    .where((eb) => eb.or([eb('source_kind', 'is', null), eb('source_kind', '!=', 'cache_hit')]))
    .orderBy('started_at', 'desc')
    .limit(candidateLimit)
    .execute();
  const byFingerprint = new Map<string, { id: string; job_id: number }>();
  for (const row of earlier) if (row.fingerprint !== fingerprint && !byFingerprint.has(row.fingerprint!)) byFingerprint.set(row.fingerprint!, row);
  if (byFingerprint.size === 0) return undefined;
  const known = await getFingerprintFields(db, [...byFingerprint.keys()]);
  let best: CacheExplanation['nearest'];
  for (const [candidate, row] of byFingerprint) {
    const other = known.get(candidate);
    if (!other) continue;
    const differences = diffFingerprintFields(other, fields);
    if (!best || differences.length < best.differences.length) {
      best = { runId: row.id, jobId: Number(row.job_id), fingerprint: candidate, cached: false, differences };
    }
  }
  if (best) {
    const entry = await db.selectFrom('cache_entries').select('id').where('run_id', '=', best.runId).executeTakeFirst();
    best.cached = entry !== undefined;
  }
  return best;
}
