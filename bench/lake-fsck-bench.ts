/**
 * `lake fsck` over a big lake: N attempts of 7 files each (request, response, stream, evidence, prompt,
 * raw, output — sizes like real ones), written with the lake's own writer (staged and renamed into
 * place, hashed) and recorded as rows directly through the library, not through the simulator (that
 * would take an hour at 100,000). Then `--quick` (one listing per folder) and the full check (read and
 * sha256 every file), each with fsck's default threads, timed; both must find nothing wrong, and then the full check must find one flipped byte.
 * The page cache is warm from the writing (it cannot be dropped without root): a cold disk reads slower.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Insertable } from 'kysely';
import type { ArtifactTable, JobTable, RunTable } from '../src/database/database.ts';
import { openDatabase } from '../src/database/open-database.ts';
import type { LakeFile } from '../src/lake/lake.ts';
import { writeAttemptFolder, type AttemptWriterState } from '../src/lake/write-attempt-folder.ts';
import { lakeFsck } from '../src/reproducibility/lake-fsck.ts';

export interface FsckBenchResult {
  attempts: number;
  files: number;
  bytes: number;
  generateSeconds: number;
  quickSeconds: number;
  fullSeconds: number;
  fileSystem: string;
}

function filesOf(index: number): LakeFile[] {
  const pad = (length: number, seed: string) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length);
  const evidence = `Bench entity ${index} was a human pilot from Corellia who flew with the Rebel Alliance in 0 ABY.`;
  return [
    { name: 'evidence.json', type: 'evidence', content: `${JSON.stringify({ items: [{ evidence_id: 'e1', text: evidence }], dropped: [] }, null, 2)}\n` },
    { name: 'prompt.txt', type: 'prompt', content: `### system\n${pad(600, 'You extract facts. ')}\n\n### user\n${pad(1800, `${evidence} `)}\n` },
    { name: 'request.json', type: 'request', content: `${JSON.stringify({ version: 1, request: { model: 'llama3.2', messages: [pad(2400, 'm')] } }, null, 2)}\n` },
    { name: 'response.json', type: 'response', content: `${JSON.stringify({ status: 200, streamed: true, body: { model: 'llama3.2', message: { content: pad(900, 'a') } } }, null, 2)}\n` },
    { name: 'response.ndjson', type: 'response_stream', content: `${pad(3000, `{"message":{"content":"x${index}"}}\n`)}` },
    { name: 'raw.txt', type: 'raw', content: `{"entity_id":"bench_${index}","facts":[${pad(800, '"f",')}"f"]}` },
    { name: 'output.json', type: 'output', content: `${JSON.stringify({ entity_id: `bench_${index}`, facts: [pad(700, 'f')] }, null, 2)}\n` },
  ];
}

export async function benchLakeFsck(options: { attempts: number; parent?: string; write?: (text: string) => void }): Promise<FsckBenchResult> {
  const directory = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), 'holocron-bench-fsck-'));
  const root = path.join(directory, 'lake');
  const database = await openDatabase(path.join(directory, 'fsck.sqlite'));
  try {
    const started = performance.now();
    const state: AttemptWriterState = { knownDirectories: new Set(), staged: 0 };
    const startedAt = Date.now();
    let files = 0;
    let bytes = 0;
    const batch = 2_000;
    for (let first = 0; first < options.attempts; first += batch) {
      const jobs: Insertable<JobTable>[] = [];
      const runs: Insertable<RunTable>[] = [];
      const artifacts: Insertable<ArtifactTable>[] = [];
      for (let index = first; index < Math.min(options.attempts, first + batch); index++) {
        const runId = randomUUID();
        const written = writeAttemptFolder(root, runId, startedAt, filesOf(index), state);
        jobs.push({ id: index + 1, interrogation_key: 'sw_entity_facts_v1', status: 'SUCCEEDED' as const, priority: 100, input: '{}', attempt_count: 1, max_attempts: 3, available_at: startedAt, created_at: startedAt, updated_at: startedAt, result_run_id: runId, completed_at: startedAt });
        runs.push({ id: runId, job_id: index + 1, attempt: 1, status: 'SUCCEEDED' as const, lake_dir: written.directory, started_at: startedAt, completed_at: startedAt, duration_ms: 0, outcome: 'applied' as const });
        for (const artifact of written.artifacts) {
          artifacts.push({ run_id: runId, job_id: index + 1, artifact_type: artifact.type, lake_path: artifact.lakePath, sha256: artifact.sha256, bytes: artifact.bytes, created_at: startedAt });
          files++;
          bytes += artifact.bytes;
        }
      }
      await database.adapter.writeTransaction(database.db, async (transaction) => {
        for (let start = 0; start < jobs.length; start += 200) await transaction.insertInto('jobs').values(jobs.slice(start, start + 200)).execute();
        for (let start = 0; start < runs.length; start += 200) await transaction.insertInto('runs').values(runs.slice(start, start + 200)).execute();
        for (let start = 0; start < artifacts.length; start += 500) await transaction.insertInto('artifacts').values(artifacts.slice(start, start + 500)).execute();
      });
    }
    const generateSeconds = (performance.now() - started) / 1000;
    options.write?.(`  generated ${options.attempts.toLocaleString('en-US')} attempts, ${files.toLocaleString('en-US')} files (${(bytes / 1e6).toFixed(0)} MB) in ${generateSeconds.toFixed(1)} s\n`);

    const quick = await lakeFsck(database, root, { quick: true });
    if (!quick.ok || quick.checked.artifacts !== files) throw new Error(`fsck --quick: ${JSON.stringify(quick.counts)} over ${quick.checked.artifacts} files`);
    const full = await lakeFsck(database, root);
    if (!full.ok || full.checked.artifacts !== files) throw new Error(`fsck: ${JSON.stringify(full.counts)} over ${full.checked.artifacts} files`);
    // And it sees a flipped byte.
    const victim = (await database.db.selectFrom('artifacts').select('lake_path').where('artifact_type', '=', 'output').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).lake_path;
    const content = fs.readFileSync(path.join(root, victim));
    content[3] = content[3]! ^ 1;
    fs.writeFileSync(path.join(root, victim), content);
    const flipped = await lakeFsck(database, root);
    if (flipped.counts.hash_mismatch !== 1) throw new Error(`fsck missed a flipped byte: ${JSON.stringify(flipped.counts)}`);
    return { attempts: options.attempts, files, bytes, generateSeconds, quickSeconds: quick.seconds, fullSeconds: full.seconds, fileSystem: fileSystemOf(directory) };
  } finally {
    await database.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function fileSystemOf(directory: string): string {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' '));
    const match = mounts.filter((fields) => fields[1] && directory.startsWith(fields[1])).sort((a, b) => b[1]!.length - a[1]!.length)[0];
    return match ? match[2]! : 'unknown';
  } catch {
    return 'unknown';
  }
}
