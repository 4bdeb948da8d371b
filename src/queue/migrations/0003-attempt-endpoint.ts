/**
 * The endpoint that served an attempt: `runs.endpoint_id`, the configured endpoint's id as the call's
 * result or error reported it (beside `provider` and `base_url`, which are likewise as served). With a
 * pool of endpoints, this is what keeps the audit from blurring which server answered.
 */
import type { Kysely, Migration } from 'kysely';

export function attemptEndpointMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('runs').addColumn('endpoint_id', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('runs').dropColumn('endpoint_id').execute();
    },
  };
}
