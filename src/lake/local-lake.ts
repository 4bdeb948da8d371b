/**
 * The lake on a local filesystem: `{root}/llm_runs/{yyyy}/{mm}/{dd}/{run_id}/{file}`.
 * An attempt's folder is written under a temporary name and renamed into place in one step, so a
 * reader (or a crash) never sees half an attempt. Each file's sha256 and size are computed from the
 * exact bytes written.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
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

  async function ensureDirectory(directory: string): Promise<void> {
    if (knownDirectories.has(directory)) return;
    await fs.mkdir(directory, { recursive: true });
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
      await ensureDirectory(dayDirectory);
      const staging = path.join(dayDirectory, `.incoming-${runId}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(staging);
      try {
        const artifacts = await Promise.all(
          files.map(async (file) => {
            if (!fileNamePattern.test(file.name)) throw new LakePathError(`Not a safe lake file name: ${file.name}`);
            const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
            await fs.writeFile(path.join(staging, file.name), bytes);
            return {
              type: file.type,
              lakePath: `${relativeDirectory}/${file.name}`,
              sha256: createHash('sha256').update(bytes).digest('hex'),
              bytes: bytes.byteLength,
            };
          }),
        );
        await fs.rename(staging, path.join(dayDirectory, runId));
        return { directory: relativeDirectory, artifacts };
      } catch (error) {
        await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
    },

    async read(lakePath: string): Promise<Buffer> {
      const resolved = path.resolve(absoluteRoot, lakePath);
      if (!resolved.startsWith(absoluteRoot + path.sep)) throw new LakePathError(`Lake path escapes the lake: ${lakePath}`);
      return fs.readFile(resolved);
    },
  };
}
