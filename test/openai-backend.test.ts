/**
 * The OpenAI-compatible backend end to end, on real SQLite and PostgreSQL against the simulator's
 * OpenAI side over HTTP: jobs run through `backends.kind: openai` (`--backend openai --base-url …/v1`),
 * their attempts record the usage and llama-server's timings, and the API key (read from
 * HOLOCRON_OPENAI_API_KEY) reaches the server but never the lake, the database or the logs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron } from '../src/holocron.ts';
import { parseRequestRecord } from '../src/pipeline/request-record.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const apiKey = 'sk-holocron-test-4f9a2c';
const evidence = 'Leia Organa was a human female senator from Alderaan.';

function job(entityId: string) {
  return { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: entityId, evidence: [evidence] };
}

/** Every file under a folder, as text. */
function readTree(root: string): string {
  if (!fs.existsSync(root)) return '';
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

for (const dialect of dialects) {
  describe(`OpenAI-compatible backend end to end (${dialect})`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    let simulator: RunningSimulator;

    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('lake');
      simulator = await startSimulator({ protocol: 'openai', flavor: 'llama-server', latencyMs: 2 });
    });
    after(async () => {
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    it('runs jobs through --backend openai, records usage and timings, and keeps the API key out of the lake and the database', async () => {
      const previous = process.env.HOLOCRON_OPENAI_API_KEY;
      process.env.HOLOCRON_OPENAI_API_KEY = apiKey;
      const config = testConfig({
        'database.url': test.url,
        'lake.root': lakeRoot,
        'backends.kind': 'openai',
        'backends.baseUrl': `${simulator.url}/v1`,
        'worker.pollSeconds': 0.05,
      });
      const holocron = await openHolocron(config);
      try {
        await holocron.enqueue([job('leia_a'), job('leia_b')]);
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 2);
        const runs = await holocron.database.db.selectFrom('runs').selectAll().orderBy('started_at').execute();
        assert.equal(runs.length, 2);
        for (const run of runs) {
          assert.equal(run.provider, 'openai');
          assert.equal(run.endpoint_id, 'default');
          assert.equal(run.base_url, `${simulator.url}/v1`);
          assert.ok(run.prompt_tokens! > 0 && run.completion_tokens! > 0);
          const metrics = JSON.parse(run.metrics!) as Record<string, unknown>;
          assert.equal(metrics.finishReason, 'stop');
          const serverTimings = metrics.serverTimings as Record<string, number>;
          assert.equal(serverTimings.predicted_n, run.completion_tokens);
          assert.ok(serverTimings.predicted_ms > 0);
          const record = parseRequestRecord(fs.readFileSync(path.join(lakeRoot, run.lake_dir!, 'request.json'), 'utf8'));
          assert.equal(record.wire?.url, `${simulator.url}/v1/chat/completions`);
          assert.equal(record.wire?.headers.authorization, '[redacted]');
          const body = record.wire?.body as { response_format: { type: string; json_schema: { name: string; strict: boolean } } };
          assert.equal(body.response_format.type, 'json_schema');
          assert.equal(body.response_format.json_schema.name, 'output');
        }
        assert.equal(simulator.stats().chatsAnswered, 2);
        const everything = readTree(lakeRoot) + JSON.stringify(await holocron.database.db.selectFrom('runs').selectAll().execute());
        assert.ok(everything.length > 1000);
        assert.ok(!everything.includes(apiKey), 'the API key is nowhere in the lake or the runs');
      } finally {
        if (previous === undefined) delete process.env.HOLOCRON_OPENAI_API_KEY;
        else process.env.HOLOCRON_OPENAI_API_KEY = previous;
        await holocron.close();
      }
    });
  });
}

describe('holocron work --backend openai (the CLI)', () => {
  let directory: string;
  let simulator: RunningSimulator;
  let authorization: string | undefined;
  let upstream: import('node:http').Server;
  let upstreamUrl: string;

  before(async () => {
    directory = makeTempDirectory('oai-cli');
    simulator = await startSimulator({ protocol: 'openai', flavor: 'vllm', latencyMs: 1 });
    // A recording pass-through in front of the simulator: it sees the Authorization header the CLI sends.
    const http = await import('node:http');
    upstream = http.createServer((request, response) => {
      if (request.url?.endsWith('/chat/completions')) authorization = request.headers.authorization;
      const forward = http.request(`${simulator.url}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forward);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as import('node:net').AddressInfo).port}`;
  });
  after(async () => {
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    await simulator?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('sends the key from HOLOCRON_OPENAI_API_KEY and never prints or stores it, even with --verbose', async () => {
    const base = ['--db', path.join(directory, 'h.sqlite'), '--lake-root', path.join(directory, 'lake')];
    const enqueued = await runCli([...base, 'enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'character', '--entity-id', 'leia', '--evidence', evidence, '--model', 'llama3.2:latest'], { cwd: directory });
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const worked = await runCli(
      [...base, 'work', '--drain', '--backend', 'openai', '--base-url', `${upstreamUrl}/v1`, '--openai-server', 'vllm', '--verbose', '--json'],
      { cwd: directory, env: { HOLOCRON_OPENAI_API_KEY: apiKey } },
    );
    assert.equal(worked.code, 0, worked.stderr);
    assert.equal((JSON.parse(worked.stdout.trim().split('\n').at(-1)!) as { succeeded: number }).succeeded, 1);
    assert.equal(authorization, `Bearer ${apiKey}`);
    assert.ok(worked.stderr.length > 0, 'the verbose log was written');
    assert.ok(!worked.stdout.includes(apiKey) && !worked.stderr.includes(apiKey), 'not in the output or the logs');
    assert.ok(!readTree(path.join(directory, 'lake')).includes(apiKey), 'not in the lake');
    const refused = await runCli([...base, 'work', '--drain', '--backend', 'openai'], { cwd: directory });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /needs its server's URL \(--base-url/);
  });
});
