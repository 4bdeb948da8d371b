/** `holocron runs …`, `projects list` and `db init | health | migrate FILE` through the real CLI, on both databases. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { starWarsDataset } from '../src/demo/star-wars-dataset.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { runCli, type CliResult } from './support/cli-process.ts';
import { evaluateFixture } from './support/evaluation-fixtures.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

for (const dialect of dialects) {
  describe(`evaluation CLI on ${dialect}`, { concurrency: true }, () => {
    let test: TestDatabase;
    let directory: string;
    let runA: string;
    let runB: string;
    const cli = (...args: string[]) => runCli(['--db', test.url, ...args], { cwd: directory });
    before(async () => {
      test = await createTestDatabase(dialect);
      directory = makeTempDirectory('eval-cli');
      runA = (await evaluateFixture(test.database, 'model-a')).runId;
      runB = (await evaluateFixture(test.database, 'model-b')).runId;
    });
    after(async () => {
      await test?.destroy();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it('runs list filters, sorts and pages; search understands phrases and explains them', async () => {
      const [listed, paged, searched, explained, bad, badFlag] = await Promise.all([
        cli('runs', 'list', '--project', 'demo', '--metric', 'f1>=0.9', '--json'),
        cli('runs', 'list', '--sort', 'name', '--asc', '--limit', '1', '--offset', '1'),
        cli('runs', 'search', 'demo project (model:model-a OR model:model-b) success rate > 80%', '--tag', 'nightly', '--json'),
        cli('runs', 'search', 'slow responses from last month', '--explain'),
        cli('runs', 'search', 'project:demo AND (model:a OR'),
        cli('runs', 'list', '--metric', 'project:demo'),
      ]);
      assert.deepEqual(JSON.parse(ok(listed)).runs.map((run: { id: string }) => run.id), [runB]);
      assert.match(ok(paged), /characters with model-b[\s\S]*1 of 2 runs from 2\./);
      const found = JSON.parse(ok(searched));
      assert.equal(found.total, 2);
      assert.match(ok(explained), /^AND\n {2}p95_latency > 5000 ms \(the p95 of metric latency.*← "slow responses"\n {2}created at or after .*← "last month"$/m);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /OR must be followed by a term \(column 29\)\n {2}project:demo AND \(model:a OR\n {2}\s{28}\^/);
      assert.equal(badFlag.code, 2);
      assert.match(badFlag.stderr, /--metric "project:demo" must be one comparison/);
    });

    it('runs show, items --where, and compare with the regression gate', async () => {
      const [shown, items, compared, gateFails, gateTolerates, gateImproves] = await Promise.all([
        cli('runs', 'show', runA.slice(0, 8)),
        cli('runs', 'items', runA, '--where', 'f1 < 0.75 AND field:facts.birth_year != expected', '--json'),
        cli('runs', 'compare', runA, runB, '--json'),
        cli('runs', 'compare', runA, runB, '--baseline', runB, '--fail-on-regression'),
        cli('runs', 'compare', runA, runB, '--baseline', runB, '--fail-on-regression', '--metric', 'exact_match', '--min-delta', '0.3'),
        cli('runs', 'compare', runA, runB, '--fail-on-regression', '--metric', 'exact_match'),
      ]);
      assert.match(ok(shown), /exact_match\s+exact_match@[0-9a-f]{12}\s+40\s+0\.650/);
      assert.match(shown.stdout, /Worst items by exact_match:\n {2}c0 /);
      assert.equal(JSON.parse(ok(items)).total, 14);
      const comparison = JSON.parse(ok(compared));
      const exact = comparison.pairs[0].metrics.find((metric: { metric: string }) => metric.metric === 'exact_match');
      assert.equal(exact.delta, 0.25);
      assert.equal(exact.significantImprovement, true);
      assert.equal(gateFails.code, 1, gateFails.stderr);
      assert.match(gateFails.stderr, /significant regression: .*exact_match -0\.2500/);
      assert.match(gateFails.stdout, /exact_match .*REGRESSED/);
      assert.equal(gateTolerates.code, 0, 'a 0.25 regression is within --min-delta 0.3');
      assert.equal(gateImproves.code, 0, 'an improvement never fails the gate');
    });

    it('export, delete, import and db migrate FILE round-trip; db init and health', async () => {
      const file = path.join(directory, `export-${dialect}.json`);
      ok(await cli('runs', 'export', runA, '--output', file));
      const exported = fs.readFileSync(file, 'utf8');
      assert.match(ok(await cli('runs', 'delete', runA)), /Deleted run/);
      const gone = await cli('runs', 'show', runA);
      assert.equal(gone.code, 2);
      assert.match(gone.stderr, /No evaluation run/);
      assert.match(ok(await cli('db', 'migrate', file)), new RegExp(`Imported 1 run: ${runA}`));
      const again = await cli('runs', 'import', file);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already stored/);
      const reexported = ok(await cli('runs', 'export', runA));
      assert.deepEqual(JSON.parse(reexported), JSON.parse(exported));
      const broken = path.join(directory, 'broken.json');
      fs.writeFileSync(broken, JSON.stringify({ format: 'holocron-evaluation-runs', version: 1, runs: [{ run: {} }] }));
      const refused = await cli('runs', 'import', broken);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /not a Holocron evaluation export: runs\.0\.run\.id/);

      assert.match(ok(await cli('db', 'init')), /is up to date/);
      const health = JSON.parse(ok(await cli('db', 'health', '--json')));
      assert.equal(health.reachable, true);
      assert.deepEqual(health.pendingMigrations, []);
      assert.equal(health.rowCounts.eval_runs, 2);
      assert.equal(health.rowCounts.eval_items, 80);
      assert.match(ok(await cli('projects', 'list')), /demo\s+2/);
    });

    it('eval run --drain runs the items through the queue against known answers and stores the scored run', async () => {
      const items = starWarsDataset.slice(0, 6);
      const dataset = path.join(directory, 'items.jsonl');
      fs.writeFileSync(dataset, items.map((item) => JSON.stringify(item)).join('\n') + '\n');
      const simulator = await startSimulator({ answers: items.map((item) => ({ key: String(item.id), answer: item.expected })) });
      // Its own database: the other tests count runs.
      const own = await createTestDatabase(dialect);
      const cli = (...args: string[]) => runCli(['--db', own.url, ...args], { cwd: directory });
      try {
        const result = await cli(
          '--lake-root', path.join(directory, 'lake'), 'eval', 'run', '--dataset', dataset, '-i', 'sw_entity_facts_v1', '--model', 'qwen2.5:7b',
          '--project', 'sim', '--tag', 'cli', '--name', 'six characters', '--match-list', 'facts:fact_key', '--drain', '--ollama-url', simulator.url, '--json',
        );
        const output = JSON.parse(ok(result));
        assert.equal(output.status, 'completed');
        assert.equal(output.successRate, 1);
        assert.equal(output.aggregates.find((aggregate: { metric: string }) => aggregate.metric === 'facts.f1').mean, 1);
        const listed = JSON.parse(ok(await cli('runs', 'search', 'project:sim tag:cli "six characters"', '--json')));
        assert.deepEqual(listed.runs.map((run: { id: string }) => run.id), [output.runId]);
        // Without --drain: the run is only queued; a plain `holocron work --drain` (another process) scores and completes it.
        const queued = JSON.parse(ok(await cli('eval', 'run', '--dataset', dataset, '-i', 'sw_entity_facts_v1', '--model', 'qwen2.5:7b', '--match-list', 'facts:fact_key', '--json')));
        assert.equal(queued.status, 'running');
        ok(await cli('--lake-root', path.join(directory, 'lake'), 'work', '--drain', '--ollama-url', simulator.url));
        const shown = JSON.parse(ok(await cli('runs', 'show', queued.runId, '--json')));
        assert.equal(shown.run.status, 'completed');
        assert.equal(shown.aggregates.find((aggregate: { metric: string; field: string }) => aggregate.metric === 'facts.f1' && aggregate.field === '').mean, 1);
        const bad = await cli('eval', 'run', '--dataset', path.join(directory, 'missing.jsonl'), '-i', 'sw_entity_facts_v1');
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /Cannot read the dataset/);
      } finally {
        await simulator.close();
        await own.destroy();
      }
    });
  });
}
