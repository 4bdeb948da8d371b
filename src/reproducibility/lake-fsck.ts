/**
 * `holocron lake fsck [--quick] [--repair]`: checks the lake against what SQL recorded of it.
 *
 * - every artifact row has its file with the recorded size and sha256 (every file read and hashed):
 *   `missing_file`, `size_mismatch`, `hash_mismatch`; `--quick` only checks that every file is there,
 *   from one directory listing per folder (no call per file): sizes and hashes need the full check;
 * - every recorded attempt folder (`runs.lake_dir`) exists: `missing_folder` (its files are not
 *   reported again one by one);
 * - every attempt folder in the lake (`llm_runs/yyyy/mm/dd/<id>`) has its row: `orphan_folder` (one
 *   younger than 10 minutes may be an attempt being recorded right now and is left alone); and
 *   staging folders a crashed writer left behind (`.incoming-…`, untouched for 10 minutes): `orphan_staging`.
 *
 * `--repair` moves orphans into `{lake}/quarantine/<time>/…` (same relative path) and never deletes
 * anything; missing or changed files cannot be repaired, only reported. Rows are read in keyset pages by
 * id, so memory stays flat at millions of artifacts; files are read synchronously in page order into one
 * reused buffer (open, read, close: no stat, no allocation per file).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HolocronDatabase } from '../database/open-database.ts';

export const fsckProblemKinds = ['missing_file', 'size_mismatch', 'hash_mismatch', 'missing_folder', 'orphan_folder', 'orphan_staging'] as const;
export type FsckProblemKind = (typeof fsckProblemKinds)[number];

export interface FsckProblem {
  kind: FsckProblemKind;
  /** Relative to the lake root. */
  path: string;
  runId?: string;
  expected?: { bytes?: number; sha256?: string };
  actual?: { bytes?: number; sha256?: string };
}

export interface FsckReport {
  lake: string;
  quick: boolean;
  checked: { artifacts: number; recordedFolders: number; lakeFolders: number };
  /** Problems by kind (all kinds listed, zero when none). */
  counts: Record<FsckProblemKind, number>;
  /** The problems themselves, at most `listLimit` per kind. */
  problems: FsckProblem[];
  /** With --repair: where each orphan went. */
  quarantined: { from: string; to: string }[];
  ok: boolean;
  seconds: number;
}

export interface FsckOptions {
  quick?: boolean;
  repair?: boolean;
  /** Called as artifacts are checked: (done, total). */
  onProgress?: (done: number, total: number) => void;
  listLimit?: number;
  pageSize?: number;
}

const attemptFolderPattern = /^llm_runs\/\d{4}\/\d{2}\/\d{2}\/[^/]+$/;

