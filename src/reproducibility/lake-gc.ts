/**
 * `holocron lake gc [--dry-run]`: removes attempt folders nothing references — no `runs` row (by
 * folder or by attempt id), no document (`documents.doc_dir`), no cache entry — and staging folders
 * a crashed writer left. Evaluation items reference jobs, whose attempts keep their folders. A folder
 * younger than 10 minutes is left alone (an attempt being recorded right now). What would go is listed
 * first, with sizes; `--dry-run` stops there.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HolocronDatabase } from '../database/open-database.ts';
import { staleStagingMs, walkAttemptFolders } from './lake-fsck.ts';

export interface GcReport {
  lake: string;
  dryRun: boolean;
  /** Folders that would go (dry run) or went, with their sizes. */
  folders: { path: string; bytes: number; files: number }[];
  bytes: number;
  /** Attempt folders in the lake that are referenced and kept. */
  kept: number;
}

export async function lakeGc(database: HolocronDatabase, lakeRoot: string, options: { dryRun?: boolean; minAgeMs?: number } = {}): Promise<GcReport> {
  const root = path.resolve(lakeRoot);
  const minAge = options.minAgeMs ?? staleStagingMs;
  const { folders, staging } = walkAttemptFolders(root);
  const referenced = await referencedFolders(database, [...folders]);
  const now = Date.now();
  const unreferenced = [...folders].filter((folder) => !referenced.has(folder) && now - mtimeOf(path.join(root, folder)) > minAge);
  const doomed = [...unreferenced, ...staging].sort().map((folder) => ({ path: folder, ...sizeOf(path.join(root, folder)) }));
  if (!options.dryRun) for (const folder of doomed) fs.rmSync(path.join(root, folder.path), { recursive: true, force: true });
  return { lake: root, dryRun: options.dryRun ?? false, folders: doomed, bytes: doomed.reduce((sum, folder) => sum + folder.bytes, 0), kept: folders.size - unreferenced.length };
}

/** Of these folders, the ones a row references: a run (by folder or attempt id), a document, a cache entry. */
export async function referencedFolders(database: HolocronDatabase, folders: readonly string[]): Promise<Set<string>> {
  const { db } = database;
  const referenced = new Set<string>();
  for (const row of await db.selectFrom('runs').select('lake_dir').distinct().where('lake_dir', 'is not', null).execute()) referenced.add(row.lake_dir!);
  for (const row of await db.selectFrom('documents').select('doc_dir').distinct().execute()) referenced.add(row.doc_dir);
  for (const row of await db.selectFrom('cache_entries').select('lake_dir').distinct().execute()) referenced.add(row.lake_dir);
  // A folder is named after its attempt: a run whose lake_dir was never set still claims it.
  const byId = new Map(folders.filter((folder) => !referenced.has(folder)).map((folder) => [folder.slice(folder.lastIndexOf('/') + 1), folder]));
  const ids = [...byId.keys()];
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await db.selectFrom('runs').select('id').where('id', 'in', ids.slice(start, start + 500)).execute();
    for (const row of rows) referenced.add(byId.get(row.id)!);
  }
  return new Set(folders.filter((folder) => referenced.has(folder)));
}

function mtimeOf(directory: string): number {
  try {
    return fs.statSync(directory).mtimeMs;
  } catch {
    return Date.now();
  }
}

export function sizeOf(directory: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (current: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        files++;
        try {
          bytes += fs.statSync(full).size;
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  walk(directory);
  return { bytes, files };
}
