/**
 * The documents section of `npm run bench`: the legacy backfill of a generated tree of 100,000 files
 * (target ≤ 30 s), and query latencies — show, latest, list (first and a deep keyset page), lineage —
 * on an index of 1,000,000 documents made with bulk SQL (target p95 ≤ 50 ms). SQLite, the default.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/database/open-database.ts';
import { backfillLegacy } from '../src/documents/backfill-legacy.ts';
import { documentLineage } from '../src/documents/document-lineage.ts';
import { getDocument } from '../src/documents/get-document.ts';
import { latestDocument } from '../src/documents/latest-document.ts';
import { listDocuments } from '../src/documents/list-documents.ts';

export interface DocumentsBenchResult {
  backfill: { files: number; documents: number; seconds: number; linkedSeconds: number };
  index: { documents: number; buildSeconds: number };
  latencies: Record<string, { p50: number; p95: number }>;
}

function writeLegacyTree(root: string, files: number): void {
  const raw = path.join(root, '3_generation/draft_responses_raw');
  const parsed = path.join(root, '3_generation/draft_responses');
  const essays = path.join(root, '3_generation/essay_responses_raw');
  for (const folder of [raw, parsed, essays]) fs.mkdirSync(folder, { recursive: true });
  // Per task: two raw versions and a parsed file (3 files); every fourth task is an essay with one raw,
  // linked to its draft.
  let written = 0;
  for (let task = 0; written < files; task += 1) {
    const body = `answer ${task} `.repeat(40);
    if (task % 4 === 3) {
      // An essay written from the task before's draft: its task id extends the draft's (the layout's reference).
      fs.writeFileSync(path.join(essays, `task${task - 1}_essayA_v1.txt`), body);
      written += 1;
      continue;
    }
    fs.writeFileSync(path.join(raw, `task${task}_v1.txt`), body);
    written += 1;
    if (written < files) {
      fs.writeFileSync(path.join(raw, `task${task}_v2.txt`), `${body}(second)`);
      written += 1;
    }
    if (written < files) {
      fs.writeFileSync(path.join(parsed, `task${task}.txt`), `parsed ${task}`);
      written += 1;
    }
  }
}

/** `sync`: dirty pages written out, so that one timed step does not pay for the writes of the step before. */
function flushFileSystems(): void {
  try {
    execFileSync('sync');
  } catch {
    // no sync(1) here: the figures then include writeback
  }
}

function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  return { p50: Number(at(0.5).toFixed(2)), p95: Number(at(0.95).toFixed(2)) };
}

export async function measureDocuments(options: { quick: boolean; write: (text: string) => void }): Promise<DocumentsBenchResult> {
  const { write } = options;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-bench-docs-'));
  try {
    // Backfill.
    const files = options.quick ? 10_000 : 100_000;
    const dataRoot = path.join(directory, 'data');
    writeLegacyTree(dataRoot, files);
    // A legacy tree is written long before it is backfilled: its writeback to the disk is not the
    // backfill's (without this, the kernel flushes the 100,000 files just generated during the timed run).
    flushFileSystems();
    const backfill = async (name: string, link: boolean) => {
      const database = await openDatabase(path.join(directory, `${name}.sqlite`));
      const started = performance.now();
      const report = await backfillLegacy(database, { dataRoot, lakeRoot: path.join(directory, name), stages: ['draft', 'essay', 'evaluation'], runLabel: 'bench', link });
      const seconds = (performance.now() - started) / 1000;
      await database.close();
      flushFileSystems();
      return { report, seconds };
    };
    const copied = await backfill('copied', false);
    const report = copied.report;
    const seconds = copied.seconds;
    write(`  backfill of ${report.files.toLocaleString('en-US')} legacy files → ${report.added.toLocaleString('en-US')} documents: ${seconds.toFixed(1)} s, files copied (target ≤ 30 s for 100,000)\n`);
    const linked = await backfill('linked', true);
    write(`  the same with --link (${linked.report.linked.toLocaleString('en-US')} files hard-linked): ${linked.seconds.toFixed(1)} s\n`);

    // A big index, made with one bulk statement.
    const documents = options.quick ? 100_000 : 1_000_000;
    const database = await openDatabase(path.join(directory, 'index.sqlite'));
    const buildStarted = performance.now();
    await sql`
      insert into documents (doc_id, logical_key_id, stage, task_id, source_id, parent_doc_id, template_id, model_id, run_label,
        status, usage_prompt_tokens, usage_completion_tokens, created_at, doc_dir, raw_sha256, raw_chars)
      with recursive n(i) as (select 0 union all select i + 1 from n where i < ${documents - 1})
      select printf('d%013d', i),
        printf('k%015d', (i / 9) * 3 + (i % 3)),
        case i % 3 when 0 then 'facts' when 1 then 'essay' else 'evaluation' end,
        printf('item%d:%d', i / 9, i % 3),
        case when i % 3 = 0 then printf('item%d', i / 9) else null end,
        case when i % 3 = 0 then null else printf('d%013d', i - 1) end,
        'template_v1', case when i % 2 = 0 then 'llama3.2' else 'qwen2.5:7b' end,
        printf('run%d', (i / 9) % 100),
        case when i % 17 = 0 then 'parse_error' else 'ok' end,
        100 + i % 50, 20 + i % 30, 1760000000000 + i, printf('llm_runs/x/%d', i), 'aa', 1000
      from n`.execute(database.db);
    await sql`analyze`.execute(database.db);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    write(`  index of ${documents.toLocaleString('en-US')} documents built with bulk SQL in ${buildSeconds.toFixed(1)} s\n`);

    const samples = options.quick ? 200 : 500;
    const random = (limit: number) => Math.floor(Math.random() * limit);
    const timed = async (work: () => Promise<unknown>) => {
      const start = performance.now();
      await work();
      return performance.now() - start;
    };
    const measured: Record<string, number[]> = { show: [], latest: [], 'list (first page)': [], 'list (deep page)': [], lineage: [] };
    for (let index = 0; index < samples; index += 1) {
      const id = random(documents);
      const docId = `d${String(id).padStart(13, '0')}`;
      measured.show!.push(await timed(() => getDocument(database, docId)));
      const key = `k${String(Math.floor(id / 9) * 3 + (id % 3)).padStart(15, '0')}`;
      measured.latest!.push(await timed(() => latestDocument(database, { logicalKeyId: key })));
      const filter = { runLabel: `run${random(100)}`, stage: ['facts', 'essay', 'evaluation'][random(3)]!, limit: 50 };
      measured['list (first page)']!.push(await timed(() => listDocuments(database, filter)));
      measured['list (deep page)']!.push(await timed(() => listDocuments(database, { ...filter, before: docId })));
      measured.lineage!.push(await timed(() => documentLineage(database, docId)));
    }
    await database.close();
    const latencies: DocumentsBenchResult['latencies'] = {};
    for (const [name, values] of Object.entries(measured)) {
      latencies[name] = percentiles(values);
      write(`  ${name.padEnd(18)} p50 ${latencies[name]!.p50} ms  p95 ${latencies[name]!.p95} ms (target p95 ≤ 50 ms, ${samples} samples)\n`);
    }
    return { backfill: { files: report.files, documents: report.added, seconds, linkedSeconds: linked.seconds }, index: { documents, buildSeconds }, latencies };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
