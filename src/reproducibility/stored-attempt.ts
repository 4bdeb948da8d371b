/**
 * One recorded attempt as the reproducibility commands read it: its `runs` row, its job, its artifacts,
 * and their bytes from the lake — each file checked against the sha256 and size SQL recorded before
 * anything is done with it.
 */
import { createHash } from 'node:crypto';
import type { ArtifactRow, ArtifactType, JobRow, RunRow } from '../database/database.ts';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { Lake } from '../lake/lake.ts';
import { ReproducibilityError } from './reproducibility-error.ts';

export interface StoredAttempt {
  run: RunRow;
  job: JobRow;
  artifacts: ArtifactRow[];
}

/** An attempt by its id or a unique prefix of it (at least 4 characters). */
export async function loadAttempt(database: HolocronDatabase, idOrPrefix: string): Promise<StoredAttempt> {
  const { db } = database;
  if (!/^[0-9a-fA-F-]{4,36}$/.test(idOrPrefix)) throw new ReproducibilityError(`"${idOrPrefix}" is not an attempt id (a UUID, or at least its first 4 characters)`);
  const runs = await db.selectFrom('runs').selectAll().where('id', 'like', `${idOrPrefix.toLowerCase()}%`).limit(2).execute();
  if (runs.length === 0) throw new ReproducibilityError(`no attempt has the id ${idOrPrefix}`);
  if (runs.length > 1) throw new ReproducibilityError(`more than one attempt starts with ${idOrPrefix}; give more of the id`);
  const run = runs[0]!;
  const job = await db.selectFrom('jobs').selectAll().where('id', '=', run.job_id).executeTakeFirst();
  if (!job) throw new ReproducibilityError(`attempt ${run.id} belongs to job ${run.job_id}, which is gone`);
  const artifacts = await db.selectFrom('artifacts').selectAll().where('job_id', '=', run.job_id).where('run_id', '=', run.id).orderBy('id').execute();
  return { run, job, artifacts };
}

export function artifactOf(attempt: StoredAttempt, type: ArtifactType): ArtifactRow | undefined {
  return attempt.artifacts.find((artifact) => artifact.artifact_type === type);
}

/** The artifact's bytes, refused unless they have the recorded size and sha256. */
export async function readVerified(lake: Lake, artifact: ArtifactRow): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await lake.read(artifact.lake_path);
  } catch (error) {
    throw new ReproducibilityError(`cannot read ${artifact.lake_path} from the lake: ${(error as Error).message}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.byteLength !== Number(artifact.bytes) || sha256 !== artifact.sha256) {
    throw new ReproducibilityError(
      `${artifact.lake_path} is not the file that was recorded (recorded ${artifact.bytes} bytes, sha256 ${artifact.sha256.slice(0, 16)}…; ` +
        `the lake has ${bytes.byteLength} bytes, sha256 ${sha256.slice(0, 16)}…): the lake was changed — see holocron lake fsck`,
    );
  }
  return bytes;
}
