/**
 * Attempt counts by duration class too (src/queue/status-counts.ts `durationBucketsSeconds`), so the
 * Prometheus histogram of attempt durations is exact and survives restarts. The counts are rebuilt
 * from `runs` with the new key (one pass at migration time).
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import { attemptCountsSpec, attemptCountsSpecV1 } from '../status-counts.ts';

export function attemptDurationClassesMigration(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await adapter.maintainedCounts.drop(db, attemptCountsSpecV1);
      await adapter.maintainedCounts.create(db, attemptCountsSpec);
    },
    async down(db: Kysely<any>) {
      await adapter.maintainedCounts.drop(db, attemptCountsSpec);
      await adapter.maintainedCounts.create(db, attemptCountsSpecV1);
    },
  };
}
