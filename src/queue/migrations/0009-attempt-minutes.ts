/**
 * Attempts counted by the minute they completed (src/queue/status-counts.ts `attemptMinuteCountsSpec`),
 * so throughput and latency over a day read ~1,440 minutes of counts instead of every attempt.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import { attemptMinuteCountsSpec } from '../status-counts.ts';

export function attemptMinutesMigration(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await adapter.maintainedCounts.create(db, attemptMinuteCountsSpec);
    },
    async down(db: Kysely<any>) {
      await adapter.maintainedCounts.drop(db, attemptMinuteCountsSpec);
    },
  };
}
