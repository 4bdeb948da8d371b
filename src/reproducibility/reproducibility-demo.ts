/**
 * The demo's reproducibility step (a second or so): one attempt's request rebuilt byte for byte, the
 * same call served from the cache with no request to the model, and the whole lake checked by fsck.
 */
import type { Holocron } from '../holocron.ts';
import { lakeFsck } from './lake-fsck.ts';
import { rebuildRequest } from './rebuild-request.ts';

export async function runReproducibilityDemo(holocron: Holocron, write: (text: string) => void, drain: () => Promise<void>): Promise<void> {
  const { db } = holocron.database;
  const source = await db
    .selectFrom('runs')
    .innerJoin('jobs', 'jobs.id', 'runs.job_id')
    .select(['runs.id', 'jobs.id as job_id', 'jobs.interrogation_key', 'jobs.input', 'jobs.model_hint'])
    .where('runs.status', '=', 'SUCCEEDED')
    .where('runs.source_kind', 'is', null)
    .where('runs.attempt', '=', 1)
    .where('jobs.kind', '=', 'interrogation')
    .where('jobs.evidence_refs', 'is', null)
    .where('jobs.parent_job_id', 'is', null)
    .orderBy('jobs.id')
    .limit(1)
    .executeTakeFirst();
  if (!source) return;
  write('\nReproducibility:\n');
  const rebuilt = await rebuildRequest(holocron, source.id);
  write(
    `  attempt ${source.id.slice(0, 8)}: its request rebuilt from the job's input, the stored evidence and the stored interrogation is ` +
      `${rebuilt.identical ? `byte for byte the lake's (${rebuilt.bytes.lake} bytes)` : `NOT the lake's (first difference at byte ${rebuilt.firstDifference?.offset})`}\n`,
  );
  const [again] = await holocron.enqueue([
    { interrogation: source.interrogation_key, input: JSON.parse(source.input), ...(source.model_hint ? { model: source.model_hint } : {}), cache: 'read' },
  ]);
  await drain();
  const served = await db.selectFrom('runs').select(['id', 'source_kind', 'source_run_id']).where('job_id', '=', again!.id).executeTakeFirst();
  write(
    served?.source_kind === 'cache_hit'
      ? `  the same call again (job ${again!.id}, --cache read): served from the cache, from attempt ${served.source_run_id!.slice(0, 8)} — no request to the model, no second copy in the lake\n`
      : `  the same call again (job ${again!.id}): not served from the cache (see holocron cache explain ${again!.id})\n`,
  );
  const fsck = await lakeFsck(holocron.database, holocron.lake.location);
  write(`  lake fsck: ${fsck.checked.artifacts} files checked against their recorded sizes and sha256 in ${fsck.seconds.toFixed(1)} s — ${fsck.ok ? 'no problems' : 'PROBLEMS (holocron lake fsck)'}\n`);
  write(`  holocron replay --rebuild ${source.id.slice(0, 8)} · holocron cache explain ${again!.id} · holocron diff <attempt> <attempt> · holocron lake fsck\n`);
}
