/**
 * The HTTP API's documents (list, search, show with staleness, lineage) and evaluation runs (search
 * with the query language, show, items, compare) through app.request(), on SQLite and PostgreSQL —
 * the same JSON as the CLI's --json, bad input named.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newDocId } from '../src/documents/doc-id.ts';
import { insertDocuments, type NewDocument } from '../src/documents/insert-documents.ts';
import { logicalKeyId } from '../src/documents/logical-key.ts';
import { evaluateFixture } from './support/evaluation-fixtures.ts';
import { createServerFixture, type ServerFixture } from './support/server-fixture.ts';
import { dialects } from './support/test-databases.ts';

function document(stage: string, source: string, parent: NewDocument | null, extra: Partial<NewDocument> = {}): NewDocument {
  const docId = newDocId();
  const logicalSource = parent ? parent.logical_key_id : source;
  return {
    doc_id: docId,
    logical_key_id: logicalKeyId({ stage, source: logicalSource, template: `${stage}_v1`, model: 'llama3.2' }),
    stage,
    task_id: `${source}:${stage}`,
    source_id: parent ? null : source,
    parent_doc_id: parent?.doc_id ?? null,
    template_id: `${stage}_v1`,
    model_id: 'llama3.2',
    run_label: 'r1',
    status: 'ok',
    usage_prompt_tokens: 10,
    usage_completion_tokens: 5,
    created_at: Date.now(),
    doc_dir: `docs/${docId}`,
    template_hash: 't1',
    schema_hash: 's1',
    model_digest: 'd1',
    ...extra,
  };
}

for (const dialect of dialects) {
  describe(`HTTP API documents and evaluations on ${dialect}`, () => {
    let fixture: ServerFixture;
    let root: NewDocument;
    let child: NewDocument;
    let grandchild: NewDocument;
    let rebuiltRoot: NewDocument;
    let runA: string;
    let runB: string;
    before(async () => {
      fixture = await createServerFixture(dialect);
      const { database } = fixture.holocron;
      root = document('facts', 'luke', null);
      child = document('essay', 'luke', root);
      grandchild = document('summary', 'luke', child);
      const other = document('facts', 'leia', null);
      await database.adapter.writeTransaction(database.db, (trx) => insertDocuments(trx, database.adapter, [root, child, grandchild, other]));
      // A newer attempt of the root's logical key: its descendants become stale.
      rebuiltRoot = { ...document('facts', 'luke', null), logical_key_id: root.logical_key_id };
      await database.adapter.writeTransaction(database.db, (trx) => insertDocuments(trx, database.adapter, [rebuiltRoot]));
      runA = (await evaluateFixture(database, 'model-a')).runId;
      runB = (await evaluateFixture(database, 'model-b')).runId;
    });
    after(async () => {
      await fixture?.close();
    });

    it('lists, pages and searches documents; shows one with its staleness; draws its lineage', async () => {
      const app = fixture.app();
      const all = (await (await app.request('/api/documents')).json()) as { items: { doc_id: string }[]; nextCursor: string | null };
      assert.equal(all.items.length, 5);
      const page = (await (await app.request('/api/documents?limit=2')).json()) as { items: { doc_id: string }[]; nextCursor: string };
      assert.deepEqual(page.items.map((row) => row.doc_id), [rebuiltRoot.doc_id, all.items[1]!.doc_id]);
      const next = (await (await app.request(`/api/documents?limit=2&cursor=${page.nextCursor}`)).json()) as { items: { doc_id: string }[] };
      assert.deepEqual(next.items.map((row) => row.doc_id), all.items.slice(2, 4).map((row) => row.doc_id));
      const byStage = (await (await app.request('/api/documents?stage=essay')).json()) as { items: { doc_id: string }[] };
      assert.deepEqual(byStage.items.map((row) => row.doc_id), [child.doc_id]);
      const byId = (await (await app.request(`/api/documents?q=${grandchild.doc_id}`)).json()) as { items: { doc_id: string }[] };
      assert.deepEqual(byId.items.map((row) => row.doc_id), [grandchild.doc_id]);
      const byTask = (await (await app.request('/api/documents?q=leia:facts')).json()) as { items: { task_id: string }[] };
      assert.deepEqual(byTask.items.map((row) => row.task_id), ['leia:facts']);

      const stale = (await (await app.request('/api/documents?stale=true')).json()) as { items: { doc_id: string; staleReasons: string[] }[] };
      assert.deepEqual(stale.items.map((row) => row.doc_id).sort(), [child.doc_id, grandchild.doc_id].sort());
      assert.ok(stale.items.find((row) => row.doc_id === child.doc_id)!.staleReasons.includes('newer_parent'));

      const shown = (await (await app.request(`/api/documents/${child.doc_id}`)).json()) as { doc_id: string; stale: boolean; staleReasons: string[]; parent_doc_id: string };
      assert.deepEqual([shown.doc_id, shown.stale, shown.parent_doc_id], [child.doc_id, true, root.doc_id]);
      const fresh = (await (await app.request(`/api/documents/${rebuiltRoot.doc_id}`)).json()) as { stale: boolean };
      assert.equal(fresh.stale, false);

      const lineage = (await (await app.request(`/api/documents/${child.doc_id}/lineage`)).json()) as {
        ancestors: { doc_id: string }[];
        graph: { nodes: { docId: string; role: string; stale: boolean }[]; edges: { from: string; to: string }[] };
      };
      assert.deepEqual(lineage.ancestors.map((row) => row.doc_id), [root.doc_id]);
      assert.deepEqual(lineage.graph.nodes.map((node) => [node.docId, node.role, node.stale]), [
        [root.doc_id, 'ancestor', false],
        [child.doc_id, 'self', true],
        [grandchild.doc_id, 'descendant', true],
      ]);
      assert.deepEqual(lineage.graph.edges, [{ from: root.doc_id, to: child.doc_id }, { from: child.doc_id, to: grandchild.doc_id }]);

      assert.equal((await app.request('/api/documents/AAAAAAAAAAAAAA')).status, 404);
      assert.equal((await app.request('/api/documents/not%20an%20id')).status, 400);
      assert.equal((await app.request('/api/documents?status=great')).status, 400);
    });

    it('searches evaluation runs with the query language, shows one, filters its items and compares runs with intervals', async () => {
      const app = fixture.app();
      const listed = (await (await app.request('/api/evaluations/runs')).json()) as { items: { id: string }[]; total: number };
      assert.equal(listed.total, 2);
      const searched = (await (await app.request(`/api/evaluations/runs?q=${encodeURIComponent('model:model-b success rate > 50%')}`)).json()) as { items: { id: string; model: string }[]; explanation: string };
      assert.deepEqual(searched.items.map((run) => run.id), [runB]);
      assert.ok(searched.explanation.length > 0);
      const paged = (await (await app.request('/api/evaluations/runs?limit=1')).json()) as { items: unknown[]; nextCursor: string };
      assert.equal(paged.nextCursor, '1');
      const rest = (await (await app.request('/api/evaluations/runs?limit=1&cursor=1')).json()) as { items: unknown[]; nextCursor: string | null };
      assert.deepEqual([rest.items.length, rest.nextCursor], [1, null]);
      const badQuery = await app.request(`/api/evaluations/runs?q=${encodeURIComponent('f1 >= ')}`);
      assert.equal(badQuery.status, 400);
      assert.equal(((await badQuery.json()) as { error: { code: string } }).error.code, 'invalid_query');

      const shown = (await (await app.request(`/api/evaluations/runs/${runA.slice(0, 8)}`)).json()) as { run: { id: string; config: unknown }; aggregates: { metric: string; histogram: unknown }[]; worstItems: { item_key: string }[]; worstBy: string };
      assert.equal(shown.run.id, runA);
      assert.ok(shown.aggregates.some((aggregate) => aggregate.metric === 'exact_match'));
      for (const aggregate of shown.aggregates) assert.equal(typeof aggregate.histogram, 'object', 'the histogram is parsed JSON, not text');
      assert.equal(shown.worstItems.length, 5);
      assert.equal((await app.request(`/api/evaluations/runs/${runA}?metric=nonesuch`)).status, 400);
      assert.equal((await app.request('/api/evaluations/runs/ffffffff-0000-0000-0000-000000000000')).status, 404);

      const items = (await (await app.request(`/api/evaluations/runs/${runA}/items?where=${encodeURIComponent('exact_match < 1')}&limit=100`)).json()) as { total: number; items: { item_key: string }[] };
      assert.equal(items.total, 14, 'model A gets every third of 40 items wrong');

      const compared = await app.request(`/api/evaluations/compare?runs=${runA},${runB}`);
      assert.equal(compared.status, 200);
      const comparison = (await compared.json()) as { baselineRunId: string; pairs: { metrics: { metric: string; delta: number; interval: { low: number; high: number } | null }[]; improved: { count: number }; regressed: { count: number } }[] };
      assert.equal(comparison.baselineRunId, runA);
      const exact = comparison.pairs[0]!.metrics.find((metric) => metric.metric === 'exact_match')!;
      assert.ok(exact.interval !== null && exact.interval.low <= exact.delta && exact.delta <= exact.interval.high, JSON.stringify(exact));
      assert.deepEqual([comparison.pairs[0]!.improved.count, comparison.pairs[0]!.regressed.count], [12, 2]);
      assert.equal((await app.request(`/api/evaluations/compare?runs=${runA}`)).status, 400);
      assert.equal((await app.request(`/api/evaluations/compare?runs=${runA},${runA}`)).status, 400);
      assert.equal((await app.request(`/api/evaluations/compare?runs=${runA},${runB}&seed=abc`)).status, 400);
    });
  });
}
