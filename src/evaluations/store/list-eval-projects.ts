/** Projects (every project a run names, and ones created on their own) with their run counts. */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../../database/open-database.ts';

export interface EvalProjectSummary {
  name: string;
  description: string | null;
  runs: number;
  lastRunAt: number | null;
}

export async function listEvalProjects(database: HolocronDatabase): Promise<EvalProjectSummary[]> {
  const rows = await database.db
    .selectFrom('eval_projects as p')
    .leftJoin('eval_runs as r', 'r.project', 'p.name')
    .select(['p.name', 'p.description', sql<number>`count(r.id)`.as('runs'), sql<number | null>`max(r.created_at)`.as('last_run_at')])
    .groupBy(['p.name', 'p.description'])
    .orderBy('p.name')
    .execute();
  return rows.map((row) => ({ name: row.name, description: row.description, runs: Number(row.runs), lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at) }));
}
