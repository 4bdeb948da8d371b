/**
 * Schema capability checks and the structured-output failure ledger, on real SQLite and PostgreSQL
 * against simulated Ollama and OpenAI-compatible servers over HTTP: warnings for keywords a target
 * server will not enforce (or will refuse) when jobs are enqueued; each attempt's record of what was
 * enforced while decoding and what was only checked afterwards; a schema the server refuses
 * dead-letters at once (no retries spent); and `jobs failures` counting which fields fail, how often,
 * on which model.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { readFailureLedger, type FieldFailures, type GroupFailures } from '../src/read-models/failure-ledger.ts';
import type { SchemaWarning } from '../src/schema-checks/schema-warnings.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const tagsSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    score: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['name', 'tags', 'score'],
  additionalProperties: false,
};
/** llama.cpp's converter refuses a pattern not anchored ^…$ (Ollama: 500, llama-server: 400). */
const unanchoredSchema = { type: 'object', properties: { code: { type: 'string', pattern: '[A-Z]{3}' } }, required: ['code'], additionalProperties: false };

function writeInterrogations(directory: string): void {
  fs.mkdirSync(directory, { recursive: true });
  const common = { promptTemplate: 'Describe {{input.name}} from the evidence: {{#bundle.items}}{{text}} {{/bundle.items}}' };
  fs.writeFileSync(path.join(directory, 'tags.json'), JSON.stringify({ key: 'tags_v1', title: 'Tags', outputSchema: tagsSchema, ...common }));
  fs.writeFileSync(path.join(directory, 'codes.json'), JSON.stringify({ key: 'codes_v1', title: 'Codes', outputSchema: unanchoredSchema, ...common }));
}

function job(interrogation: string, model: string, name: string, extra: Record<string, unknown> = {}) {
  return { interrogation, model, input: { name }, evidence: [`${name} is a thing with a score of 0.5.`], ...extra };
}

