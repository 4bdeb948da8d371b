/** Progress of pipeline runs per stage: tasks, and their jobs by state, with documents made. */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';

export interface StageProgress {
  stage: string;
  tasks: number;
  /** Tasks whose job could not be made (their error is kept on the task). */
  refused: number;
  jobs: Record<'NEW' | 'RUNNING' | 'RETRY' | 'SUCCEEDED' | 'DEADLETTER', number>;
  documents: number;
}

export interface PipelineRunProgress {
  pipelineRunId: number;
  name: string;
  runLabel: string;
  createdAt: number;
  /** In the definition's order. */
  stages: StageProgress[];
  /** Every task's job has finished (succeeded or dead-lettered), and nothing is left to hand off. */
  finished: boolean;
}

export async function pipelineStatus(database: HolocronDatabase, filter: { runLabel?: string } = {}): Promise<PipelineRunProgress[]> {
  const { db } = database;
  const runs = await db
    .selectFrom('pipeline_runs')
    .selectAll()
    .$if(filter.runLabel !== undefined, (query) => query.where('run_label', '=', filter.runLabel!))
    .orderBy('id')
    .execute();
  const result: PipelineRunProgress[] = [];
  for (const run of runs) {
    const rows = await sql<{ stage: string; status: string | null; tasks: number; refused: number }>`
      select t.stage, j.status, count(*) as tasks, sum(case when t.error is not null then 1 else 0 end) as refused
      from pipeline_tasks t left join jobs j on j.id = t.job_id
      where t.pipeline_run_id = ${run.id}
      group by t.stage, j.status`.execute(db);
    const documents = await sql<{ stage: string; documents: number }>`
      select t.stage, count(d.id) as documents
      from pipeline_tasks t join documents d on d.job_id = t.job_id
      where t.pipeline_run_id = ${run.id}
      group by t.stage`.execute(db);
    const definition = JSON.parse(run.definition) as { stages: { name: string }[] };
    const stages: StageProgress[] = definition.stages.map((stage) => ({
      stage: stage.name,
      tasks: 0,
      refused: 0,
      jobs: { NEW: 0, RUNNING: 0, RETRY: 0, SUCCEEDED: 0, DEADLETTER: 0 },
      documents: Number(documents.rows.find((row) => row.stage === stage.name)?.documents ?? 0),
    }));
    for (const row of rows.rows) {
      const stage = stages.find((candidate) => candidate.stage === row.stage);
      if (!stage) continue;
      stage.tasks += Number(row.tasks);
      stage.refused += Number(row.refused);
      if (row.status) stage.jobs[row.status as keyof StageProgress['jobs']] += Number(row.tasks);
    }
    const finished = stages.every((stage) => stage.jobs.NEW + stage.jobs.RUNNING + stage.jobs.RETRY === 0);
    result.push({ pipelineRunId: Number(run.id), name: run.name, runLabel: run.run_label, createdAt: Number(run.created_at), stages, finished });
  }
  return result;
}
