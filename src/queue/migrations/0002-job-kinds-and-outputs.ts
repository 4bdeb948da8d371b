/**
 * Job kinds and outputs in SQL: `jobs.kind` (what runs the job, default 'interrogation'),
 * `jobs.parent_job_id` (the job that made this one, indexed to find a job's children), `runs.output`
 * (a successful attempt's validated output as JSON; jsonb on PostgreSQL) and `runs.outcome` (what
 * recording the attempt's outcome did, so that recording it again is a no-op).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';

export function jobKindsAndOutputsMigration(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('jobs').addColumn('kind', 'text', (column) => column.notNull().defaultTo('interrogation')).execute();
      await db.schema.alterTable('jobs').addColumn('parent_job_id', adapter.bigIntegerType).execute();
      // Partial like the other secondary indexes: most jobs have no parent and cost it nothing.
      await sql`create index jobs_parent_index on jobs (parent_job_id, id) where parent_job_id is not null`.execute(db);
      await db.schema.alterTable('runs').addColumn('output', sql.raw(adapter.jsonColumnType)).execute();
      await db.schema
        .alterTable('runs')
        .addColumn('outcome', 'text', (column) => column.check(sql`outcome in ('applied', 'dead_lettered', 'refused')`))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('runs').dropColumn('outcome').execute();
      await db.schema.alterTable('runs').dropColumn('output').execute();
      await sql`drop index jobs_parent_index`.execute(db);
      await db.schema.alterTable('jobs').dropColumn('parent_job_id').execute();
      await db.schema.alterTable('jobs').dropColumn('kind').execute();
    },
  };
}
