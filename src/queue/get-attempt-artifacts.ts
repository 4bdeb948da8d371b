/** The artifacts of one attempt of one job (through `artifacts_job_index`: job first, then attempt). */
import type { ArtifactRow } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';

export async function getAttemptArtifacts(database: HolocronDatabase, jobId: number, runId: string): Promise<ArtifactRow[]> {
  return database.db.selectFrom('artifacts').selectAll().where('job_id', '=', jobId).where('run_id', '=', runId).orderBy('id').execute();
}
