/**
 * Brings a legacy tree into the documents index without touching it: one document per raw version of a
 * task (oldest first, each superseding the one before), the parsed file attached to the latest raw
 * only, a parsed-only task as a single document. Each document gets a folder in the lake,
 * `docs/<stage>/<doc_id>/` with `raw.txt`, `parsed.txt`, `metadata.json`, `extras/` (copied, or hard-linked with
 * `link` when the file system allows), written whole before its row is inserted (one transaction per
 * batch of rows, so a row never points at a folder that is not complete).
 *
 * Idempotent: a document's doc_id is derived from its legacy file's path and content, and a legacy file
 * already indexed is skipped, so a second run adds nothing (and a run cut short resumes where it
 * stopped). `dryRun` reads the tree and the index (when there is one: `database` null) and writes nothing. Unreadable files are reported and
 * skipped, never fatal.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HolocronDatabase } from '../database/open-database.ts';
import { chunk } from '../queue/chunk.ts';
import { docIdAlphabet, docIdLength } from './doc-id.ts';
import { insertDocuments, type NewDocument } from './insert-documents.ts';
import { latestLegacyPath, legacyParentStages, legacyParentTask, legacyStages, scanLegacyTree, type LegacyProblem, type LegacyStage, type LegacyTask } from './legacy-layout.ts';
import { logicalKeyId } from './logical-key.ts';

export interface BackfillOptions {
  dataRoot: string;
  /** The lake root: documents' folders go under `docs/`. */
  lakeRoot: string;
  stages: readonly LegacyStage[];
  runLabel: string;
  link?: boolean;
  dryRun?: boolean;
  /** Documents per transaction (default 2,000). */
  batchSize?: number;
  onScanned?: (plannedDocuments: number) => void;
  onProgress?: (doneDocuments: number, plannedDocuments: number) => void;
}

export interface BackfillReport {
  dryRun: boolean;
  tasks: number;
  /** Legacy files recognised. */
  files: number;
  /** Documents the tree holds (one per raw version, or one per parsed-only task). */
  documents: number;
  /** Of those, already in the index (a previous run). */
  alreadyIndexed: number;
  /** Added by this run (or, in a dry run, that would be). */
  added: number;
  byStage: Record<string, number>;
  /** Files linked / copied into documents' folders. */
  linked: number;
  copied: number;
  problems: LegacyProblem[];
}

interface PlannedDocument {
  task: LegacyTask;
  /** The raw version, or null for a parsed-only task. */
  raw: { version: number; path: string } | null;
  parsed: string | null;
  /** The legacy file that identifies this document (its raw file, or the parsed file). */
  legacyPath: string;
  versions: number;
  /** The parent task's current document (its legacy file), by the layout's references. */
  parent: { stage: LegacyStage; taskId: string; legacyPath: string } | null;
}

