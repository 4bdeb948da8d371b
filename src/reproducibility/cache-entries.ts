/** The cache's SQL: entries written with their attempts, looked up by fingerprint. */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import type { ArtifactRecord } from '../queue/record-outcomes.ts';
import { chunk, rowsPerStatement } from '../queue/chunk.ts';

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
  for (const part of chunk(entries, rowsPerStatement(adapter.maxParameters, 6, 500))) {
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

/** The oldest entry for a fingerprint whose attempt is still there and succeeded; undefined: a miss. */
export async function findCacheEntry(db: Kysely<Database>, fingerprint: string): Promise<CacheEntry | undefined> {
  const row = await db
    .selectFrom('cache_entries as entry')
    .innerJoin('runs', (join) => join.onRef('runs.job_id', '=', 'entry.job_id').onRef('runs.id', '=', 'entry.run_id'))
    .select(['entry.fingerprint', 'entry.run_id', 'entry.job_id', 'entry.lake_dir', 'entry.artifacts', 'runs.output'])
    .where('entry.fingerprint', '=', fingerprint)
    .where('runs.status', '=', 'SUCCEEDED')
    .orderBy('entry.id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    fingerprint: row.fingerprint,
    runId: row.run_id,
    jobId: Number(row.job_id),
    lakeDir: row.lake_dir,
    artifacts: JSON.parse(row.artifacts) as ArtifactRecord[],
    output: row.output === null ? null : typeof row.output === 'string' ? row.output : JSON.stringify(row.output),
  };
}
