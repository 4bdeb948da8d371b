/**
 * Backpressure: a call a busy server refused is recorded as an attempt of status DEFERRED (its job
 * went back to the queue without spending an attempt), and `jobs.busy_since` says since when a job's
 * calls have found its server busy without a break, so that a busy budget can end the wait.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';

export function deferredCallsMigration(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('jobs').addColumn('busy_since', adapter.bigIntegerType).execute();
      await adapter.replaceCheckConstraint(db, 'runs', 'runs_status_check', `status in ('SUCCEEDED', 'FAILED', 'ABANDONED', 'DEFERRED')`);
      await db.schema.alterTable('runs').addColumn('call_ms', 'integer').execute();
      await db.schema.alterTable('runs').addColumn('in_flight_limit', 'integer').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('runs').dropColumn('in_flight_limit').execute();
      await db.schema.alterTable('runs').dropColumn('call_ms').execute();
      await sql`delete from runs where status = 'DEFERRED'`.execute(db);
      await adapter.replaceCheckConstraint(db, 'runs', 'runs_status_check', `status in ('SUCCEEDED', 'FAILED', 'ABANDONED')`);
      await db.schema.alterTable('jobs').dropColumn('busy_since').execute();
    },
  };
}
