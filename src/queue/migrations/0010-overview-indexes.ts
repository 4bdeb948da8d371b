/**
 * Indexes that let the overview (`jobs stats`, `GET /api/stats`) read only indexes at millions of rows:
 * - the claim index also carries `available_at` and `created_at`, so what is ready, waiting and the
 *   oldest ready job come from an index-only walk of the claimable jobs (no table read per pending job),
 *   and the claim checks `available_at` without reading the row. `status` is there too: SQLite counts
 *   an index as covering only when it holds every column the query names, the partial index's own
 *   condition included. The same one index as before, with two
 *   more columns: no extra index write per status change.
 * - each endpoint's latest answered calls (`endpoint_id, completed_at`) with their latency and in-flight
 *   level, partial on answered calls (`call_ms is not null`: attempts that made no call cost it nothing),
 *   so the per-endpoint latencies read 10,000 index entries per endpoint instead of walking every
 *   endpoint's attempts by time and reading each row.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function overviewIndexesMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`drop index jobs_claim_index`.execute(db);
      await sql`create index jobs_claim_index on jobs (priority desc, id, available_at, created_at, status) where status in ('NEW', 'RETRY')`.execute(db);
      await sql`create index runs_endpoint_calls_index on runs (endpoint_id, completed_at, call_ms, in_flight_limit) where call_ms is not null`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop index runs_endpoint_calls_index`.execute(db);
      await sql`drop index jobs_claim_index`.execute(db);
      await sql`create index jobs_claim_index on jobs (priority desc, id) where status in ('NEW', 'RETRY')`.execute(db);
    },
  };
}
