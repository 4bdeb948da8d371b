/**
 * Writes one attempt's files to `{root}/llm_runs/{yyyy}/{mm}/{dd}/{run_id}/`, synchronously: assembled
 * in a staging folder and renamed into place in one step, so a reader (or a crash) never sees half an
 * attempt. Each file's sha256 and size are computed from the exact bytes written.
 * Runs on the lake's writer thread (or inline); see `local-lake.ts`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { ArtifactRecord } from '../queue/record-outcomes.ts';
import type { LakeFile, WrittenAttempt } from './lake.ts';

export class LakePathError extends Error {
  override readonly name = 'LakePathError';
}

const runIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
const fileNamePattern = /^[A-Za-z0-9_.-]{1,128}$/;

/** Refuses an attempt id or file name that could leave the attempt's folder. */
export function checkAttemptNames(runId: string, files: readonly Pick<LakeFile, 'name'>[]): void {
  if (!runIdPattern.test(runId)) throw new LakePathError(`Not a safe attempt id for a lake folder: ${runId}`);
  for (const file of files) {
    if (!fileNamePattern.test(file.name)) throw new LakePathError(`Not a safe lake file name: ${file.name}`);
  }
}

/** Folders known to exist, and a counter that keeps staging names unique per writer. */
export interface AttemptWriterState {
  knownDirectories: Set<string>;
  staged: number;
}

export function writeAttemptFolder(
  root: string,
  runId: string,
  startedAtMilliseconds: number,
  files: readonly LakeFile[],
  state: AttemptWriterState,
): WrittenAttempt {
  checkAttemptNames(runId, files);
  const startedAt = new Date(startedAtMilliseconds);
  const day = [
    String(startedAt.getUTCFullYear()),
    String(startedAt.getUTCMonth() + 1).padStart(2, '0'),
    String(startedAt.getUTCDate()).padStart(2, '0'),
  ];
  const relativeDirectory = ['llm_runs', ...day, runId].join('/');
  const dayDirectory = path.join(root, 'llm_runs', ...day);
  if (!state.knownDirectories.has(dayDirectory)) {
    fs.mkdirSync(dayDirectory, { recursive: true });
    state.knownDirectories.add(dayDirectory);
  }
  // The attempt id already makes the name unique; pid, thread and counter keep two writers of the same
  // id (a bug elsewhere) from sharing a staging folder.
  const staging = path.join(dayDirectory, `.incoming-${runId}-${process.pid}-${threadId}-${++state.staged}`);
  fs.mkdirSync(staging);
  try {
    // A document's folder has room for more artifacts (attachments, traces, a parser's intermediate
    // output): `extras/`, empty until something is put there.
    fs.mkdirSync(path.join(staging, 'extras'));
    const artifacts: ArtifactRecord[] = files.map((file) => {
      const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
      fs.writeFileSync(path.join(staging, file.name), bytes);
      return {
        type: file.type,
        lakePath: `${relativeDirectory}/${file.name}`,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.byteLength,
      };
    });
    fs.renameSync(staging, path.join(dayDirectory, runId));
    return { directory: relativeDirectory, artifacts };
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
