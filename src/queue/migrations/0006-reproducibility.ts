/**
 * Reproducibility on the queue's rows (issue 10):
 * - `runs.fingerprint`: sha256 of the canonical call an attempt made (or was served), see
 *   src/reproducibility/call-fingerprint.ts; `runs.definition_hash`: the content-addressed interrogation
 *   definition it used (`interrogation_definitions`, reproducibility area).
 * - `runs.source_run_id` + `runs.source_kind`: an attempt made from another one — `cache_hit` (served
 *   from the cache: no call, its artifacts are the source's files) or `replay` (the source's stored
 *   request bytes sent again).
 * - `jobs.repeat_index`: which deliberate repeat of the same call a job is (evaluation `--repeats`),
 *   part of the fingerprint so repeats are never collapsed into one cached answer.
 * - `jobs.cache_mode`: the job's own cache mode (`off|read|write|readwrite`); null: the worker's.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function reproducibilityQueueMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('runs').addColumn('fingerprint', 'text').execute();
      await db.schema.alterTable('runs').addColumn('definition_hash', 'text').execute();
      await db.schema.alterTable('runs').addColumn('source_run_id', 'text').execute();
      await db.schema
        .alterTable('runs')
        .addColumn('source_kind', 'text', (column) => column.check(sql`source_kind in ('cache_hit', 'replay')`))
        .execute();
      // Partial: only attempts made from another one, to find what depends on an attempt (purge, gc).
      await sql`create index runs_source_index on runs (source_run_id) where source_run_id is not null`.execute(db);
      await db.schema.alterTable('jobs').addColumn('repeat_index', 'integer', (column) => column.notNull().defaultTo(0)).execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('cache_mode', 'text', (column) => column.check(sql`cache_mode in ('off', 'read', 'write', 'readwrite')`))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('jobs').dropColumn('cache_mode').execute();
      await db.schema.alterTable('jobs').dropColumn('repeat_index').execute();
      await sql`drop index runs_source_index`.execute(db);
      for (const column of ['source_kind', 'source_run_id', 'definition_hash', 'fingerprint']) {
        await db.schema.alterTable('runs').dropColumn(column).execute();
      }
    },
  };
}