export async function lakeFsck(database: HolocronDatabase, lakeRoot: string, options: FsckOptions = {}): Promise<FsckReport> {
  const started = performance.now();
  const root = path.resolve(lakeRoot);
  const quick = options.quick ?? false;
  const listLimit = options.listLimit ?? 1000;
  const pageSize = options.pageSize ?? 20_000;
  const counts = Object.fromEntries(fsckProblemKinds.map((kind) => [kind, 0])) as Record<FsckProblemKind, number>;
  const problems: FsckProblem[] = [];
  const report = (problem: FsckProblem) => {
    counts[problem.kind]++;
    if (counts[problem.kind] <= listLimit) problems.push(problem);
  };
  const { db } = database;

  // The folders SQL knows, and the ones the lake has.
  const recorded = new Set<string>();
  const recordedRows = await db.selectFrom('runs').select(['lake_dir']).distinct().where('lake_dir', 'is not', null).execute();
  for (const row of recordedRows) recorded.add(row.lake_dir!);
  const { folders, staging } = walkAttemptFolders(root);

  const missingFolders = new Set<string>();
  for (const folder of recorded) {
    if (folders.has(folder)) continue;
    // A folder outside llm_runs (backfilled documents) is checked through its files only.
    if (!attemptFolderPattern.test(folder) && fs.existsSync(path.join(root, folder))) continue;
    missingFolders.add(folder);
    report({ kind: 'missing_folder', path: folder });
  }
  const orphans: string[] = [];
  for (const folder of folders) {
    if (recorded.has(folder)) continue;
    // Written but not recorded yet (a worker renames the folder into place, then records it): not an orphan yet.
    if (!isStale(path.join(root, folder))) continue;
    orphans.push(folder);
    report({ kind: 'orphan_folder', path: folder });
  }
  for (const folder of staging) report({ kind: 'orphan_staging', path: folder });

  // A cache hit's rows point at its source's files, which the source's own rows check: not twice.
  const hits = new Set((await db.selectFrom('runs').select('id').where('source_kind', '=', 'cache_hit').execute()).map((row) => row.id));

  // Every artifact row against its file, page by page.
  const total = Number((await db.selectFrom('artifacts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
  let done = 0;
  let after = 0;
  const listings = new Map<string, Set<string>>();
  let buffer: Buffer = Buffer.allocUnsafe(1 << 16);
  options.onProgress?.(0, total);
  for (;;) {
    const page = await db
      .selectFrom('artifacts')
      .select(['id', 'run_id', 'lake_path', 'sha256', 'bytes'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    if (page.length === 0) break;
    after = Number(page[page.length - 1]!.id);
    for (const artifact of page) {
      if (hits.has(artifact.run_id)) continue;
      const folder = artifact.lake_path.slice(0, artifact.lake_path.lastIndexOf('/'));
      if (missingFolders.has(folder)) continue;
      const expected = { bytes: Number(artifact.bytes), sha256: artifact.sha256 };
      const file = path.join(root, artifact.lake_path);
      if (quick) {
        // One directory listing per folder (rows come folder by folder): no per-file system call.
        let names = listings.get(folder);
        if (names === undefined) {
          names = listNames(path.join(root, folder));
          listings.set(folder, names);
          if (listings.size > 256) listings.delete(listings.keys().next().value!);
        }
        if (!names.has(artifact.lake_path.slice(folder.length + 1))) report({ kind: 'missing_file', path: artifact.lake_path, runId: artifact.run_id, expected });
        continue;
      }
      const read = readUpTo(file, expected.bytes + 1, buffer);
      if (read === null) {
        report({ kind: 'missing_file', path: artifact.lake_path, runId: artifact.run_id, expected });
        continue;
      }
      buffer = read.buffer;
      if (read.length !== expected.bytes) {
        const size = read.length > expected.bytes ? fs.statSync(file).size : read.length;
        report({ kind: 'size_mismatch', path: artifact.lake_path, runId: artifact.run_id, expected, actual: { bytes: size } });
        continue;
      }
      const sha256 = createHash('sha256').update(buffer.subarray(0, read.length)).digest('hex');
      if (sha256 !== expected.sha256) report({ kind: 'hash_mismatch', path: artifact.lake_path, runId: artifact.run_id, expected, actual: { bytes: read.length, sha256 } });
    }
    done += page.length;
    options.onProgress?.(done, total);
  }

  const quarantined: FsckReport['quarantined'] = [];
  if (options.repair) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const folder of [...orphans, ...staging]) {
      const to = path.posix.join('quarantine', stamp, folder);
      fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      fs.renameSync(path.join(root, folder), path.join(root, to));
      quarantined.push({ from: folder, to });
    }
  }

  return {
    lake: root,
    quick,
    checked: { artifacts: done, recordedFolders: recorded.size, lakeFolders: folders.size },
    counts,
    problems,
    quarantined,
    ok: fsckProblemKinds.every((kind) => counts[kind] === 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The names in a folder (empty when it cannot be listed). */
function listNames(directory: string): Set<string> {
  try {
    return new Set(fs.readdirSync(directory));
  } catch {
    return new Set();
  }
}

/**
 * Reads at most `limit` bytes of a file into `buffer` (grown when too small): open, read, close — no
 * stat, no allocation per file. Null when the file is not there.
 */
function readUpTo(file: string, limit: number, buffer: Buffer): { buffer: Buffer; length: number } | null {
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
    return { buffer, length };
  } finally {
    fs.closeSync(descriptor);
  }
}

/** A staging folder untouched this long was left by a writer that died. */
export const staleStagingMs = 10 * 60_000;

function isStale(directory: string): boolean {
  try {
    return Date.now() - fs.statSync(directory).mtimeMs > staleStagingMs;
  } catch {
    return false;
  }
}

/** Attempt folders (`llm_runs/yyyy/mm/dd/<id>`) and staging leftovers, relative to the root. */
export function walkAttemptFolders(root: string): { folders: Set<string>; staging: string[] } {
  const folders = new Set<string>();
  const staging: string[] = [];
  const runs = path.join(root, 'llm_runs');
  const list = (directory: string) => {
    try {
      return fs.readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    } catch {
      return [];
    }
  };
  for (const year of list(runs)) {
    for (const month of list(path.join(runs, year.name))) {
      for (const day of list(path.join(runs, year.name, month.name))) {
        const relative = `llm_runs/${year.name}/${month.name}/${day.name}`;
        for (const attempt of list(path.join(root, relative))) {
          if (attempt.name.startsWith('.incoming-')) {
            // A writer may be filling it right now: only a stale one is left over.
            if (isStale(path.join(root, relative, attempt.name))) staging.push(`${relative}/${attempt.name}`);
          }
          else folders.add(`${relative}/${attempt.name}`);
        }
      }
    }
  }
  return { folders, staging };
}
