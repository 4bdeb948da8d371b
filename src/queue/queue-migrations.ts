/**
 * The queue's migrations, keyed `queue/NNNN-what`: numbered within the area only, so other areas'
 * migrations never collide with them (src/database/migrate.ts gathers every area's). Written once for
 * both dialects through the adapter. A migration, once landed, is never edited: add the next number.
 */
import type { Migration } from 'kysely';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { createQueueMigration } from './migrations/0001-create-queue.ts';
import { jobKindsAndOutputsMigration } from './migrations/0002-job-kinds-and-outputs.ts';
import { attemptEndpointMigration } from './migrations/0003-attempt-endpoint.ts';
import { statusCountsMigration } from './migrations/0007-status-counts.ts';
import { attemptDurationClassesMigration } from './migrations/0008-attempt-duration-classes.ts';
import { attemptMinutesMigration } from './migrations/0009-attempt-minutes.ts';
import { reproducibilityQueueMigration } from './migrations/0006-reproducibility.ts';
import { deferredCallsMigration } from './migrations/0004-deferred-calls.ts';
import { overviewIndexesMigration } from './migrations/0010-overview-indexes.ts';

export function queueMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return {
    'queue/0001-create-queue': createQueueMigration(adapter),
    'queue/0002-job-kinds-and-outputs': jobKindsAndOutputsMigration(adapter),
    'queue/0003-attempt-endpoint': attemptEndpointMigration(),
    'queue/0006-reproducibility': reproducibilityQueueMigration(),
    // 0004–0006 are reserved (backpressure, backends, reproducibility); areas' numbers may land out of order.
    'queue/0007-status-counts': statusCountsMigration(adapter),
    'queue/0008-attempt-duration-classes': attemptDurationClassesMigration(adapter),
    'queue/0009-attempt-minutes': attemptMinutesMigration(adapter),
    'queue/0004-deferred-calls': deferredCallsMigration(adapter),
    'queue/0010-overview-indexes': overviewIndexesMigration(),
  };
}