export async function backfillLegacy(database: HolocronDatabase | null, options: BackfillOptions): Promise<BackfillReport> {
  const dataRoot = path.resolve(options.dataRoot);
  if (!fs.existsSync(dataRoot) || !fs.statSync(dataRoot).isDirectory()) throw new BackfillError(`The data root ${options.dataRoot} is not a folder.`);
  // Parents first (drafts, then essays, then evaluations), so a child's parent row exists before it.
  const stages = legacyStages.filter((stage) => options.stages.includes(stage));
  const scan = scanLegacyTree(dataRoot, stages);
  // The stages documents come from are read too (for the references), even when not backfilled now.
  const parentStages = [...new Set(stages.flatMap((stage) => legacyParentStages[stage]))].filter((stage) => !stages.includes(stage));
  const tasksByStage = new Map<LegacyStage, Map<string, LegacyTask>>();
  for (const task of [...scan.tasks, ...scanLegacyTree(dataRoot, parentStages).tasks]) {
    let byId = tasksByStage.get(task.stage);
    if (!byId) tasksByStage.set(task.stage, (byId = new Map()));
    byId.set(task.taskId, task);
  }
  const planned = plan(scan.tasks, tasksByStage);
  if (!database && !options.dryRun) throw new BackfillError('A backfill that writes needs a database.');
  // No database (a dry run before the index exists): nothing is indexed yet.
  const indexed = database ? await alreadyIndexed(database, planned.map((document) => document.legacyPath)) : new Set<string>();
  const todo = planned.filter((document) => !indexed.has(document.legacyPath));
  const report: BackfillReport = {
    dryRun: Boolean(options.dryRun),
    tasks: scan.tasks.length,
    files: scan.files,
    documents: planned.length,
    alreadyIndexed: planned.length - todo.length,
    added: 0,
    byStage: {},
    linked: 0,
    copied: 0,
    problems: [...scan.problems],
  };
  options.onScanned?.(todo.length);
  if (options.dryRun) {
    report.added = todo.length;
    for (const document of todo) report.byStage[document.task.stage] = (report.byStage[document.task.stage] ?? 0) + 1;
    return report;
  }
  const lakeRoot = path.resolve(options.lakeRoot);
  // Each stage's folder once; a document's own folder is then one plain mkdir (not a recursive walk up).
  for (const stage of stages) fs.mkdirSync(path.join(lakeRoot, 'docs', stage), { recursive: true });
  let done = 0;
  // legacy file → doc_id, of the documents this run wrote (parents resolve from here, else from the index).
  const docIds = new Map<string, string>();
  // A batch never mixes stages: every parent (an earlier stage) is written and known before its children.
  const batches = legacyStages.flatMap((stage) => chunk(todo.filter((document) => document.task.stage === stage), options.batchSize ?? 2000));
  const placing: Placing = { link: Boolean(options.link), linksWork: true };
  for (const batch of batches) {
    const parents = await resolveParents(database!, batch, docIds);
    // The folders are written one after another with synchronous calls, each whole before the batch's
    // rows go in, in one transaction. A backfill is bound by the file system's metadata operations
    // (mkdir, create) done in the kernel: measured on this machine, plain synchronous calls did a
    // document folder in about 200 µs, while 16 promise-based writers through libuv's thread pool took
    // twice as long (each call a round trip through the pool, and the threads contend for the same
    // folder's lock), and two threads writing side by side were slower than one.
    const written = batch.map((document) =>
      writeDocument(dataRoot, lakeRoot, document, options, report, placing, document.parent ? (docIds.get(document.parent.legacyPath) ?? parents.get(document.parent.legacyPath) ?? null) : null),
    );
    const rows: NewDocument[] = [];
    batch.forEach((document, index) => {
      const row = written[index];
      if (!row) return;
      rows.push(row);
      docIds.set(document.legacyPath, row.doc_id);
    });
    const { db, adapter } = database!;
    const inserted = await adapter.writeTransaction(db, (trx) => insertDocuments(trx, adapter, rows));
    report.added += inserted.length;
    for (const row of rows) report.byStage[row.stage] = (report.byStage[row.stage] ?? 0) + 1;
    done += batch.length;
    options.onProgress?.(done, todo.length);
  }
  return report;
}

export class BackfillError extends Error {
  override readonly name = 'BackfillError';
}

function plan(tasks: readonly LegacyTask[], tasksByStage: ReadonlyMap<LegacyStage, ReadonlyMap<string, LegacyTask>>): PlannedDocument[] {
  const documents: PlannedDocument[] = [];
  for (const task of tasks) {
    const parentTask = legacyParentTask(task, tasksByStage);
    const parent = parentTask ? { stage: parentTask.stage, taskId: parentTask.taskId, legacyPath: latestLegacyPath(parentTask) } : null;
    if (task.raw.length === 0) {
      documents.push({ task, raw: null, parsed: task.parsed, legacyPath: task.parsed!, versions: 0, parent });
      continue;
    }
    task.raw.forEach((raw, index) => {
      const latest = index === task.raw.length - 1;
      documents.push({ task, raw, parsed: latest ? task.parsed : null, legacyPath: raw.path, versions: task.raw.length, parent });
    });
  }
  return documents;
}

/** The doc_ids of a batch's parents: written by this run, or indexed before (by their legacy file). */
async function resolveParents(database: HolocronDatabase, batch: readonly PlannedDocument[], written: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const missing = new Set<string>();
  for (const document of batch) {
    if (!document.parent) continue;
    const id = written.get(document.parent.legacyPath);
    if (id) found.set(document.parent.legacyPath, id);
    else missing.add(document.parent.legacyPath);
  }
  const { db, adapter } = database;
  for (const part of chunk([...missing], 5000)) {
    const rows = await db.selectFrom('documents').select(['legacy_path', 'doc_id']).where(adapter.inList('legacy_path', part, 'text')).execute();
    for (const row of rows) found.set(row.legacy_path!, row.doc_id);
  }
  return found;
}

async function alreadyIndexed(database: HolocronDatabase, legacyPaths: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const { db, adapter } = database;
  for (const part of chunk(legacyPaths, 5000)) {
    const rows = await db.selectFrom('documents').select('legacy_path').where(adapter.inList('legacy_path', part, 'text')).execute();
    for (const row of rows) found.add(row.legacy_path!);
  }
  return found;
}

