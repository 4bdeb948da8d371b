/**
 * The endpoint pool against three simulated servers — two Ollama, one OpenAI-compatible
 * (llama-server) — one of which dies mid-run and comes back: every job still succeeds with one
 * attempt, the dead server gets no call while it is out (counted on the wire, by an injected fetch),
 * it is put back once it answers its probe, jobs go only to endpoints that serve their model, and
 * `jobs stats` has each endpoint's figures. Also: `--endpoint` on the command line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openHolocron } from '../src/holocron.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { endpointOption } from '../src/cli/endpoint-option.ts';
import { createTestDatabase, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';
import { runCli } from './support/cli-process.ts';

const evidence = 'Luke Skywalker was a human male Jedi, born on Tatooine.';

function job(entityId: string, model?: string) {
  return { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: entityId, evidence: [evidence], ...(model ? { model } : {}) };
}

describe('endpoint pool', () => {
  let test: TestDatabase;
  let lakeRoot: string;
  const simulators: RunningSimulator[] = [];

  before(async () => {
    test = await createTestDatabase('sqlite');
    lakeRoot = makeTempDirectory('pool-lake');
  });
  after(async () => {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await test?.destroy();
    fs.rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('three servers, one dies mid-run and comes back: every job succeeds, the dead one gets no call while out, and is put back', async () => {
    const latencyMs = 150;
    const a = await startSimulator({ parallel: 2, latencyMs });
    const b = await startSimulator({ parallel: 2, latencyMs });
    const c = await startSimulator({ parallel: 2, latencyMs, protocol: 'openai', flavor: 'llama-server' });
    simulators.push(a, c);
    const bPort = Number(new URL(b.url).port);
    const chats: { url: string; at: number }[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (/\/(api\/chat|chat\/completions)$/.test(url)) chats.push({ url, at: Date.now() });
      return fetch(input, init);
    };
    const holocron = await openHolocron(
      testConfig({
        'database.url': test.url,
        'lake.root': lakeRoot,
        'worker.concurrency': 12,
        'worker.pollSeconds': 0.05,
        'backends.endpoints': [
          { id: 'a', kind: 'ollama', baseUrl: a.url, models: ['llama3.2', 'qwen2.5:7b'] },
          { id: 'b', kind: 'ollama', baseUrl: b.url, models: ['llama3.2'], maxInFlight: 4 },
          { id: 'c', kind: 'openai', baseUrl: `${c.url}/v1`, server: 'llama-server', models: ['llama3.2'] },
        ],
      }),
      { fetch: countingFetch },
    );
    let killedAt = Number.POSITIVE_INFINITY;
    let restartedAt = Number.POSITIVE_INFINITY;
    let revived: Promise<void> | undefined;
    try {
      await holocron.enqueue([
        ...Array.from({ length: 150 }, (_, index) => job(`llama_${index}`)),
        ...Array.from({ length: 20 }, (_, index) => job(`qwen_${index}`, 'qwen2.5:7b')),
      ]);
      let done = 0;
      const worker = holocron.createWorker({
        mode: 'drain',
        onRecorded: (outcomes) => {
          done += outcomes.filter((outcome) => outcome.kind === 'succeeded').length;
          if (done >= 40 && revived === undefined) {
            // Kill b: it stops listening at once (in-flight answers finish), then comes back on its port.
            killedAt = Date.now();
            const closing = b.close();
            revived = (async () => {
              await new Promise((resolve) => setTimeout(resolve, 1_500));
              await closing;
              simulators.push(await startSimulator({ parallel: 2, latencyMs, port: bPort }));
              restartedAt = Date.now();
            })();
          }
        },
      });
      const summary = await worker.run();
      await revived;
      assert.equal(summary.succeeded, 170);
      assert.equal(summary.failed, 0, 'no job failed for the server that died');
      const jobs = await holocron.database.db.selectFrom('jobs').select(['status', 'attempt_count']).execute();
      assert.ok(jobs.every((row) => row.status === 'SUCCEEDED' && row.attempt_count === 1), 'one attempt each');

      const toB = chats.filter((chat) => chat.url.startsWith(b.url));
      assert.ok(toB.some((chat) => chat.at < killedAt), 'b worked before it died');
      const whileOut = toB.filter((chat) => chat.at > killedAt + 300 && chat.at < restartedAt);
      assert.equal(whileOut.length, 0, `no call to b while it was out (${whileOut.length})`);
      const othersWhileOut = chats.filter((chat) => !chat.url.startsWith(b.url) && chat.at > killedAt + 300 && chat.at < restartedAt);
      assert.ok(othersWhileOut.length > 5, 'the others carried the work meanwhile');
      assert.ok(toB.some((chat) => chat.at > restartedAt), 'b was put back once it answered');
      assert.ok(chats.some((chat) => chat.url.startsWith(c.url)), 'the OpenAI-compatible server got work');

      const runs = await holocron.database.db.selectFrom('runs').innerJoin('jobs', 'jobs.id', 'runs.job_id').select(['runs.endpoint_id', 'runs.status', 'jobs.model_hint']).execute();
      const qwen = runs.filter((run) => run.model_hint === 'qwen2.5:7b' && run.status === 'SUCCEEDED');
      assert.equal(qwen.length, 20);
      assert.ok(qwen.every((run) => run.endpoint_id === 'a'), 'qwen2.5:7b only where it is served');

      const endpointB = summary.endpoints.find((endpoint) => endpoint.endpointId === 'b')!;
      assert.ok(endpointB.timesOut >= 1);
      assert.equal(endpointB.state, 'in');
      assert.equal(endpointB.ceiling, 4, "b's own max in flight is its ceiling");
      assert.ok(endpointB.peakInFlight <= 4);

      const stats = await jobStats(holocron.database);
      assert.deepEqual(stats.byEndpoint.map((endpoint) => endpoint.endpointId), ['a', 'b', 'c']);
      for (const endpoint of stats.byEndpoint) {
        assert.ok(endpoint.succeeded > 0, `${endpoint.endpointId} served calls`);
        assert.ok(endpoint.latencyP50Ms! >= latencyMs * 0.9 && endpoint.latencyP95Ms! >= endpoint.latencyP50Ms!, JSON.stringify(endpoint));
        assert.ok(endpoint.inFlightLimit! >= 1);
      }
      assert.equal(stats.byEndpoint.reduce((total, endpoint) => total + endpoint.succeeded, 0), 170);
    } finally {
      await holocron.close();
    }
  });

  it('the only server restarts: calls wait for it to come back instead of being deferred unsent, and every job succeeds with one attempt', async () => {
    const latencyMs = 100;
    const server = await startSimulator({ parallel: 2, latencyMs });
    const port = Number(new URL(server.url).port);
    const holocron = await openHolocron(
      testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, 'worker.concurrency': 4, 'worker.pollSeconds': 0.05, 'ollama.baseUrl': server.url }),
    );
    let restarted: Promise<void> | undefined;
    try {
      await holocron.database.db.deleteFrom('jobs').execute();
      await holocron.enqueue(Array.from({ length: 30 }, (_, index) => job(`restart_${index}`)));
      let done = 0;
      const summary = await holocron
        .createWorker({
          mode: 'drain',
          onRecorded: (outcomes) => {
            done += outcomes.filter((outcome) => outcome.kind === 'succeeded').length;
            if (done >= 8 && restarted === undefined) {
              const closing = server.close();
              restarted = (async () => {
                await new Promise((resolve) => setTimeout(resolve, 1_500));
                await closing;
                simulators.push(await startSimulator({ parallel: 2, latencyMs, port }));
              })();
            }
          },
        })
        .run();
      await restarted;
      assert.equal(summary.succeeded, 30);
      assert.equal(summary.failed, 0);
      const runs = await holocron.database.db.selectFrom('runs').select(['status', 'error_code']).execute();
      assert.equal(runs.filter((run) => run.error_code === 'endpoints_unavailable').length, 0, 'no call was deferred without being sent');
      assert.ok(summary.endpoints[0]!.timesOut >= 1, 'the server was taken out while it restarted');
      const jobs = await holocron.database.db.selectFrom('jobs').select(['status', 'attempt_count']).execute();
      assert.ok(jobs.every((row) => row.status === 'SUCCEEDED' && row.attempt_count === 1), 'one attempt each');
    } finally {
      await holocron.close();
    }
  });

  it('--endpoint: a URL alone, or key=value pairs; a bad one is refused naming the flag', async () => {
    assert.deepEqual(endpointOption('http://gpu-1:11434', undefined), [{ baseUrl: 'http://gpu-1:11434', id: 'endpoint-1', kind: 'ollama' }]);
    assert.deepEqual(endpointOption('id=llama,kind=openai,url=http://box:8080/v1,models=llama3.2+qwen2.5:7b,max-in-flight=4', [{ id: 'x' }]).at(-1), {
      id: 'llama',
      kind: 'openai',
      baseUrl: 'http://box:8080/v1',
      models: ['llama3.2', 'qwen2.5:7b'],
      maxInFlight: 4,
    });
    assert.throws(() => endpointOption('id=x,colour=blue,url=http://a:1', undefined), /unknown key "colour"/);
    const workspace = makeTempDirectory('pool-cli');
    const simulator = await startSimulator({ latencyMs: 20 });
    simulators.push(simulator);
    try {
      const base = ['--db', `${workspace}/holocron.sqlite`, '--lake-root', `${workspace}/lake`];
      const bad = await runCli([...base, 'config', 'show', '--endpoint', 'id=a,url=localhost:11434']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /flag --endpoint: endpoint "a" \(backends\.endpoints\[0\]\) baseUrl: must be an http:\/\/ or https:\/\/ URL/);
      assert.equal((await runCli([...base, 'enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'character', '--entity-id', 'luke', '--evidence', evidence])).code, 0);
      const worked = await runCli([...base, 'work', '--drain', '--json', '--endpoint', `id=one,url=${simulator.url}`, '--endpoint', `id=two,url=${simulator.url}`]);
      assert.equal(worked.code, 0, worked.stderr);
      const summary = JSON.parse(worked.stdout);
      assert.equal(summary.succeeded, 1);
      assert.deepEqual(summary.endpoints.map((endpoint: { endpointId: string }) => endpoint.endpointId), ['one', 'two']);
      const stats = await runCli([...base, 'jobs', 'stats']);
      assert.match(stats.stdout, /endpoint +calls +succeeded +busy +failed +latency p50 +p95 +in-flight level/);
      assert.match(stats.stdout, /^(one|two) +1 +1 +0 +0 +\d+ ms +\d+ ms +\d+/m);
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
