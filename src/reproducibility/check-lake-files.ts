/**
 * The per-file half of `lake fsck`: a batch of artifact files checked against what SQL recorded of them,
 * the same code on the event loop and on fsck's threads (lake-fsck-thread.ts), so both are as strict.
 *
 * Full: every file read (open, read one byte past the recorded size, close: no stat, into one reused
 * buffer) and hashed — `missing_file`, `size_mismatch`, `hash_mismatch`. Quick: only that every file is
 * there, from one directory listing per folder (batches come folder by folder): `missing_file`.
 * Only problems are answered, by their index in the batch.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LakeFileBatch {
  quick: boolean;
  /** Relative to the lake root. */
  paths: string[];
  bytes: number[];
  /** Empty for --quick. */
  sha256: string[];
}

export interface LakeFileFinding {
  index: number;
  kind: 'missing_file' | 'size_mismatch' | 'hash_mismatch';
  actual?: { bytes: number; sha256?: string };
}

export type LakeFileChecker = (batch: LakeFileBatch) => LakeFileFinding[];

export function createLakeFileChecker(root: string): LakeFileChecker {
  let buffer: Buffer = Buffer.allocUnsafe(1 << 16);
  const listings = new Map<string, Set<string>>();
  return (batch) => {
    const findings: LakeFileFinding[] = [];
    for (let index = 0; index < batch.paths.length; index++) {
      const lakePath = batch.paths[index]!;
      if (batch.quick) {
        const slash = lakePath.lastIndexOf('/');
        const folder = lakePath.slice(0, slash);
        let names = listings.get(folder);
        if (names === undefined) {
          names = listNames(path.join(root, folder));
          listings.set(folder, names);
          if (listings.size > 256) listings.delete(listings.keys().next().value!);
        }
        if (!names.has(lakePath.slice(slash + 1))) findings.push({ index, kind: 'missing_file' });
        continue;
      }
      const expected = batch.bytes[index]!;
      const file = path.join(root, lakePath);
      const length = readUpTo(file, expected + 1);
      if (length === null) {
        findings.push({ index, kind: 'missing_file' });
        continue;
      }
      if (length !== expected) {
        findings.push({ index, kind: 'size_mismatch', actual: { bytes: length > expected ? fs.statSync(file).size : length } });
        continue;
      }
      const sha256 = createHash('sha256').update(buffer.subarray(0, length)).digest('hex');
      if (sha256 !== batch.sha256[index]) findings.push({ index, kind: 'hash_mismatch', actual: { bytes: length, sha256 } });
    }
    return findings;
  };

  /** Reads at most `limit` bytes of a file into the buffer (grown when too small); null when it is not there. */
  function readUpTo(file: string, limit: number): number | null {
    let descriptor: number;
    try {
      descriptor = fs.openSync(file, 'r');
    } catch {
      return null;
    }
    try {
      if (buffer.length < limit) buffer = Buffer.allocUnsafe(Math.max(limit, buffer.length * 2));
      let length = 0;
      while (length < limit) {
        const count = fs.readSync(descriptor, buffer, length, limit - length, length);
        if (count === 0) break;
        length += count;
      }
      return length;
    } finally {
      fs.closeSync(descriptor);
    }
  }
}

/** The names in a folder (empty when it cannot be listed). */
function listNames(directory: string): Set<string> {
  try {
    return new Set(fs.readdirSync(directory));
  } catch {
    return new Set();
  }
}
