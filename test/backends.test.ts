/**
 * Backends by configuration, on real SQLite and real PostgreSQL against simulators over HTTP: one
 * provider per endpoint per process, shared by every worker and closed by `close()`; each attempt
 * records the endpoint that actually served it; a model missing on one endpoint sends the job to the
 * next, and dead-letters it at once only when no endpoint has it; `request.json` has one shape whether
 * the call succeeded, failed, or never went out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { parseRequestRecord } from '../src/pipeline/request-record.ts';
import type { LlmProviderV2 } from '../src/providers/llm-provider.ts';
import { createOllamaProvider } from '../src/providers/ollama/create-ollama-provider.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const evidence = 'Leia Organa was a human female senator from Alderaan.';

function job(entityId: string, extra: Record<string, unknown> = {}) {
  return { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: entityId, evidence: [evidence], ...extra };
}

/** A TCP pass-through in front of a server, counting the connections clients open and close. */
async function startCountingProxy(target: string): Promise<{ url: string; opened: number; closed: number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const counts = { opened: 0, closed: 0 };
  const server = net.createServer((client) => {
    counts.opened++;
    sockets.add(client);
    const upstream = net.connect(Number(port), hostname);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', () => {
      counts.closed++;
      sockets.delete(client);
      upstream.destroy();
    });
    client.on('error', end);
    upstream.on('error', end);
    upstream.once('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get opened() {
      return counts.opened;
    },
    get closed() {
      return counts.closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

for (const dialect of dialects) {
  describe(`backends on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    /** Has llama3.2 (the interrogation's model) and qwen2.5:7b. */
    let full: RunningSimulator;
    /** Has only other:1b. */
    let small: RunningSimulator;

    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('lake');
      full = await startSimulator({ latencyMs: 1 });
      small = await startSimulator({ latencyMs: 1, models: ['other:1b'] });
    });
    after(async () => {
      await full?.close();
      await small?.close();
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    function open(endpoints: unknown[], settings: Record<string, unknown> = {}): Promise<Holocron> {
      return openHolocron(
        testConfig({
          'database.url': test.url,
          'lake.root': lakeRoot,
          'backends.endpoints': endpoints,
          'worker.pollSeconds': 0.05,
          'retry.baseDelaySeconds': 0.01,
          'retry.maxDelaySeconds': 0.05,
          ...settings,
        }),
      );
    }

    function readLake(lakeDir: string, name: string): string {
      return fs.readFileSync(path.join(lakeRoot, lakeDir, name), 'utf8');
    }

    it('builds one provider per endpoint, shared by every worker, and close() closes its connections', async () => {
      const proxy = await startCountingProxy(full.url);
      const tagsBefore = full.stats().requestsByPath['/api/tags'] ?? 0;
      const holocron = await open([{ id: 'gpu-1', kind: 'ollama', baseUrl: proxy.url }], { 'worker.concurrency': 1 });
      try {
        try {
          const provider = holocron.providers.get('gpu-1');
          assert.equal(provider.endpointId, 'gpu-1');
          assert.deepEqual(holocron.providers.endpoints, [{ id: 'gpu-1', kind: 'ollama', baseUrl: proxy.url, models: null, maxInFlight: null }]);
          await holocron.enqueue([job('leia_1'), job('leia_2')]);
          assert.equal((await holocron.createWorker({ mode: 'drain' }).run()).succeeded, 2);
          const connections = proxy.opened;
          assert.ok(connections >= 1);
          await holocron.enqueue([job('leia_3')]);
          assert.equal((await holocron.createWorker({ mode: 'drain' }).run()).succeeded, 1);
          assert.equal(holocron.providers.get('gpu-1'), provider, 'the same provider object');
          // The model was looked up once for both workers: they share the provider and its cache.
          assert.equal((full.stats().requestsByPath['/api/tags'] ?? 0) - tagsBefore, 1);
          // The second worker reused the first one's pooled connections (a provider of its own would open new ones).
          assert.equal(proxy.opened, connections);
        } finally {
          await holocron.close();
        }
        // Idle pooled sockets would linger for 4 s; close() closes them at once.
        await waitFor(() => proxy.closed === proxy.opened, 'close() to close the pooled connections');
      } finally {
        await proxy.close();
      }
    });

    it('sends a job to the next endpoint when one lacks its model, and records the endpoint that served it', async () => {
      const holocron = await open([
        { id: 'small', kind: 'ollama', baseUrl: small.url },
        { id: 'full', kind: 'ollama', baseUrl: full.url },
      ]);
      try {
        const enqueued = await holocron.enqueue([job('han_1'), job('han_2'), job('han_3'), job('han_4')]);
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 4);
        let triedSmallFirst = 0;
        for (const { id } of enqueued) {
          const details = await getJobDetails(holocron.database, id);
          assert.equal(details.job.status, 'SUCCEEDED');
          assert.equal(details.runs.length, 1, 'one attempt: the missing model did not cost a retry');
          const [run] = details.runs;
          assert.equal(run!.endpoint_id, 'full');
          assert.equal(run!.base_url, full.url);
          assert.equal(run!.provider, 'ollama');
          assert.match(run!.model_digest ?? '', /^[0-9a-f]{64}$/, 'the digest comes from the endpoint that served it');
          const request = parseRequestRecord(readLake(run!.lake_dir!, 'request.json'));
          assert.equal(request.endpoint?.endpointId, 'full');
          assert.equal(request.wire?.url, `${full.url}/api/chat`);
          const metrics = JSON.parse(run!.metrics!);
          if (metrics.endpointsWithoutModel) {
            assert.deepEqual(metrics.endpointsWithoutModel, ['small']);
            triedSmallFirst++;
          }
        }
        // The endpoints take turns being tried first: some jobs went to "small" first, some did not.
        assert.ok(triedSmallFirst > 0 && triedSmallFirst < 4, `${triedSmallFirst} of 4 tried "small" first`);
      } finally {
        await holocron.close();
      }
    });

    it('dead-letters at once a job whose model no endpoint has, naming every endpoint', async () => {
      const holocron = await open([
        { id: 'small', kind: 'ollama', baseUrl: small.url },
        { id: 'full', kind: 'ollama', baseUrl: full.url },
      ]);
      try {
        const [enqueued] = await holocron.enqueue([job('nobody', { model: 'llama9000:70b', max_attempts: 5 })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const details = await getJobDetails(holocron.database, enqueued!.id);
        assert.equal(details.job.status, 'DEADLETTER');
        assert.equal(details.job.attempt_count, 1, 'no retries burnt');
        assert.equal(details.job.last_error_code, 'model_not_found');
        assert.match(details.job.last_error!, /model "llama9000:70b" is on none of the endpoints/);
        assert.match(details.job.last_error!, /endpoint "small" at .*not found.*endpoint "full" at .*not found|endpoint "full" at .*not found.*endpoint "small" at .*not found/);
      } finally {
        await holocron.close();
      }
    });

    it('routes a job only to the endpoints that list its model', async () => {
      const holocron = await open([
        { id: 'small', kind: 'ollama', baseUrl: small.url, models: ['other:1b'], maxInFlight: 2 },
        { id: 'full', kind: 'ollama', baseUrl: full.url, models: ['llama3.2', 'qwen2.5:7b'] },
      ]);
      try {
        assert.deepEqual(holocron.providers.endpoints.map((endpoint) => [endpoint.id, endpoint.maxInFlight]), [['small', 2], ['full', null]]);
        const [onSmall, onFull, nowhere] = await holocron.enqueue([
          job('on_small', { model: 'other:1b' }),
          job('on_full'),
          job('nowhere', { model: 'mistral' }),
        ]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const small1 = await getJobDetails(holocron.database, onSmall!.id);
        assert.equal(small1.job.status, 'SUCCEEDED');
        assert.equal(small1.runs[0]!.base_url, small.url);
        assert.equal(small1.runs[0]!.endpoint_id, 'small');
        const full1 = await getJobDetails(holocron.database, onFull!.id);
        assert.equal(full1.job.status, 'SUCCEEDED');
        assert.equal(full1.runs[0]!.base_url, full.url);
        assert.equal(full1.runs[0]!.endpoint_id, 'full');
        assert.equal(JSON.parse(full1.runs[0]!.metrics!).endpointsWithoutModel, undefined, 'no endpoint was asked in vain');
        const none = await getJobDetails(holocron.database, nowhere!.id);
        assert.equal(none.job.status, 'DEADLETTER');
        assert.equal(none.job.attempt_count, 1);
        assert.equal(none.runs[0]!.endpoint_id, null, 'no endpoint was asked');
        assert.match(none.job.last_error!, /no endpoint is configured to serve model "mistral"; endpoints and their models: "small" \(other:1b\), "full" \(llama3.2, qwen2.5:7b\)/);
        const request = parseRequestRecord(readLake(none.runs[0]!.lake_dir!, 'request.json'));
        assert.equal(request.endpoint, null);
        assert.equal(request.wire, null);
        assert.equal(request.request.model, 'mistral');
      } finally {
        await holocron.close();
      }
    });

    it('sends each endpoint its own Ollama settings, and the ollama section\'s where it sets none', async () => {
      const holocron = await open(
        [
          { id: 'tuned', kind: 'ollama', baseUrl: full.url, models: ['qwen2.5:7b'], keepAlive: '1h', numCtx: 4096, stream: false },
          { id: 'plain', kind: 'ollama', baseUrl: full.url, models: ['llama3.2'] },
        ],
        { 'ollama.keepAlive': '7m', 'ollama.numPredict': 300 },
      );
      try {
        const [tuned, plain] = await holocron.enqueue([job('tuned', { model: 'qwen2.5:7b' }), job('plain')]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const wireOf = async (id: number) => {
          const run = (await getJobDetails(holocron.database, id)).runs[0]!;
          return parseRequestRecord(readLake(run.lake_dir!, 'request.json')).wire!.body as Record<string, any>;
        };
        const tunedBody = await wireOf(tuned!.id);
        assert.equal(tunedBody.keep_alive, '1h');
        assert.equal(tunedBody.options.num_ctx, 4096);
        assert.equal(tunedBody.options.num_predict, 300, 'OLLAMA_NUM_PREDICT is the neutral maxOutputTokens');
        assert.equal(tunedBody.stream, false);
        const plainBody = await wireOf(plain!.id);
        assert.equal(plainBody.keep_alive, '7m');
        assert.equal('num_ctx' in plainBody.options, false);
        assert.equal(plainBody.stream, true);
      } finally {
        await holocron.close();
      }
    });

    it('records the endpoint the call reports, not the provider object it was asked of (a pool must not blur the audit)', async () => {
      const inner = createOllamaProvider({ endpointId: 'inner-1', baseUrl: full.url });
      // A stand-in for a pool: it answers through another endpoint's provider.
      const pool: LlmProviderV2 = {
        specificationVersion: 'v2',
        provider: 'pool',
        endpointId: 'pool',
        baseUrl: 'http://pool.invalid',
        chat: (request, options) => inner.chat(request, options),
        describeModel: (model, options) => inner.describeModel(model, options),
        close: () => inner.close(),
      };
      const holocron = await open([]);
      try {
        const [served, lacking] = await holocron.enqueue([job('pooled'), job('pooled_lacking', { model: 'llama9000:70b' })]);
        await holocron.createWorker({ mode: 'drain', provider: pool }).run();
        for (const enqueued of [served, lacking]) {
          const run = (await getJobDetails(holocron.database, enqueued!.id)).runs[0]!;
          assert.equal(run.endpoint_id, 'inner-1');
          assert.equal(run.provider, 'ollama');
          assert.equal(run.base_url, full.url);
          assert.equal(parseRequestRecord(readLake(run.lake_dir!, 'request.json')).endpoint?.endpointId, 'inner-1');
        }
      } finally {
        await holocron.close();
        await pool.close();
      }
    });

    it('writes request.json in one shape whether the call succeeded, failed, or never went out', async () => {
      const failing = await startSimulator({ latencyMs: 1, faults: { serverError: 1 }, faultSeed: 3 });
      const good = await open([{ id: 'good', kind: 'ollama', baseUrl: full.url }]);
      const bad = await open([{ id: 'bad', kind: 'ollama', baseUrl: failing.url }]);
      try {
        const [succeeded, lacking] = await good.enqueue([job('shape_ok'), job('shape_lacking', { model: 'llama9000:70b' })]);
        await good.createWorker({ mode: 'drain' }).run();
        const [failed] = await bad.enqueue([job('shape_failed', { max_attempts: 1 })]);
        await bad.createWorker({ mode: 'drain' }).run();

        const records = [];
        for (const [enqueued, status, holocron] of [[succeeded, 'SUCCEEDED', good], [failed, 'DEADLETTER', bad], [lacking, 'DEADLETTER', good]] as const) {
          const details = await getJobDetails(holocron.database, enqueued!.id);
          assert.equal(details.job.status, status);
          const text = readLake(details.runs[0]!.lake_dir!, 'request.json');
          records.push({ raw: JSON.parse(text), record: parseRequestRecord(text) });
        }
        const [ok, serverError, modelMissing] = records;
        for (const { raw } of records) assert.deepEqual(Object.keys(raw).sort(), ['endpoint', 'request', 'version', 'wire']);
        // The call that failed at the server and the one that succeeded: the same wire record, field for field.
        assert.deepEqual(Object.keys(serverError!.raw.wire).sort(), Object.keys(ok!.raw.wire).sort());
        assert.deepEqual(Object.keys(serverError!.raw.wire.body).sort(), Object.keys(ok!.raw.wire.body).sort());
        assert.equal(serverError!.record.wire?.url, `${failing.url}/api/chat`);
        assert.equal(serverError!.record.endpoint?.endpointId, 'bad');
        assert.deepEqual(serverError!.record.request.messages, serverError!.record.wire?.body && (serverError!.record.wire.body as { messages: unknown }).messages);
        assert.equal(ok!.record.endpoint?.endpointId, 'good');
        // The model lookup failed: no chat went out, but the endpoint that said so and the request are kept.
        assert.equal(modelMissing!.record.wire, null);
        assert.equal(modelMissing!.record.endpoint?.endpointId, 'good');
        assert.equal(modelMissing!.record.request.model, 'llama9000:70b');
        const lackingRun = (await getJobDetails(good.database, lacking!.id)).runs[0]!;
        assert.equal(lackingRun.endpoint_id, 'good', 'the endpoint that said it lacks the model');
        assert.match(lackingRun.error!, /^Ollama endpoint "good" at .*: model "llama9000:70b" not found/);
      } finally {
        await good.close();
        await bad.close();
        await failing.close();
      }
    });
  });
}
