/**
 * Reads one artifact's bytes and checks them against the sha256 (and size) recorded with the attempt,
 * before anyone sees them: a file changed or damaged in the lake is reported, never served as if it
 * were the audit copy.
 */
import { createHash } from 'node:crypto';
import type { Lake } from './lake.ts';

export class LakeIntegrityError extends Error {
  override readonly name = 'LakeIntegrityError';
  constructor(
    readonly lakePath: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`The lake file ${lakePath} does not match its recorded sha256 (recorded ${expectedSha256}, found ${actualSha256}): it was changed or damaged after it was written.`);
  }
}

export async function readVerifiedArtifact(lake: Pick<Lake, 'read'>, artifact: { lakePath: string; sha256: string }): Promise<Buffer> {
  const bytes = await lake.read(artifact.lakePath);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== artifact.sha256) throw new LakeIntegrityError(artifact.lakePath, artifact.sha256, actual);
  return bytes;
}
