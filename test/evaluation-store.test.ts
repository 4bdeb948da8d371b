/** The evaluation store on real SQLite and real PostgreSQL: storing, listing, searching, items, compare, export/import. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluate } from '../src/evaluations/evaluate.ts';
import { exactMatch } from '../src/evaluations/metrics/builtin-metrics.ts';
import { compileItemQuery } from '../src/evaluations/query/compile-item-query.ts';
import { compileRunQuery } from '../src/evaluations/query/compile-run-query.ts';
import { parseQuery } from '../src/evaluations/query/parse-query.ts';
import { QueryError } from '../src/evaluations/query/query-error.ts';
import { compareEvalRuns } from '../src/evaluations/store/compare-eval-runs.ts';
import { databaseHealth } from '../src/evaluations/store/database-health.ts';
import { deleteEvalRun } from '../src/evaluations/store/delete-eval-run.ts';
import { EvaluationInputError, EvaluationNotFoundError } from '../src/evaluations/store/evaluation-record.ts';
import { exportEvalRuns } from '../src/evaluations/store/export-eval-runs.ts';
import { getEvalRun, resolveEvalRunId } from '../src/evaluations/store/get-eval-run.ts';
import { importEvalRuns } from '../src/evaluations/store/import-eval-runs.ts';
import { listEvalItems } from '../src/evaluations/store/list-eval-items.ts';
import { listEvalRuns } from '../src/evaluations/store/list-eval-runs.ts';
import { listEvalProjects } from '../src/evaluations/store/list-eval-projects.ts';
import { refreshEvalAggregates } from '../src/evaluations/store/refresh-eval-aggregates.ts';
import { allMigrations } from '../src/database/migrate.ts';
import { evaluateFixture, fixtureItems } from './support/evaluation-fixtures.ts';
import { createTestDatabase, dialects, type TestDatabase } from './support/test-databases.ts';

for (const dialect of dialects) {
  describe(`evaluation store on ${dialect}`, () => {
    let test: TestDatabase;
    let runA: string;
    let runB: string;
    let other: string;
    before(async () => {
      test = await createTestDatabase(dialect);
      runA = (await evaluateFixture(test.database, 'model-a')).runId;
      runB = (await evaluateFixture(test.database, 'model-b')).runId;
      // A run in another project that no item answers: it fails.
      const failed = await evaluate({ database: test.database, task: async () => { throw new Error('server down'); }, dataset: fixtureItems.slice(0, 3), metrics: [exactMatch()], name: "O'Brien's broken run", project: 'other', model: 'model-c', tags: ['adhoc'] });
      other = failed.runId;
    });
    after(async () => {
      await test?.destroy();
    });

    const search = async (query: string) => {
      const where = compileRunQuery(parseQuery(query), query);
      const page = await listEvalRuns(test.database, { where, limit: 100 });
      return page.runs.map((run) => run.id).sort();
    };

    it('stores runs with totals, aggregates and versions; a run with no answer is failed', async () => {
      const a = await getEvalRun(test.database, runA);
      assert.equal(a.run.status, 'completed');
      assert.equal(a.run.item_count, 40);
      assert.equal(a.run.success_rate, 1);
      assert.deepEqual(a.tags, ['model-a', 'nightly']);
      const exact = a.aggregates.find((aggregate) => aggregate.metric === 'exact_match' && aggregate.field === '')!;
      assert.equal(exact.pass_rate, 26 / 40);
      assert.match(exact.metric_version, /^exact_match@[0-9a-f]{12}$/);
      const birthYear = a.aggregates.find((aggregate) => aggregate.metric === 'facts.f1' && aggregate.field === 'facts.birth_year')!;
      assert.equal(birthYear.mean, 26 / 40);
      const failed = await getEvalRun(test.database, other);
      assert.equal(failed.run.status, 'failed');
      assert.equal(failed.run.success_rate, 0);
      assert.equal(await resolveEvalRunId(test.database, runA.slice(0, 8)), runA);
      await assert.rejects(resolveEvalRunId(test.database, 'ffffffff'), EvaluationNotFoundError);
    });

    it('lists with filters, sorting and pagination', async () => {
      const page = await listEvalRuns(test.database, { where: compileRunQuery(parseQuery('project:demo'), ''), sort: 'name', order: 'asc', limit: 1 });
      assert.equal(page.total, 2);
      assert.deepEqual(page.runs.map((run) => run.id), [runA]);
      const next = await listEvalRuns(test.database, { where: compileRunQuery(parseQuery('project:demo'), ''), sort: 'name', order: 'asc', limit: 1, offset: 1 });
      assert.deepEqual(next.runs.map((run) => run.id), [runB]);
      assert.equal(next.runs[0]!.metrics.exact_match!.passRate, 36 / 40);
      const bySuccess = await listEvalRuns(test.database, { sort: 'success_rate', order: 'asc' });
      assert.equal(bySuccess.runs[0]!.id, other);
      assert.deepEqual((await listEvalProjects(test.database)).map((project) => [project.name, project.runs]), [['demo', 2], ['other', 1]]);
    });

    it('searches with the boolean language and the seed phrases', async () => {
      assert.deepEqual(await search('failed runs'), [other]);
      assert.deepEqual(await search('demo project'), [runA, runB].sort());
      assert.deepEqual(await search('today'), [runA, runB, other].sort());
      assert.deepEqual(await search('yesterday'), []);
      assert.deepEqual(await search('success rate > 80%'), [runA, runB].sort());
      assert.deepEqual(await search('duration < 600s'), [runA, runB, other].sort());
      assert.deepEqual(await search('slow responses from last month'), []);
      assert.deepEqual(await search('exact_match >= 0.8'), [runB], 'the mean of a pass/fail metric is its pass rate: 0.65 and 0.9');
      assert.deepEqual(await search('pass_rate_exact_match < 0.8'), [runA, other].sort());
      assert.deepEqual(await search('f1 >= 0.9'), [runB], 'f1 matches facts.f1');
      assert.deepEqual(await search('model:model-a OR tag:adhoc'), [runA, other].sort());
      assert.deepEqual(await search('project:demo NOT model:model-a'), [runB]);
      assert.deepEqual(await search('NOT (project:demo)'), [other]);
      assert.deepEqual(await search('model:model-*'), [runA, runB, other].sort());
      assert.deepEqual(await search('created_by:"ana@example.com" interrogation:sw_entity_facts_v1'), [runA, runB].sort());
      assert.deepEqual(await search('dataset:characters.jsonl status:completed tag:nightly tag:model-b'), [runB]);
      assert.deepEqual(await search('STAR wars'), [runA, runB].sort(), 'free words match descriptions, any case');
      assert.deepEqual(await search(`since:2000-01-01 before:2999-01-01 p95_latency < 1h`), [runA, runB].sort());
      assert.throws(() => compileRunQuery(parseQuery('colour:blue'), 'colour:blue'), (error: unknown) => error instanceof QueryError && error.column === 1);
      assert.throws(() => compileRunQuery(parseQuery('demo status:done'), 'demo status:done'), (error: unknown) => error instanceof QueryError && error.column === 6);
    });

    it('treats quotes, SQL fragments, wildcards and big queries as data', async () => {
      assert.deepEqual(await search(`name:"O'Brien's broken run"`), [other]);
      assert.deepEqual(await search(`"O'Brien"`), [other]);
      assert.deepEqual(await search(`name:"x' OR '1'='1"`), []);
      assert.deepEqual(await search(`"'; DROP TABLE eval_runs; --"`), []);
      assert.deepEqual(await search(`"100%"`), [], 'a % in a word is not a LIKE wildcard');
      assert.deepEqual(await search(`"_"`), [], 'nor is _');
      const big = Array.from({ length: 900 }, (_, index) => `tag:"t'${index}"`).join(' OR ') + ' OR tag:adhoc';
      assert.ok(big.length > 10_000);
      assert.deepEqual(await search(big), [other]);
      assert.equal((await listEvalRuns(test.database)).total, 3, 'nothing was dropped');
    });

    it('finds items by score, by field against the expected value, by status and key', async () => {
      const items = async (runId: string, query: string) => {
        const page = await listEvalItems(test.database, runId, { where: compileItemQuery(parseQuery(query), query), limit: 100 });
        return page.items.map((item) => item.item_key).sort();
      };
      const wrongA = fixtureItems.map((_, index) => index).filter((index) => index % 3 === 0).map((index) => `c${index}`).sort();
      assert.deepEqual(await items(runA, 'field:facts.birth_year != expected'), wrongA);
      assert.deepEqual(await items(runA, 'f1 < 0.75 AND field:facts.birth_year != expected'), wrongA);
      assert.deepEqual(await items(runA, 'field:facts.birth_year = expected AND exact_match < 1'), []);
      assert.deepEqual(await items(runB, 'field:facts.birth_year != expected AND (key:c1* OR key:c2*)'), ['c10', 'c20']);
      assert.deepEqual(await items(other, 'status:error'), ['c0', 'c1', 'c2']);
      assert.deepEqual(await items(runB, '"character 33"'), ['c33']);
      const worst = await listEvalItems(test.database, runB, { worstBy: 'exact_match', limit: 4 });
      assert.deepEqual(worst.items.map((item) => item.item_key).sort(), ['c0', 'c10', 'c20', 'c30']);
      assert.throws(() => compileItemQuery(parseQuery('today'), 'today'), QueryError);
    });

    it('compares by content with a paired interval and the exact test; caches until a run changes', async () => {
      const first = await compareEvalRuns(test.database, [runA, runB], undefined, { seed: 3 });
      assert.equal(first.cached, false);
      const pair = first.pairs[0]!;
      assert.equal(pair.aligned, 40);
      const exact = pair.metrics.find((metric) => metric.metric === 'exact_match')!;
      assert.equal(exact.delta, 10 / 40);
      assert.ok(exact.interval!.low! > 0 && exact.interval!.high! > exact.delta!, JSON.stringify(exact.interval));
      assert.deepEqual([exact.exactTest!.baselineOnly, exact.exactTest!.candidateOnly], [2, 12]);
      assert.ok(Math.abs(exact.exactTest!.pValue - 212 / 16384) < 1e-12);
      assert.equal(exact.significantImprovement, true);
      assert.equal(pair.primaryMetric, 'exact_match');
      assert.equal(pair.regressed.count, 2);
      assert.deepEqual(pair.regressed.items.map((item) => [item.item, item.fieldsChanged]).sort(), [['c10#0', ['facts.birth_year']], ['c20#0', ['facts.birth_year']]]);
      assert.equal(pair.improved.count, 12);

      assert.equal((await compareEvalRuns(test.database, [runA, runB], undefined, { seed: 3 })).cached, true);
      await test.database.adapter.writeTransaction(test.database.db, (transaction) => refreshEvalAggregates(transaction, runB));
      const after = await compareEvalRuns(test.database, [runA, runB], undefined, { seed: 3 });
      assert.equal(after.cached, false, 'a changed run invalidates the cache');
      assert.deepEqual(after.pairs, first.pairs);

      // The same answers over the dataset in reverse order: aligned by id, not position, so nothing changes.
      const reversed = (await evaluateFixture(test.database, 'model-b', { items: [...fixtureItems].reverse(), name: 'reversed' })).runId;
      const again = await compareEvalRuns(test.database, [runB, reversed, runA], runA, { seed: 3 });
      assert.equal(again.baselineRunId, runA);
      assert.deepEqual(again.pairs.map((entry) => entry.candidateRunId), [runB, reversed]);
      assert.deepEqual(again.pairs[1]!.metrics.find((metric) => metric.metric === 'exact_match'), again.pairs[0]!.metrics.find((metric) => metric.metric === 'exact_match'));
      await deleteEvalRun(test.database, reversed);

      // A run over part of the dataset: only the items both scored are paired, each with its own.
      const partial = (await evaluateFixture(test.database, 'model-b', { items: fixtureItems.slice(10), name: 'partial' })).runId;
      const some = (await compareEvalRuns(test.database, [runA, partial], undefined, { seed: 3 })).pairs[0]!;
      assert.deepEqual([some.aligned, some.onlyInBaseline, some.onlyInCandidate], [30, 10, 0]);
      const someExact = some.metrics.find((metric) => metric.metric === 'exact_match')!;
      assert.equal(someExact.delta, 7 / 30);
      assert.deepEqual([someExact.exactTest!.baselineOnly, someExact.exactTest!.candidateOnly], [2, 9]);
      const reverse = (await compareEvalRuns(test.database, [partial, runA], undefined, { seed: 3 })).pairs[0]!;
      assert.deepEqual([reverse.aligned, reverse.onlyInBaseline, reverse.onlyInCandidate], [30, 0, 10]);
      await deleteEvalRun(test.database, partial);

      await assert.rejects(compareEvalRuns(test.database, [runA], undefined), EvaluationInputError);
      await assert.rejects(compareEvalRuns(test.database, [runA, runB], other), EvaluationInputError);
    });

    it('a changed metric is not compared with the old one', async () => {
      const changed = await evaluate({ database: test.database, task: async () => ({}), dataset: fixtureItems, metrics: [exactMatch()], name: 'changed metric', project: 'scratch' });
      const comparison = await compareEvalRuns(test.database, [runA, changed.runId], undefined);
      const exact = comparison.pairs[0]!.metrics.find((metric) => metric.metric === 'exact_match')!;
      assert.equal(exact.comparable, false);
      assert.match(exact.reason!, /metric changed/);
      await deleteEvalRun(test.database, changed.runId);
    });

    it('exports losslessly and imports back; a second import is refused whole', async () => {
      const exported = await exportEvalRuns(test.database, [runA]);
      assert.equal(exported.runs[0]!.items.length, 40);
      await deleteEvalRun(test.database, runA);
      await assert.rejects(getEvalRun(test.database, runA), EvaluationNotFoundError);
      assert.equal((await listEvalItems(test.database, runA)).total, 0, 'items went with the run');
      await importEvalRuns(test.database, JSON.parse(JSON.stringify(exported.runs)));
      assert.deepEqual(await exportEvalRuns(test.database, [runA]), exported);
      await assert.rejects(importEvalRuns(test.database, exported.runs), /already stored/);
      assert.equal((await getEvalRun(test.database, runA)).aggregates.find((aggregate) => aggregate.metric === 'exact_match')!.pass_rate, 26 / 40);
      await assert.rejects(deleteEvalRun(test.database, 'no-such-run'), EvaluationNotFoundError);
    });

    it('reports health: reachable, migrations, row counts, size', async () => {
      const health = await databaseHealth(test.database, Object.keys(allMigrations(test.database.adapter)), ['eval_runs', 'eval_items']);
      assert.equal(health.reachable, true);
      assert.deepEqual(health.pendingMigrations, []);
      assert.ok(health.appliedMigrations.includes('evaluations/0001-create-evaluation-store'));
      assert.equal(health.rowCounts.eval_runs, 3);
      assert.equal(health.rowCounts.eval_items, 83);
      assert.ok(health.sizeBytes! > 0);
    });
  });
}
