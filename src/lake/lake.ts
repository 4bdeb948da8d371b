/**
 * The lake holds the bytes of every attempt; SQL holds pointers to them (path, sha256, size).
 * This interface is what the worker needs; the local filesystem is one implementation, an object
 * store can be another.
 */
import type { ArtifactType } from '../database/database.ts';
import type { ArtifactRecord } from '../queue/record-outcomes.ts';

export interface LakeFile {
  /** File name inside the attempt's folder, e.g. `request.json`. */
  name: string;
  type: ArtifactType;
  content: string | Uint8Array;
}

export interface WrittenAttempt {
  /** The attempt's folder, relative to the lake root, `/`-separated. */
  directory: string;
  artifacts: ArtifactRecord[];
}

export interface Lake {
  /** Where the lake is, for people (a folder, a bucket URL). */
  readonly location: string;
  /** Writes all files of one attempt so they appear together or not at all. */
  writeAttempt(runId: string, startedAt: Date, files: readonly LakeFile[]): Promise<WrittenAttempt>;
  /** The bytes of one artifact, by its lake path. */
  read(lakePath: string): Promise<Buffer>;
}
