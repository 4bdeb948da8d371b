/** The legacy backfill on a generated tree, on real SQLite and PostgreSQL, and through the CLI. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backfillLegacy } from '../src/documents/backfill-legacy.ts';
import { documentLineage } from '../src/documents/document-lineage.ts';
import { latestDocument } from '../src/documents/latest-document.ts';
import { listDocuments } from '../src/documents/list-documents.ts';
import { runCli } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

/** Writes files (relative path → content) under a root, making their folders. */
function writeFiles(root: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), content);
  }
}

/** A legacy tree: versions, a parsed file per task, parsed-only tasks, links_responses, odd names. */
function writeLegacyTree(root: string): Record<string, string> {
  const files: Record<string, string> = {
    '3_generation/draft_responses_raw/combo1_tplA_llama_v1.txt': 'draft one, first try',
    '3_generation/draft_responses_raw/combo1_tplA_llama_v2.txt': 'draft one, second try',
    '3_generation/draft_responses_raw/combo1_tplA_llama_v3.txt': 'draft one, third try ✓',
    '3_generation/draft_responses/combo1_tplA_llama.txt': 'draft one parsed',
    '3_generation/draft_responses_raw/combo2_tplA_llama_v1.txt': 'draft two raw only',
    '3_generation/draft_responses/combo3_tplA_llama.txt': 'draft three parsed only',
    '3_generation/links_responses/combo4_links.txt': 'old links draft',
    '3_generation/essay_responses_raw/essay1_v1.txt': 'essay raw',
    '3_generation/essay_responses/essay1.txt': 'essay parsed',
    '4_evaluation/evaluation_responses_raw/eval1_v1.txt': 'score: 7',
    '4_evaluation/evaluation_responses_raw/eval1_v2.txt': 'score: 8',
    // Oddly named: no _vN on a raw file, not .txt, hidden.
    '3_generation/draft_responses_raw/combo5_noversion.txt': 'odd',
    '3_generation/essay_responses/notes.md': 'odd',
    '4_evaluation/evaluation_responses/.DS_Store': 'odd',
  };
  writeFiles(root, files);
  fs.mkdirSync(path.join(root, '3_generation/draft_responses_raw/a_folder_v1.txt'));
  return files;
}