for (const dialect of dialects) {
  describe(`schema capability checks and the failure ledger (${dialect})`, () => {
    let test: TestDatabase;
    let root: string;
    /** Ollama that breaks every schema (llama3.2). */
    let faulty: RunningSimulator;
    /** llama-server that answers well (qwen2.5:7b). */
    let clean: RunningSimulator;
    /** vLLM that cuts every answer off (phi3:mini). */
    let cutting: RunningSimulator;
    let holocron: Holocron;

    before(async () => {
      test = await createTestDatabase(dialect);
      root = makeTempDirectory('failures');
      writeInterrogations(path.join(root, 'interrogations'));
      [faulty, clean, cutting] = await Promise.all([
        startSimulator({ models: ['llama3.2:latest'], faults: { schemaViolation: 1 } }),
        startSimulator({ protocol: 'openai', flavor: 'llama-server', models: ['qwen2.5:7b'] }),
        startSimulator({ protocol: 'openai', flavor: 'vllm', models: ['phi3:mini'], faults: { truncated: 1 } }),
      ]);
      holocron = await openHolocron(
        testConfig({
          'database.url': test.url,
          'lake.root': path.join(root, 'lake'),
          'interrogations.directory': path.join(root, 'interrogations'),
          'backends.endpoints': [
            { id: 'ollama-1', kind: 'ollama', baseUrl: faulty.url, models: ['llama3.2'] },
            { id: 'llama-1', kind: 'openai', baseUrl: `${clean.url}/v1`, server: 'llama-server', models: ['qwen2.5:7b'] },
            { id: 'vllm-1', kind: 'openai', baseUrl: `${cutting.url}/v1`, server: 'vllm', models: ['phi3:mini'] },
          ],
          'worker.pollSeconds': 0.05,
          'retry.baseDelaySeconds': 0.01,
          'retry.maxDelaySeconds': 0.02,
        }),
      );
    });
    after(async () => {
      await holocron?.close();
      await Promise.all([faulty?.close(), clean?.close(), cutting?.close()]);
      await test?.destroy();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('warns, per endpoint that may serve the jobs, of keywords it will not enforce and of a schema it will refuse', async () => {
      const tags = holocron.schemaWarnings({ interrogations: ['tags_v1'], model: 'llama3.2' });
      assert.deepEqual(new Set(tags.map((warning) => warning.endpointId)), new Set(['ollama-1']), 'only the endpoint that serves llama3.2');
      assert.deepEqual(
        tags.map((warning) => [warning.keyword, warning.schemaPath, warning.status]).sort(),
        [
          ['maximum', '/properties/score/maximum', 'checked_after'],
          ['minimum', '/properties/score/minimum', 'checked_after'],
          ['uniqueItems', '/properties/tags/uniqueItems', 'checked_after'],
        ],
      );
      const codes = holocron.schemaWarnings({ interrogations: ['codes_v1'], model: 'qwen2.5:7b' });
      assert.equal(codes.length, 1);
      assert.equal(codes[0]!.status, 'refused');
      assert.equal(codes[0]!.server, 'llama-server');
      assert.match(codes[0]!.message, /not anchored/);
      // vLLM enforces patterns and uniqueItems-free schemas: nothing to say about codes_v1 there.
      assert.deepEqual(holocron.schemaWarnings({ interrogations: ['codes_v1'], model: 'phi3:mini' }), []);

      let reported: SchemaWarning[] = [];
      await holocron.enqueue([job('tags_v1', 'qwen2.5:7b', 'probe', { dedupe_key: 'warn-probe', delay_seconds: 3600 })], { onSchemaWarnings: (warnings) => (reported = warnings) });
      assert.deepEqual(reported.map((warning) => warning.keyword).sort(), ['maximum', 'minimum', 'uniqueItems']);
      assert.ok(reported.every((warning) => warning.endpointId === 'llama-1'));
    });

    it('dead-letters at once a job whose schema the server refuses, naming the cause, on Ollama and llama-server', async () => {
      const enqueued = await holocron.enqueue([
        job('codes_v1', 'llama3.2', 'refused-ollama', { max_attempts: 3 }),
        job('codes_v1', 'qwen2.5:7b', 'refused-llama', { max_attempts: 3 }),
      ]);
      await holocron.createWorker({ mode: 'drain' }).run();
      for (const { id } of enqueued) {
        const row = await holocron.database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(row.status, 'DEADLETTER');
        assert.equal(row.attempt_count, 1, 'no retry spent on a schema the server refuses');
        assert.equal(row.last_error_code, 'schema_refused');
        assert.match(row.last_error!, /refused the output schema/);
        const run = await holocron.database.db.selectFrom('runs').selectAll().where('job_id', '=', id).executeTakeFirstOrThrow();
        const metrics = JSON.parse(run.metrics!) as { schemaEnforcement: { refused: string[] } };
        assert.deepEqual(metrics.schemaEnforcement.refused, ['pattern']);
      }
    });

    it('keeps every answer\'s problems in the ledger, and `jobs failures` says which fields fail on which model', async () => {
      const before = await holocron.database.db.selectFrom('runs').select('id').execute();
      await holocron.enqueue([
        ...['a', 'b', 'c'].map((name) => job('tags_v1', 'llama3.2', `bad-${name}`, { max_attempts: 2 })),
        ...['a', 'b', 'c'].map((name) => job('tags_v1', 'qwen2.5:7b', `good-${name}`)),
        job('tags_v1', 'phi3:mini', 'cut', { max_attempts: 1 }),
      ]);
      const summary = await holocron.createWorker({ mode: 'drain' }).run();
      assert.equal(summary.succeeded, 3);
      const seen = new Set(before.map((run) => run.id));
      const runs = (await holocron.database.db.selectFrom('runs').innerJoin('jobs', 'jobs.id', 'runs.job_id').select(['runs.id', 'runs.status', 'runs.error_code', 'runs.model_name', 'runs.metrics', 'runs.lake_dir', 'runs.completion_tokens', 'jobs.interrogation_key']).execute()).filter(
        (run) => !seen.has(run.id) && run.interrogation_key === 'tags_v1',
      );
      assert.equal(runs.length, 3 * 2 + 3 + 1);

      // What each attempt kept: the raw answer, its tokens, and (failed) its problems in error.json and the metrics.
      const expectedByField = new Map<string, number>();
      for (const run of runs) {
        const folder = path.join(root, 'lake', run.lake_dir!);
        assert.ok(fs.readFileSync(path.join(folder, 'raw.txt'), 'utf8').length > 0, 'raw answer kept');
        assert.ok(run.completion_tokens! > 0, 'tokens kept');
        const metrics = JSON.parse(run.metrics!) as { outputFailures?: { field: string; kind: string }[]; schemaEnforcement: { server: string; enforced: string[]; checkedAfter: string[] } };
        if (run.status === 'SUCCEEDED') {
          assert.equal(metrics.outputFailures, undefined);
          assert.equal(metrics.schemaEnforcement.server, 'llama-server');
          assert.ok(metrics.schemaEnforcement.enforced.includes('required') && metrics.schemaEnforcement.enforced.includes('minItems'));
          assert.deepEqual(metrics.schemaEnforcement.checkedAfter, ['maximum', 'minimum', 'uniqueItems']);
          continue;
        }
        assert.ok(['invalid_output', 'truncated'].includes(run.error_code!), run.error_code!);
        assert.ok(fs.existsSync(path.join(folder, 'error.json')));
        assert.ok(metrics.outputFailures!.length >= 1);
        for (const failure of metrics.outputFailures!) {
          const key = `${failure.kind} ${failure.field}`;
          expectedByField.set(key, (expectedByField.get(key) ?? 0) + 1);
        }
      }
      assert.equal(runs.find((run) => run.model_name === 'phi3:mini')!.error_code, 'truncated');

      const byField = await readFailureLedger(holocron.database, 'field', { interrogation: 'tags_v1' });
      assert.equal(byField.by, 'field');
      const fieldRows = byField.rows as FieldFailures[];
      assert.deepEqual(
        new Map(fieldRows.map((row) => [`${row.kind} ${row.field}`, row.failures])),
        expectedByField,
        'the ledger counts every problem the attempts recorded, by field',
      );
      const truncated = fieldRows.find((row) => row.kind === 'truncated')!;
      assert.deepEqual(truncated.models.map((model) => [model.model, model.failedAttempts, model.checkedAttempts]), [['phi3:mini', 1, 1]]);
      assert.equal(truncated.field, '/');
      const schemaRows = fieldRows.filter((row) => row.kind === 'schema');
      assert.ok(schemaRows.length > 0);
      for (const row of schemaRows) {
        assert.match(row.field, /^\/(name|tags|score|[^/]+)(\/\*)?$/, row.field);
        assert.ok(row.keywords.length > 0);
        assert.ok(row.models.every((model) => model.model === 'llama3.2:latest'), 'only the faulty model breaks the schema');
        assert.equal(row.checkedAttempts, 10, 'every checked attempt of tags_v1');
        assert.equal(row.rate, Math.round((row.failedAttempts / 10) * 10_000) / 10_000);
      }

      const byModel = (await readFailureLedger(holocron.database, 'model', { interrogation: 'tags_v1' })).rows as GroupFailures[];
      const model = (name: string) => byModel.find((row) => row.key === name)!;
      assert.deepEqual([model('llama3.2:latest').failedAttempts, model('llama3.2:latest').checkedAttempts, model('llama3.2:latest').rate], [6, 6, 1]);
      assert.deepEqual([model('qwen2.5:7b').failedAttempts, model('qwen2.5:7b').checkedAttempts, model('qwen2.5:7b').rate, model('qwen2.5:7b').failures], [0, 3, 0, 0]);
      assert.deepEqual([model('phi3:mini').failedAttempts, model('phi3:mini').checkedAttempts], [1, 1]);
      assert.equal(byModel[0]!.rate, 1, 'worst first');

      const byInterrogation = (await readFailureLedger(holocron.database, 'interrogation')).rows as GroupFailures[];
      const tags = byInterrogation.find((row) => row.key === 'tags_v1')!;
      assert.deepEqual([tags.failedAttempts, tags.checkedAttempts], [7, 10]);
      assert.equal(tags.failures, [...expectedByField.values()].reduce((sum, count) => sum + count, 0));
      assert.ok(tags.topFields.length > 0 && tags.topFields.length <= 3);
    });

    if (dialect === 'sqlite') {
      it('holocron jobs failures and holocron enqueue print them (the CLI)', async () => {
        const base = ['--db', test.url, '--lake-root', path.join(root, 'lake'), '--interrogations', path.join(root, 'interrogations')];
        const [table, enqueued] = await Promise.all([
          runCli([...base, 'jobs', 'failures', '--by', 'model', '-i', 'tags_v1']),
          runCli([...base, 'enqueue', '-i', 'codes_v1', '--input', '{"name":"x"}', '--evidence', 'x', '--delay-seconds', '3600', '--backend', 'openai', '--base-url', `${clean.url}/v1`, '--openai-server', 'llama-server']),
        ]);
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout, /^model\s+failed attempts\s+rate/m);
        assert.match(table.stdout, /llama3\.2:latest\s+6\/6\s+100\.0%/);
        assert.match(table.stdout, /qwen2\.5:7b\s+0\/3\s+0\.0%/);
        assert.equal(enqueued.code, 0, enqueued.stderr);
        assert.match(enqueued.stdout, /^Enqueued job \d+\.$/m);
        assert.match(enqueued.stderr, /warning: codes_v1 on endpoint "default" \(llama-server\): the server will REFUSE the schema: \/properties\/code\/pattern/);
      });
    }
  });
}
