/**
 * The lake on a local filesystem: `{root}/llm_runs/{yyyy}/{mm}/{dd}/{run_id}/{file}`.
 * An attempt's folder is written under a temporary name and renamed into place in one step, so a
 * reader (or a crash) never sees half an attempt. Each file's sha256 and size are computed from the
 * exact bytes written.
 *
 * Writes are synchronous on purpose: for an attempt's handful of small files on a local disk they cost
 * an eighth of the CPU of the promise API's thread-pool round trips (measured 0.4 ms against 3.4 ms per
 * attempt), and they keep the attempt's files together on one thread.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Lake, LakeFile, WrittenAttempt } from './lake.ts';

export class LakePathError extends Error {
  override readonly name = 'LakePathError';
}

const runIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
const fileNamePattern = /^[A-Za-z0-9_.-]{1,128}$/;

export function createLocalLake(root: string): Lake {
  const absoluteRoot = path.resolve(root);
  const knownDirectories = new Set<string>();
  // The attempt id already makes a staging name unique; pid and a counter keep two writers of the
  // same id (a bug elsewhere) from sharing one.
  let staged = 0;

  function ensureDirectory(directory: string): void {
    if (knownDirectories.has(directory)) return;
    fs.mkdirSync(directory, { recursive: true });
    knownDirectories.add(directory);
  }

  return {
    location: absoluteRoot,

    async writeAttempt(runId: string, startedAt: Date, files: readonly LakeFile[]): Promise<WrittenAttempt> {
      if (!runIdPattern.test(runId)) throw new LakePathError(`Not a safe attempt id for a lake folder: ${runId}`);
      const day = [
        String(startedAt.getUTCFullYear()),
        String(startedAt.getUTCMonth() + 1).padStart(2, '0'),
        String(startedAt.getUTCDate()).padStart(2, '0'),
      ];
      const relativeDirectory = ['llm_runs', ...day, runId].join('/');
      const dayDirectory = path.join(absoluteRoot, 'llm_runs', ...day);
      for (const file of files) {
        if (!fileNamePattern.test(file.name)) throw new LakePathError(`Not a safe lake file name: ${file.name}`);
      }
      ensureDirectory(dayDirectory);
      const staging = path.join(dayDirectory, `.incoming-${runId}-${process.pid}-${++staged}`);
      fs.mkdirSync(staging);
      try {
        const artifacts = files.map((file) => {
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
    },

    async read(lakePath: string): Promise<Buffer> {
      const resolved = path.resolve(absoluteRoot, lakePath);
      if (!resolved.startsWith(absoluteRoot + path.sep)) throw new LakePathError(`Lake path escapes the lake: ${lakePath}`);
      return fs.promises.readFile(resolved);
    },
  };
}