function snapshot(root: string): Map<string, string> {
  const result = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else result.set(path.relative(root, full), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return result;
}

for (const dialect of dialects) {
  describe(`legacy backfill on ${dialect}`, () => {
    let test: TestDatabase;
    let workspace: string;
    let dataRoot: string;
    let lakeRoot: string;
    before(async () => {
      test = await createTestDatabase(dialect);
      workspace = makeTempDirectory('backfill');
      dataRoot = path.join(workspace, 'data');
      lakeRoot = path.join(workspace, 'lake');
      writeLegacyTree(dataRoot);
    });
    after(async () => {
      await test?.destroy();
      fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('a dry run reports and writes nothing', async () => {
      const report = await backfillLegacy(test.database, { dataRoot, lakeRoot, stages: ['draft', 'essay', 'evaluation'], runLabel: 'bf', dryRun: true });
      assert.equal(report.documents, 9);
      assert.equal(report.added, 9);
      assert.deepEqual(report.byStage, { draft: 6, essay: 1, evaluation: 2 });
      assert.equal(fs.existsSync(lakeRoot), false);
      assert.deepEqual(await listDocuments(test.database, {}), []);
    });

    it('one document per raw version, parsed on the latest only, parsed-only tasks alone, odd files reported; legacy files untouched', async () => {
      const before = snapshot(dataRoot);
      const report = await backfillLegacy(test.database, { dataRoot, lakeRoot, stages: ['draft', 'essay', 'evaluation'], runLabel: 'bf', link: true });
      assert.equal(report.added, 9);
      assert.deepEqual(
        report.problems.map((problem) => problem.path).sort(),
        [
          '3_generation/draft_responses_raw/a_folder_v1.txt',
          '3_generation/draft_responses_raw/combo5_noversion.txt',
          '3_generation/essay_responses/notes.md',
          '4_evaluation/evaluation_responses/.DS_Store',
        ],
      );
      assert.deepEqual(snapshot(dataRoot), before);

      const combo1 = await listDocuments(test.database, { taskId: 'combo1_tplA_llama' });
      assert.equal(combo1.length, 3);
      const [v3, v2, v1] = combo1;
      assert.equal(v3!.lineage_prev_doc_id, v2!.doc_id);
      assert.equal(v2!.lineage_prev_doc_id, v1!.doc_id);
      assert.equal(v1!.lineage_prev_doc_id, null);
      assert.equal(new Set(combo1.map((row) => row.logical_key_id)).size, 1);
      assert.ok(v3!.parsed_sha256 && !v2!.parsed_sha256 && !v1!.parsed_sha256);
      assert.equal(fs.readFileSync(path.join(lakeRoot, v3!.doc_dir, 'raw.txt'), 'utf8'), 'draft one, third try ✓');
      assert.equal(fs.readFileSync(path.join(lakeRoot, v3!.doc_dir, 'parsed.txt'), 'utf8'), 'draft one parsed');
      assert.equal(fs.existsSync(path.join(lakeRoot, v2!.doc_dir, 'parsed.txt')), false);
      assert.equal(v3!.raw_chars, 'draft one, third try ✓'.length);
      // --link: the document's raw.txt is the legacy file itself.
      assert.equal(
        fs.statSync(path.join(lakeRoot, v3!.doc_dir, 'raw.txt')).ino,
        fs.statSync(path.join(dataRoot, '3_generation/draft_responses_raw/combo1_tplA_llama_v3.txt')).ino,
      );
      const meta = JSON.parse(v3!.meta_small!) as Record<string, unknown>;
      assert.equal(meta.raw_source, '3_generation/draft_responses_raw/combo1_tplA_llama_v3.txt');
      assert.equal(meta.parsed_source, '3_generation/draft_responses/combo1_tplA_llama.txt');
      assert.equal(meta.raw_version, 3);
      const metadata = JSON.parse(fs.readFileSync(path.join(lakeRoot, v3!.doc_dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(metadata.task_id, 'combo1_tplA_llama');

      const parsedOnly = await latestDocument(test.database, { taskId: 'combo3_tplA_llama', stage: 'draft' });
      assert.ok(parsedOnly && parsedOnly.raw_sha256 === null && parsedOnly.parsed_sha256);
      assert.equal(fs.existsSync(path.join(lakeRoot, parsedOnly.doc_dir, 'raw.txt')), false);
      const links = await latestDocument(test.database, { taskId: 'combo4_links' });
      assert.equal(links?.stage, 'draft');
      assert.equal((await listDocuments(test.database, { stage: 'evaluation' })).length, 2);
      assert.equal((await latestDocument(test.database, { taskId: 'eval1' }))?.raw_chars, 'score: 8'.length);
    });

    it('a second run adds nothing; a new version added later is added alone', async () => {
      const count = (await listDocuments(test.database, { limit: 1000 })).length;
      const again = await backfillLegacy(test.database, { dataRoot, lakeRoot, stages: ['draft', 'essay', 'evaluation'], runLabel: 'bf' });
      assert.equal(again.added, 0);
      assert.equal(again.alreadyIndexed, 9);
      assert.equal((await listDocuments(test.database, { limit: 1000 })).length, count);

      fs.writeFileSync(path.join(dataRoot, '3_generation/draft_responses_raw/combo2_tplA_llama_v2.txt'), 'draft two, again');
      const third = await backfillLegacy(test.database, { dataRoot, lakeRoot, stages: ['draft'], runLabel: 'bf' });
      assert.equal(third.added, 1);
      const combo2 = await listDocuments(test.database, { taskId: 'combo2_tplA_llama' });
      assert.equal(combo2.length, 2);
      assert.equal(combo2[0]!.lineage_prev_doc_id, combo2[1]!.doc_id);
    });

    it('essays and evaluations are linked to their parents by the layout’s task-id references; every folder has extras/', async () => {
      const root = path.join(workspace, 'linked');
      const files: Record<string, string> = {
        '3_generation/draft_responses_raw/c7_tplA_llama_v1.txt': 'draft, first',
        '3_generation/draft_responses_raw/c7_tplA_llama_v2.txt': 'draft, second',
        '3_generation/draft_responses/c7_tplA_llama.txt': 'draft parsed',
        '3_generation/essay_responses_raw/c7_tplA_llama_essayB_v1.txt': 'essay from the draft',
        '4_evaluation/evaluation_responses/c7_tplA_llama_essayB__rubric1__qwen.txt': 'score: 9',
        '3_generation/essay_responses_raw/nobody_essayB_v1.txt': 'an essay with no draft',
      };
      writeFiles(root, files);
      // Evaluations and essays first, drafts in a later run: the first links what it can and says what it could not.
      const early = await backfillLegacy(test.database, { dataRoot: root, lakeRoot, stages: ['essay', 'evaluation'], runLabel: 'bf-links', batchSize: 1 });
      assert.equal(early.added, 3);
      const unlinkedEssay = await latestDocument(test.database, { taskId: 'c7_tplA_llama_essayB' });
      assert.equal(unlinkedEssay!.parent_doc_id, null, 'its draft is not indexed yet');
      assert.equal((JSON.parse(unlinkedEssay!.meta_small!) as { parent_task: string }).parent_task, 'draft/c7_tplA_llama');
      const evaluation = await latestDocument(test.database, { taskId: 'c7_tplA_llama_essayB__rubric1__qwen' });
      assert.equal(evaluation!.parent_doc_id, unlinkedEssay!.doc_id, 'an evaluation judges the essay whose task id prefixes its own');

      // All stages on a fresh index (PostgreSQL/SQLite alike): the essay's parent is the draft's latest version.
      const other = await createTestDatabase(dialect);
      try {
        const report = await backfillLegacy(other.database, { dataRoot: root, lakeRoot: path.join(workspace, 'lake-linked'), stages: ['draft', 'essay', 'evaluation'], runLabel: 'bf-links' });
        assert.equal(report.added, 5);
        const draft = await latestDocument(other.database, { taskId: 'c7_tplA_llama', stage: 'draft' });
        const essay = await latestDocument(other.database, { taskId: 'c7_tplA_llama_essayB' });
        const judged = await latestDocument(other.database, { taskId: 'c7_tplA_llama_essayB__rubric1__qwen' });
        assert.equal(essay!.parent_doc_id, draft!.doc_id);
        assert.equal(JSON.parse(draft!.meta_small!).raw_version, 2);
        assert.equal(judged!.parent_doc_id, essay!.doc_id);
        assert.equal((await latestDocument(other.database, { taskId: 'nobody_essayB' }))!.parent_doc_id, null);
        const lineage = await documentLineage(other.database, judged!.doc_id);
        assert.deepEqual(lineage!.ancestors.map((row) => row.stage), ['draft', 'essay']);
        for (const row of [draft!, essay!, judged!]) assert.ok(fs.statSync(path.join(workspace, 'lake-linked', row.doc_dir, 'extras')).isDirectory());
      } finally {
        await other.destroy();
      }
    });

    it('folders left by a run cut short are written again: hard-linked files are replaced, never written through', async () => {
      const root = path.join(workspace, 'cut-short');
      const legacyRaw = '3_generation/draft_responses_raw/c9_tplA_llama_v1.txt';
      writeFiles(root, { [legacyRaw]: 'draft nine', '3_generation/draft_responses/c9_tplA_llama.txt': 'draft nine parsed' });
      const before = snapshot(root);
      const lake = path.join(workspace, 'lake-cut-short');
      // A linked run whose rows are lost (another index): its folders stay in the lake, as after a crash before the insert.
      const lost = await createTestDatabase(dialect);
      const resumed = await createTestDatabase(dialect);
      try {
        const first = await backfillLegacy(lost.database, { dataRoot: root, lakeRoot: lake, stages: ['draft'], runLabel: 'bf-cut', link: true });
        assert.equal(first.linked, 2);
        const report = await backfillLegacy(resumed.database, { dataRoot: root, lakeRoot: lake, stages: ['draft'], runLabel: 'bf-cut' });
        assert.equal(report.added, 1);
        assert.equal(report.copied, 2);
        const row = await latestDocument(resumed.database, { taskId: 'c9_tplA_llama', stage: 'draft' });
        const copied = path.join(lake, row!.doc_dir, 'raw.txt');
        assert.equal(fs.readFileSync(copied, 'utf8'), 'draft nine');
        assert.notEqual(fs.statSync(copied).ino, fs.statSync(path.join(root, legacyRaw)).ino, 'a copy of its own, not the legacy file');
        assert.equal(fs.statSync(path.join(root, legacyRaw)).nlink, 1);
        assert.ok(fs.statSync(path.join(lake, row!.doc_dir, 'extras')).isDirectory());
        assert.deepEqual(snapshot(root), before);
      } finally {
        await lost.destroy();
        await resumed.destroy();
      }
    });
  });
}

describe('docs commands through the CLI', () => {
  let workspace: string;
  before(() => {
    workspace = makeTempDirectory('docs-cli');
    writeLegacyTree(path.join(workspace, 'data'));
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  const holocron = (args: string[]) =>
    runCli(['--db', path.join(workspace, 'holocron.sqlite'), '--lake-root', path.join(workspace, 'lake'), ...args], { cwd: workspace });

  it('backfill (dry run, then for real), list, show, latest, usage, lineage; bad input exits 2', async () => {
    const dry = await holocron(['docs', 'backfill', '--data-root', 'data', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((JSON.parse(dry.stdout) as { added: number }).added, 9);
    assert.equal(fs.existsSync(path.join(workspace, 'holocron.sqlite')), false, 'a dry run creates no database');
    assert.equal(fs.existsSync(path.join(workspace, 'lake')), false, 'a dry run writes no folder');
    const real = await holocron(['docs', 'backfill', '--data-root', 'data', '--run-id', 'backfill-test']);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /Added 9 \(draft 6, essay 1, evaluation 2\)/);
    assert.match(real.stdout, /Skipped 4:/);

    const list = await holocron(['docs', 'list', '--run-label', 'backfill-test', '--stage', 'draft', '--limit', '2', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { doc_id: string; stage: string; meta_small: { backfill: boolean } }[];
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.stage === 'draft' && row.meta_small.backfill));
    const next = await holocron(['docs', 'list', '--run-label', 'backfill-test', '--stage', 'draft', '--before', rows[1]!.doc_id, '--json']);
    assert.equal((JSON.parse(next.stdout) as unknown[]).length, 4);

    const show = await holocron(['docs', 'show', rows[0]!.doc_id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`doc_id: +${rows[0]!.doc_id}`));
    const latest = await holocron(['docs', 'latest', '--task-id', 'combo1_tplA_llama', '--json']);
    assert.equal((JSON.parse(latest.stdout) as { raw_chars: number }).raw_chars, 'draft one, third try ✓'.length);
    const usage = await holocron(['docs', 'usage', '--by', 'template', '--json']);
    assert.equal((JSON.parse(usage.stdout) as { documents: number }[])[0]!.documents, 9);
    const lineage = await holocron(['docs', 'lineage', rows[0]!.doc_id, '--json']);
    assert.equal((JSON.parse(lineage.stdout) as { document: { doc_id: string } }).document.doc_id, rows[0]!.doc_id);

    const missing = await holocron(['docs', 'show', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no document "nope"/);
    const noRoot = await holocron(['docs', 'backfill', '--data-root', 'nowhere']);
    assert.equal(noRoot.code, 2);
    assert.match(noRoot.stderr, /data root nowhere is not a folder/);
    const noKey = await holocron(['docs', 'latest']);
    assert.equal(noKey.code, 2);
  });
});
