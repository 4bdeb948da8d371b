/** The documents index on real SQLite and PostgreSQL: insert, show, latest, list, usage, lineage, staleness. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newDocId } from '../src/documents/doc-id.ts';
import { documentLineage } from '../src/documents/document-lineage.ts';
import { documentUsage } from '../src/documents/document-usage.ts';
import type { DocumentStatus } from '../src/documents/documents-tables.ts';
import { findStaleDocuments } from '../src/documents/find-stale-documents.ts';
import { getDocument } from '../src/documents/get-document.ts';
import { insertDocuments, type NewDocument } from '../src/documents/insert-documents.ts';
import { latestDocument } from '../src/documents/latest-document.ts';
import { listDocuments } from '../src/documents/list-documents.ts';
import { logicalKeyId } from '../src/documents/logical-key.ts';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

interface Spec {
  stage: string;
  source: string;
  template?: string;
  model?: string;
  status?: DocumentStatus;
  parent?: string | null;
  runLabel?: string;
  tokens?: [number, number];
  templateHash?: string;
  digest?: string;
}

const keyOf = new Map<string, string>();

function documentOf(spec: Spec): NewDocument {
  const template = spec.template ?? `${spec.stage}_v1`;
  const model = spec.model ?? 'llama3.2';
  const docId = newDocId();
  // A later stage's source is its parent's logical key: a rebuild on a newer parent attempt is a new
  // attempt of the same logical product.
  const source = spec.parent ? keyOf.get(spec.parent)! : spec.source;
  const key = logicalKeyId({ stage: spec.stage, source, template, model });
  keyOf.set(docId, key);
  return {
    doc_id: docId,
    logical_key_id: key,
    stage: spec.stage,
    task_id: `${spec.source}:${spec.stage}:${template}:${model}`,
    source_id: spec.parent ? null : spec.source,
    parent_doc_id: spec.parent ?? null,
    template_id: template,
    model_id: model,
    run_label: spec.runLabel ?? 'r1',
    status: spec.status ?? 'ok',
    usage_prompt_tokens: spec.tokens?.[0] ?? 10,
    usage_completion_tokens: spec.tokens?.[1] ?? 5,
    created_at: Date.now(),
    doc_dir: `docs/${docId}`,
    template_hash: spec.templateHash ?? 't1',
    schema_hash: 's1',
    model_digest: spec.digest ?? 'd1',
  };
}

for (const dialect of dialects) {
  describe(`documents index on ${dialect}`, () => {
    let test: TestDatabase;
    const insert = async (...specs: Spec[]) => {
      const documents = specs.map(documentOf);
      await test.database.adapter.writeTransaction(test.database.db, (trx) => insertDocuments(trx, test.database.adapter, documents));
      return documents.map((document) => document.doc_id);
    };
    before(async () => {
      test = await createTestDatabase(dialect);
    });
    after(async () => {
      await test?.destroy();
    });

    it('shows a document, chains attempts of one logical key, finds the latest ok by key, task keys or task id', async () => {
      const [first] = await insert({ stage: 'facts', source: 'luke', runLabel: 'latest' });
      const [second] = await insert({ stage: 'facts', source: 'luke', status: 'parse_error', runLabel: 'latest' });
      const [third] = await insert({ stage: 'facts', source: 'luke', runLabel: 'latest' });
      const [failed] = await insert({ stage: 'facts', source: 'luke', status: 'truncated', runLabel: 'latest' });
      const shown = await getDocument(test.database, third!);
      assert.equal(shown?.doc_id, third);
      assert.equal(shown?.lineage_prev_doc_id, second);
      assert.equal((await getDocument(test.database, second!))?.lineage_prev_doc_id, first);
      assert.equal((await getDocument(test.database, first!))?.lineage_prev_doc_id, null);
      assert.equal(await getDocument(test.database, 'nope'), null);
      const key = logicalKeyId({ stage: 'facts', source: 'luke', template: 'facts_v1', model: 'llama3.2' });
      assert.equal(shown?.logical_key_id, key);
      assert.equal((await latestDocument(test.database, { logicalKeyId: key }))?.doc_id, third);
      assert.equal(
        (await latestDocument(test.database, { taskKeys: { stage: 'facts', source: 'luke', template: 'facts_v1', model: 'llama3.2' } }))?.doc_id,
        third,
      );
      assert.equal((await latestDocument(test.database, { taskId: 'luke:facts:facts_v1:llama3.2', stage: 'facts' }))?.doc_id, third);
      assert.equal(await latestDocument(test.database, { logicalKeyId: 'missing' }), null);
      assert.notEqual(failed, third);
    });

    it('indexes an attempt once: a second recording of it, in a batch or alone, with or without its job, adds nothing', async () => {
      const { db, adapter } = test.database;
      const attempt = (jobId: number | null, attemptId: string) => ({ ...documentOf({ stage: 'once', source: `s${attemptId}` }), job_id: jobId, attempt_id: attemptId });
      const first = [attempt(9_001, 'a-1'), attempt(9_001, 'a-2'), attempt(9_002, 'a-3')];
      const inserted = await adapter.writeTransaction(db, (trx) => insertDocuments(trx, adapter, first));
      assert.deepEqual(inserted, first.map((document) => document.doc_id));
      // Again with new doc ids: the same attempts (found by job and attempt), a new one, and one without a job.
      const again = [attempt(9_001, 'a-2'), attempt(9_002, 'a-3'), attempt(9_002, 'a-4')];
      assert.deepEqual(await adapter.writeTransaction(db, (trx) => insertDocuments(trx, adapter, again)), [again[2]!.doc_id]);
      const jobless = [attempt(null, 'a-1'), attempt(null, 'a-5')];
      assert.deepEqual(await adapter.writeTransaction(db, (trx) => insertDocuments(trx, adapter, jobless)), [jobless[1]!.doc_id]);
      const rows = await db.selectFrom('documents').select(['attempt_id']).where('stage', '=', 'once').execute();
      assert.deepEqual(rows.map((row) => row.attempt_id).sort(), ['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    });

    it('lists with filters, newest first, a page at a time', async () => {
      const ids = await insert(
        ...Array.from({ length: 7 }, (_, index) => ({ stage: index % 2 ? 'essay' : 'facts', source: `p${index}`, runLabel: 'paging' })),
      );
      await insert({ stage: 'facts', source: 'other', runLabel: 'elsewhere' });
      const pages: string[][] = [];
      let before: string | undefined;
      for (;;) {
        const page = await listDocuments(test.database, { runLabel: 'paging', limit: 3, before });
        if (page.length === 0) break;
        pages.push(page.map((row) => row.doc_id));
        before = page[page.length - 1]!.doc_id;
      }
      assert.deepEqual(pages.map((page) => page.length), [3, 3, 1]);
      assert.deepEqual(pages.flat(), [...ids].reverse());
      const essays = await listDocuments(test.database, { runLabel: 'paging', stage: 'essay' });
      assert.deepEqual(essays.map((row) => row.doc_id), [ids[5], ids[3], ids[1]]);
      const truncated = await listDocuments(test.database, { runLabel: 'latest', status: 'truncated' });
      assert.equal(truncated.length, 1);
    });

    it('sums token usage by model and by template', async () => {
      await insert(
        { stage: 'facts', source: 'u1', model: 'm-a', template: 'tpl-x', runLabel: 'usage', tokens: [100, 10] },
        { stage: 'facts', source: 'u2', model: 'm-a', template: 'tpl-y', runLabel: 'usage', tokens: [200, 20], status: 'truncated' },
        { stage: 'facts', source: 'u3', model: 'm-b', template: 'tpl-y', runLabel: 'usage', tokens: [300, 30] },
      );
      assert.deepEqual(await documentUsage(test.database, { by: 'model', runLabel: 'usage' }), [
        { key: 'm-a', documents: 2, ok: 1, promptTokens: 300, completionTokens: 30 },
        { key: 'm-b', documents: 1, ok: 1, promptTokens: 300, completionTokens: 30 },
      ]);
      assert.deepEqual(await documentUsage(test.database, { by: 'template', runLabel: 'usage' }), [
        { key: 'tpl-x', documents: 1, ok: 1, promptTokens: 100, completionTokens: 10 },
        { key: 'tpl-y', documents: 2, ok: 1, promptTokens: 500, completionTokens: 50 },
      ]);
    });

    it('gives ancestors and descendants as a tree', async () => {
      const [facts] = await insert({ stage: 'facts', source: 'leia', runLabel: 'tree' });
      const [essayA, essayB] = await insert(
        { stage: 'essay', source: 'leia', parent: facts, model: 'm1', runLabel: 'tree' },
        { stage: 'essay', source: 'leia', parent: facts, model: 'm2', runLabel: 'tree' },
      );
      const [evaluation] = await insert({ stage: 'evaluation', source: 'leia', parent: essayA, runLabel: 'tree' });
      const lineage = await documentLineage(test.database, essayA!);
      assert.ok(lineage);
      assert.deepEqual(lineage.ancestors.map((row) => row.doc_id), [facts]);
      assert.equal(lineage.descendants.document.doc_id, essayA);
      assert.deepEqual(lineage.descendants.children.map((node) => node.document.doc_id), [evaluation]);
      const fromRoot = await documentLineage(test.database, facts!);
      assert.deepEqual(fromRoot!.ancestors, []);
      assert.deepEqual(fromRoot!.descendants.children.map((node) => node.document.doc_id), [essayA, essayB]);
      assert.deepEqual(fromRoot!.descendants.children[0]!.children.map((node) => node.document.doc_id), [evaluation]);
      const fromLeaf = await documentLineage(test.database, evaluation!);
      assert.deepEqual(fromLeaf!.ancestors.map((row) => row.doc_id), [facts, essayA]);
      assert.equal(await documentLineage(test.database, 'missing'), null);
    });

    it('derives staleness: a newer parent, a changed template, a changed model digest, and their descendants', async () => {
      const label = 'stale';
      const [facts] = await insert({ stage: 'facts', source: 'han', runLabel: label });
      const [essay] = await insert({ stage: 'essay', source: 'han', parent: facts, runLabel: label });
      const [evaluation] = await insert({ stage: 'evaluation', source: 'han', parent: essay, runLabel: label });
      const unchanged = { definitionOf: () => ({ templateHash: 't1', schemaHash: 's1' }), runLabel: label };
      assert.deepEqual(await findStaleDocuments(test.database, unchanged), []);

      // A template change makes the essay stale, and the evaluation made from it.
      const changed = await findStaleDocuments(test.database, {
        definitionOf: (template) => ({ templateHash: template === 'essay_v1' ? 't2' : 't1', schemaHash: 's1' }),
        runLabel: label,
      });
      assert.deepEqual(changed.map((stale) => [stale.document.doc_id, stale.reasons]), [
        [essay, ['template_changed']],
        [evaluation, ['ancestor_stale']],
      ]);

      // A newer successful attempt of the facts makes the essay stale (and the evaluation through it);
      // a newer failed attempt does not.
      await insert({ stage: 'facts', source: 'han', runLabel: label, status: 'parse_error' });
      assert.deepEqual(await findStaleDocuments(test.database, unchanged), []);
      const [newerFacts] = await insert({ stage: 'facts', source: 'han', runLabel: label });
      const afterParent = await findStaleDocuments(test.database, unchanged);
      assert.deepEqual(afterParent.map((stale) => [stale.document.doc_id, stale.reasons]), [
        [essay, ['newer_parent']],
        [evaluation, ['ancestor_stale']],
      ]);
      assert.equal(afterParent[0]!.newerParentDocId, newerFacts);

      // The essay rebuilt on the newer facts is current; the evaluation now has a newer parent.
      const [newerEssay] = await insert({ stage: 'essay', source: 'han', parent: newerFacts, runLabel: label });
      const afterRebuild = await findStaleDocuments(test.database, unchanged);
      assert.deepEqual(afterRebuild.map((stale) => [stale.document.doc_id, stale.reasons]), [[evaluation, ['newer_parent']]]);
      assert.equal(afterRebuild[0]!.newerParentDocId, newerEssay);

      // A new digest for the model (seen on a later document) makes the older ones of that model stale.
      const [other] = await insert({ stage: 'facts', source: 'chewie', model: 'digest-model', runLabel: label, digest: 'old' });
      await insert({ stage: 'facts', source: 'r2', model: 'digest-model', runLabel: 'elsewhere', digest: 'new' });
      const digest = await findStaleDocuments(test.database, { ...unchanged, stage: 'facts' });
      assert.deepEqual(digest.map((stale) => [stale.document.doc_id, stale.reasons]), [[other, ['model_changed']]]);
    });
  });
}
