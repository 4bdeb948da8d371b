/**
 * Maintained counts of jobs and attempts (src/queue/status-counts.ts), so that statistics never scan
 * the tables at millions of rows; and an index on when attempts completed, for throughput and latency
 * over time (the dashboard's charts), read by time range.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import { attemptCountsSpecV1, jobCountsSpec } from '../status-counts.ts';

export function statusCountsMigration(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await adapter.maintainedCounts.create(db, jobCountsSpec);
      await adapter.maintainedCounts.create(db, attemptCountsSpecV1);
      await sql`create index runs_completed_index on runs (completed_at)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop index runs_completed_index`.execute(db);
      await adapter.maintainedCounts.drop(db, attemptCountsSpecV1);
      await adapter.maintainedCounts.drop(db, jobCountsSpec);
    },
  };
}
