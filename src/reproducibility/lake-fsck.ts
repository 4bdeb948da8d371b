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
 * id, so memory stays flat at millions of artifacts, and their files checked in batches on a few threads
 * while the next page is read (check-lake-files.ts: the same check on the event loop for a small lake).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HolocronDatabase } from '../database/open-database.ts';
import { createLakeFileChecker, type LakeFileBatch, type LakeFileFinding } from './check-lake-files.ts';
import { startLakeFsckPool } from './lake-fsck-pool.ts';

export const fsckProblemKinds = ['missing_file', 'size_mismatch', 'hash_mismatch', 'missing_folder', 'orphan_folder', 'orphan_staging'] as const;
export type FsckProblemKind = (typeof fsckProblemKinds)[number];

export interface FsckProblem {
  kind: FsckProblemKind;
  /** Relative to the lake root. */
  path: string;
  runId?: string;
  /** What SQL recorded (no sha256 from --quick, which reads none). */
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
  /**
   * Threads that read and hash the files (or list the folders): default one per core up to 2, none
   * (everything on the event loop) for a lake under 20,000 artifacts.
   */
  threads?: number;
  /** Files per batch sent to a thread (default 1,000). */
  batchSize?: number;
}

/** Below this many artifacts, starting threads costs more than it saves. */
const threadsFrom = 20_000;
const maxThreads = 2;

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

  // Every artifact row against its file, page by page, in batches checked on fsck's threads (or inline).
  const total = Number((await db.selectFrom('artifacts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
  const threads = options.threads ?? (total >= threadsFrom ? Math.min(maxThreads, os.availableParallelism()) : 0);
  const batchSize = options.batchSize ?? 1_000;
  const pool = threads > 0 ? startLakeFsckPool(root, threads) : null;
  const inline = pool === null ? createLakeFileChecker(root) : null;
  // Batches in flight, answered in the order they were sent (so problems are listed in row order); enough
  // queued that the threads keep working while the next page is read, few enough that memory stays flat.
  const inFlight: { batch: LakeFileBatch; runIds: string[]; findings: Promise<LakeFileFinding[]>; done: number | null }[] = [];
  const maxInFlight = Math.max(2, threads * 16);
  let done = 0;
  let after = 0;
  const settleOldest = async () => {
    const { batch, runIds, findings, done: progress } = inFlight.shift()!;
    for (const finding of await findings) {
      const expected: FsckProblem['expected'] = { bytes: batch.bytes[finding.index]! };
      if (!quick) expected.sha256 = batch.sha256[finding.index]!;
      const problem: FsckProblem = { kind: finding.kind, path: batch.paths[finding.index]!, runId: runIds[finding.index]!, expected };
      if (finding.actual) problem.actual = finding.actual;
      report(problem);
    }
    if (progress !== null) options.onProgress?.(progress, total);
  };
  const send = (batch: LakeFileBatch, runIds: string[], progress: number | null) =>
    inFlight.push({ batch, runIds, findings: pool ? pool.check(batch) : Promise.resolve(inline!(batch)), done: progress });
  options.onProgress?.(0, total);
  try {
    for (;;) {
      const page = await db
        .selectFrom('artifacts')
        .select(['id', 'run_id', 'lake_path', 'bytes'])
        // --quick reads no file: the recorded sha256 (a third of what a row weighs) is not needed.
        .$if(!quick, (query) => query.select('sha256'))
        .where('id', '>', after)
        .orderBy('id')
        .limit(pageSize)
        .execute();
      if (page.length === 0) break;
      after = Number(page[page.length - 1]!.id);
      done += page.length;
      let batch: LakeFileBatch = { quick, paths: [], bytes: [], sha256: [] };
      let runIds: string[] = [];
      for (const artifact of page) {
        if (hits.has(artifact.run_id)) continue;
        const lakePath = artifact.lake_path;
        if (missingFolders.size > 0 && missingFolders.has(lakePath.slice(0, lakePath.lastIndexOf('/')))) continue;
        batch.paths.push(lakePath);
        batch.bytes.push(Number(artifact.bytes));
        if (!quick) batch.sha256.push(artifact.sha256!);
        runIds.push(artifact.run_id);
        if (batch.paths.length === batchSize) {
          send(batch, runIds, null);
          batch = { quick, paths: [], bytes: [], sha256: [] };
          runIds = [];
        }
      }
      // The page's last batch (maybe empty) reports the progress once it is checked.
      send(batch, runIds, done);
      while (inFlight.length > maxInFlight) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
  } finally {
    // A batch failed: the others may still be running; they are dropped with their threads.
    for (const entry of inFlight) entry.findings.catch(() => undefined);
    await pool?.close();
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