/** Whether to hard-link, and whether links still work here (after the first refusal, copy without trying). */
interface Placing {
  link: boolean;
  linksWork: boolean;
}

/** Writes one document's folder and returns its row; null when a file could not be read. */
function writeDocument(
  dataRoot: string,
  lakeRoot: string,
  document: PlannedDocument,
  options: BackfillOptions,
  report: BackfillReport,
  placing: Placing,
  parentDocId: string | null,
): NewDocument | null {
  let raw: Buffer | null = null;
  let parsed: Buffer | null = null;
  try {
    if (document.raw) raw = fs.readFileSync(path.join(dataRoot, document.raw.path));
  } catch (error) {
    report.problems.push({ path: document.raw!.path, problem: `cannot read: ${(error as Error).message}; skipped` });
    return null;
  }
  try {
    if (document.parsed) parsed = fs.readFileSync(path.join(dataRoot, document.parsed));
  } catch (error) {
    report.problems.push({ path: document.parsed!, problem: `cannot read: ${(error as Error).message}; indexed without it` });
    parsed = null;
    if (!raw) return null;
  }
  const { stage, taskId } = document.task;
  const docId = derivedDocId(document.legacyPath, raw ?? parsed!);
  const docDir = `docs/${stage}/${docId}`;
  const finalDir = path.join(lakeRoot, docDir);
  const rawSha = raw ? sha256(raw) : null;
  const parsedSha = parsed ? sha256(parsed) : null;
  const provenance = {
    backfill: true,
    run_label: options.runLabel,
    raw_source: document.raw?.path ?? null,
    raw_version: document.raw?.version ?? null,
    parsed_source: document.parsed,
    versions_of_task: document.versions,
    // The reference the parent was found by (kept when the parent is not indexed yet, to say why it is unlinked).
    ...(document.parent ? { parent_task: `${document.parent.stage}/${document.parent.taskId}`, parent_source: document.parent.legacyPath } : {}),
  };
  // The folder is named by its (derived) doc_id and written before its row exists: a run cut short
  // leaves a folder no row points at, which the next run writes again and indexes. Such a folder's
  // files are replaced, never written through (one may be a hard link to a legacy file).
  const fresh = makeFolder(finalDir);
  if (!fresh) for (const name of ['raw.txt', 'parsed.txt', 'metadata.json']) fs.rmSync(path.join(finalDir, name), { force: true });
  makeFolder(path.join(finalDir, 'extras'));
  const metadata = { ...provenance, raw_sha256: rawSha, parsed_sha256: parsedSha, task_id: taskId, stage };
  if (document.raw) place(path.join(dataRoot, document.raw.path), raw!, path.join(finalDir, 'raw.txt'), placing, report);
  if (document.parsed && parsed) place(path.join(dataRoot, document.parsed), parsed, path.join(finalDir, 'parsed.txt'), placing, report);
  fs.writeFileSync(path.join(finalDir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return {
    doc_id: docId,
    // The seed's hash(stage|task_id): a legacy file records no template or model apart from its task id.
    logical_key_id: logicalKeyId({ stage, source: taskId, template: '', model: '' }),
    stage,
    task_id: taskId,
    source_id: taskId,
    parent_doc_id: parentDocId,
    run_label: options.runLabel,
    status: 'ok',
    created_at: Date.now(),
    doc_dir: docDir,
    raw_sha256: rawSha,
    parsed_sha256: parsedSha,
    raw_chars: raw ? raw.toString('utf8').length : null,
    parsed_chars: parsed ? parsed.toString('utf8').length : null,
    meta_small: JSON.stringify(provenance),
    legacy_path: document.legacyPath,
  };
}

/** One mkdir; false when the folder was already there. */
function makeFolder(folder: string): boolean {
  try {
    fs.mkdirSync(folder);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

function place(source: string, bytes: Buffer, target: string, placing: Placing, report: BackfillReport): void {
  if (placing.link && placing.linksWork) {
    try {
      fs.linkSync(source, target);
      report.linked += 1;
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another file system, or links not allowed: copy this one and the rest without trying again.
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') placing.linksWork = false;
    }
  }
  fs.writeFileSync(target, bytes);
  report.copied += 1;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 14 base62 characters from sha256 of the legacy path and content: the same file always gets the same id. */
function derivedDocId(legacyPath: string, content: Buffer): string {
  const digest = createHash('sha256').update(legacyPath).update('\0').update(content).digest();
  let value = BigInt(`0x${digest.toString('hex')}`);
  let id = '';
  for (let index = 0; index < docIdLength; index += 1) {
    id += docIdAlphabet[Number(value % 62n)];
    value /= 62n;
  }
  return id;
}
