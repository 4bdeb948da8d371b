/** The cache's SQL: entries written with their attempts, looked up by fingerprint. */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import type { ArtifactRecord } from '../queue/record-outcomes.ts';
import { bulkChunks, rowsPerStatement } from '../queue/chunk.ts';

export interface NewCacheEntry {
  fingerprint: string;
  runId: string;
  jobId: number;
  lakeDir: string;
  artifacts: readonly ArtifactRecord[];
}

export interface CacheEntry {
  fingerprint: string;
  runId: string;
  jobId: number;
  lakeDir: string;
  artifacts: ArtifactRecord[];
  /** The source attempt's validated output, JSON text (null: none, e.g. free text without a parser). */
  output: string | null;
}

export async function insertCacheEntries(transaction: Kysely<Database>, adapter: DialectAdapter, entries: readonly NewCacheEntry[], now: number): Promise<void> {
  for (const part of bulkChunks(adapter, entries, rowsPerStatement(adapter.maxParameters, 6, 500))) {
    await transaction
      .insertInto('cache_entries')
      .values(
        part.map((entry) => ({
          fingerprint: entry.fingerprint,
          run_id: entry.runId,
          job_id: entry.jobId,
          lake_dir: entry.lakeDir,
          artifacts: JSON.stringify(entry.artifacts),
          created_at: now,
        })),
      )
      .execute();
  }
}

/**
 * The oldest entry of each fingerprint whose attempt is still there and succeeded, in one query: the
 * handlers a claimed batch starts look theirs up together (see `batchedCacheLookup`). A fingerprint
 * with no entry is absent from the map.
 */
export async function findCacheEntries(db: Kysely<Database>, adapter: DialectAdapter, fingerprints: readonly string[]): Promise<Map<string, CacheEntry>> {
  const found = new Map<string, CacheEntry>();
  if (fingerprints.length === 0) return found;
  const rows = await db
    .selectFrom('cache_entries as entry')
    .innerJoin('runs', (join) => join.onRef('runs.job_id', '=', 'entry.job_id').onRef('runs.id', '=', 'entry.run_id'))
    .select(['entry.fingerprint', 'entry.run_id', 'entry.job_id', 'entry.lake_dir', 'entry.artifacts', 'runs.output'])
    .where(adapter.inList('entry.fingerprint', [...new Set(fingerprints)], 'text'))
    .where('runs.status', '=', 'SUCCEEDED')
    .orderBy('entry.id')
    .execute();
  for (const row of rows) {
    if (found.has(row.fingerprint)) continue; // the oldest one stands
    found.set(row.fingerprint, {
      fingerprint: row.fingerprint,
      runId: row.run_id,
      jobId: Number(row.job_id),
      lakeDir: row.lake_dir,
      artifacts: JSON.parse(row.artifacts) as ArtifactRecord[],
      output: row.output === null ? null : typeof row.output === 'string' ? row.output : JSON.stringify(row.output),
    });
  }
  return found;
}

/**
 * Lookups made in the same turn of the event loop go out as one query: a worker starts a claimed batch's
 * handlers together, and each asks for its fingerprint within a few microtasks of the others.
 */
export function batchedCacheLookup(db: Kysely<Database>, adapter: DialectAdapter, maxBatch = 500): (fingerprint: string) => Promise<CacheEntry | undefined> {
  let waiting: { fingerprint: string; resolve: (entry: CacheEntry | undefined) => void; reject: (error: unknown) => void }[] = [];
  const run = async () => {
    const batch = waiting;
    waiting = [];
    for (let start = 0; start < batch.length; start += maxBatch) {
      const part = batch.slice(start, start + maxBatch);
      try {
        const found = await findCacheEntries(db, adapter, part.map((request) => request.fingerprint));
        for (const request of part) request.resolve(found.get(request.fingerprint));
      } catch (error) {
        for (const request of part) request.reject(error);
      }
    }
  };
  return (fingerprint) =>
    new Promise((resolve, reject) => {
      if (waiting.length === 0) setImmediate(() => void run());
      waiting.push({ fingerprint, resolve, reject });
    });
}
