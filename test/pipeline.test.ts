/**
 * The whole pipeline on real SQLite and real PostgreSQL against the simulator over HTTP: every attempt
 * keeps its files in the lake with the hashes SQL records, invalid and truncated answers are retried
 * with the reasons in the next prompt, a missing model dead-letters at once, and with faults on every
 * job still ends SUCCEEDED or DEADLETTER with its error kept.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Holocron } from '../src/holocron.ts';
import { createOllamaProvider } from '../src/providers/ollama/create-ollama-provider.ts';
import { createDefaultRegistry } from '../src/interrogations/interrogation-registry.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { openTestHolocron } from './support/test-holocron.ts';

const evidence = 'Luke Skywalker was a human male Jedi. Born on Tatooine in 19 BBY, he was the son of Anakin Skywalker & Padmé Amidala.';

function job(entityId: string, extra: Record<string, unknown> = {}) {
  return { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: entityId, evidence: [evidence], ...extra };
}

async function drainUntilSettled(holocron: Holocron): Promise<void> {
  for (let round = 0; round < 50; round++) {
    await holocron.createWorker({ mode: 'drain' }).run();
    const stats = await jobStats(holocron.database);
    if (stats.byStatus.NEW + stats.byStatus.RETRY + stats.byStatus.RUNNING === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error('the queue did not settle');
}

for (const dialect of dialects) {
  describe(`pipeline on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    let simulator: RunningSimulator;

    async function open(settings: Record<string, unknown> = {}, url = simulator.url): Promise<Holocron> {
      return openTestHolocron({ databaseUrl: test.url, lakeRoot, llmUrl: url }, settings);
    }

    before(async () => {
      test = await createTestDatabase(dialect);
      lakeRoot = makeTempDirectory('lake');
      simulator = await startSimulator();
    });
    after(async () => {
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(lakeRoot, { recursive: true, force: true });
    });

    it('runs jobs end to end and keeps every file of every attempt, hashed', async () => {
      const holocron = await open({ 'ollama.seed': 42 });
      try {
        const enqueued = await holocron.enqueue(Array.from({ length: 12 }, (_, index) => job(`person_${index}`, { run_label: 'e2e' })));
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 12);
        const output = createDefaultRegistry().validators('sw_entity_facts_v1').output!;
        for (const { id } of enqueued) {
          const details = await getJobDetails(holocron.database, id);
          assert.equal(details.job.status, 'SUCCEEDED');
          assert.equal(details.runs.length, 1);
          const [run] = details.runs;
          assert.equal(run!.status, 'SUCCEEDED');
          assert.equal(run!.model_name, 'llama3.2:latest');
          assert.match(run!.model_digest ?? '', /^[0-9a-f]{64}$/);
          assert.ok((run!.prompt_tokens ?? 0) > 0 && (run!.completion_tokens ?? 0) > 0);
          const types = run!.artifacts.map((artifact) => artifact.artifact_type).sort();
          assert.deepEqual(types, ['evidence', 'metadata', 'output', 'prompt', 'raw', 'request', 'response', 'response_stream']);
          for (const artifact of run!.artifacts) {
            const bytes = fs.readFileSync(path.join(lakeRoot, artifact.lake_path));
            assert.equal(createHash('sha256').update(bytes).digest('hex'), artifact.sha256, artifact.lake_path);
            assert.equal(bytes.byteLength, Number(artifact.bytes));
          }
          const outputFile = run!.artifacts.find((artifact) => artifact.artifact_type === 'output')!;
          assert.ok(output.validate(fs.readFileSync(path.join(lakeRoot, outputFile.lake_path), 'utf8')).ok);
          // The same validated output is in SQL, equal to the lake's hashed audit copy.
          assert.deepEqual(JSON.parse(run!.output!), JSON.parse(fs.readFileSync(path.join(lakeRoot, outputFile.lake_path), 'utf8')));
          assert.match(outputFile.lake_path, new RegExp(`^llm_runs/\\d{4}/\\d{2}/\\d{2}/${run!.id}/output\\.json$`));
          const prompt = fs.readFileSync(path.join(lakeRoot, run!.lake_dir!, 'prompt.txt'), 'utf8');
          assert.ok(prompt.includes('Anakin Skywalker & Padmé Amidala'), 'evidence reaches the prompt unescaped');
          const request = JSON.parse(fs.readFileSync(path.join(lakeRoot, run!.lake_dir!, 'request.json'), 'utf8'));
          assert.equal(request.wire.body.options.temperature, 0);
          assert.equal(request.wire.body.options.seed, 42, 'the configured seed is sent');
          assert.equal(request.wire.body.keep_alive, '5m', 'the configured keep-alive is an Ollama setting of the endpoint');
          assert.deepEqual(request.endpoint, { endpointId: 'default', provider: 'ollama', baseUrl: simulator.url });
          assert.equal(run!.endpoint_id, 'default');
          assert.equal(run!.provider, 'ollama');
          assert.equal(run!.base_url, simulator.url);
          const metrics = JSON.parse(run!.metrics!);
          assert.equal(typeof metrics.model.details.family, 'string', 'model details from /api/show are kept');
          assert.ok(metrics.totalDurationMs > 0 && metrics.evalDurationMs > 0, 'server timings in milliseconds');
          assert.equal(typeof request.wire.body.format, 'object');
        }
        assert.equal(fs.readdirSync(lakeRoot, { recursive: true }).filter((name) => String(name).includes('.incoming-')).length, 0);
      } finally {
        await holocron.close();
      }
    });

    it('never writes a secret header to the lake', async () => {
      const holocron = await open();
      try {
        const provider = createOllamaProvider({ baseUrl: simulator.url, headers: { Authorization: 'Bearer sk-very-secret-token' } });
        const [enqueued] = await holocron.enqueue([job('secret_keeper')]);
        await holocron.createWorker({ mode: 'drain', provider }).run();
        const details = await getJobDetails(holocron.database, enqueued!.id);
        for (const artifact of details.runs[0]!.artifacts) {
          assert.ok(!fs.readFileSync(path.join(lakeRoot, artifact.lake_path), 'utf8').includes('sk-very-secret-token'));
        }
        const request = JSON.parse(fs.readFileSync(path.join(lakeRoot, details.runs[0]!.lake_dir!, 'request.json'), 'utf8'));
        assert.equal(request.wire.headers.authorization ?? request.wire.headers.Authorization, '[redacted]');
      } finally {
        await holocron.close();
      }
    });

    it('retries an invalid answer and tells the model what was wrong with it', async () => {
      const faulty = await startSimulator({ faults: { schemaViolation: 1 } });
      const holocron = await open({}, faulty.url);
      try {
        const [enqueued] = await holocron.enqueue([job('bad_answers', { max_attempts: 2 })]);
        await drainUntilSettled(holocron);
        const details = await getJobDetails(holocron.database, enqueued!.id);
        assert.equal(details.job.status, 'DEADLETTER');
        assert.equal(details.job.last_error_code, 'invalid_output');
        assert.deepEqual(details.runs.map((run) => run.status), ['FAILED', 'FAILED']);
        const firstError = details.runs[0]!.error!;
        assert.match(firstError, /does not match the output schema/);
        const retryPrompt = fs.readFileSync(path.join(lakeRoot, details.runs[1]!.lake_dir!, 'prompt.txt'), 'utf8');
        const firstPrompt = fs.readFileSync(path.join(lakeRoot, details.runs[0]!.lake_dir!, 'prompt.txt'), 'utf8');
        const reason = firstError.split('\n')[1]!.replace(/^- /, '');
        assert.ok(retryPrompt.includes(reason), `the retry prompt quotes "${reason}"`);
        assert.ok(!firstPrompt.includes(reason));
        assert.ok(details.runs.every((run) => run.artifacts.some((artifact) => artifact.artifact_type === 'error')));
      } finally {
        await holocron.close();
        await faulty.close();
      }
    });

    it('treats done_reason "length" as a truncation, not a success or a parse error', async () => {
      const faulty = await startSimulator({ faults: { truncated: 1 } });
      const holocron = await open({}, faulty.url);
      try {
        const [enqueued] = await holocron.enqueue([job('cut_off', { max_attempts: 1 })]);
        await drainUntilSettled(holocron);
        const details = await getJobDetails(holocron.database, enqueued!.id);
        assert.equal(details.job.status, 'DEADLETTER');
        assert.equal(details.job.last_error_code, 'truncated');
        assert.match(details.job.last_error!, /cut off at the output limit/);
      } finally {
        await holocron.close();
        await faulty.close();
      }
    });

    it('dead-letters a job for a model the server does not have at once, keeping the message', async () => {
      const holocron = await open();
      try {
        const [enqueued] = await holocron.enqueue([job('no_model', { model: 'llama9000:70b', max_attempts: 5 })]);
        await drainUntilSettled(holocron);
        const details = await getJobDetails(holocron.database, enqueued!.id);
        assert.equal(details.job.status, 'DEADLETTER');
        assert.equal(details.job.attempt_count, 1, 'no retries burnt');
        assert.equal(details.job.last_error_code, 'model_not_found');
        assert.match(details.job.last_error!, new RegExp(`^Ollama endpoint "default" at ${simulator.url}: model "llama9000:70b" not found`));
      } finally {
        await holocron.close();
      }
    });

    it('with faults on, every job ends SUCCEEDED or DEADLETTER with its error kept, none RUNNING', async () => {
      const faulty = await startSimulator({
        faultSeed: dialect === 'sqlite' ? 11 : 12,
        faults: { serverError: 0.1, dropConnection: 0.08, invalidJson: 0.1, schemaViolation: 0.1, truncated: 0.08, streamError: 0.08, modelNotFound: 0.03 },
      });
      const holocron = await open({ 'worker.concurrency': 8 }, faulty.url);
      try {
        await holocron.enqueue(Array.from({ length: 150 }, (_, index) => job(`faulty_${index}`, { run_label: 'faults' })));
        await drainUntilSettled(holocron);
        const stats = await jobStats(holocron.database, { runLabel: 'faults' });
        assert.equal(stats.byStatus.SUCCEEDED + stats.byStatus.DEADLETTER, 150);
        assert.equal(stats.byStatus.RUNNING + stats.byStatus.NEW + stats.byStatus.RETRY, 0);
        assert.ok(stats.byStatus.SUCCEEDED > 100, `most succeed after retries (${stats.byStatus.SUCCEEDED})`);
        assert.ok(stats.attempts.failed > 30, `faults happened (${stats.attempts.failed} failed attempts)`);
        const jobs = await holocron.database.db.selectFrom('jobs').selectAll().where('run_label', '=', 'faults').execute();
        for (const row of jobs) {
          if (row.status === 'DEADLETTER') assert.ok(row.last_error && row.last_error_code, `job ${row.id} keeps its error`);
          const successes = await holocron.database.db
            .selectFrom('runs')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('job_id', '=', row.id)
            .where('status', '=', 'SUCCEEDED')
            .executeTakeFirstOrThrow();
          assert.equal(Number(successes.count), row.status === 'SUCCEEDED' ? 1 : 0);
        }
      } finally {
        await holocron.close();
        await faulty.close();
      }
    });

    it('refuses bad jobs at the door and enqueues nothing', async () => {
      const evidenceRoot = makeTempDirectory('evidence');
      fs.writeFileSync(path.join(evidenceRoot, 'ok.txt'), 'Tatooine has two suns.');
      fs.writeFileSync(path.join(path.dirname(evidenceRoot), 'outside.txt'), 'secret');
      const holocron = await open({ 'evidence.root': evidenceRoot });
      try {
        const before = (await jobStats(holocron.database)).total;
        await assert.rejects(holocron.enqueue([job('fine'), { ...job('x'), interrogation: 'nope_v1' }]), /job 2: interrogation: unknown interrogation "nope_v1"; known: .*sw_entity_facts_v1/);
        await assert.rejects(holocron.enqueue([job('Not Valid!')]), /job 1: input: does not meet the sw_entity_facts_v1 input contract: \/entity_id/);
        await assert.rejects(holocron.enqueue([job('a', { evidence_files: ['../outside.txt'] })]), /outside/);
        await assert.rejects(holocron.enqueue([job('a', { evidence_files: ['missing.txt'] })]), /missing\.txt/);
        await assert.rejects(holocron.enqueue([job('a', { priority: 'high' })]), /priority/);
        assert.equal((await jobStats(holocron.database)).total, before);
        const [withFile] = await holocron.enqueue([job('tatooine_file', { entity_type: 'planet', evidence: undefined, evidence_files: ['ok.txt'] })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const details = await getJobDetails(holocron.database, withFile!.id);
        assert.equal(details.job.status, 'SUCCEEDED');
        const bundle = JSON.parse(fs.readFileSync(path.join(lakeRoot, details.runs[0]!.lake_dir!, 'evidence.json'), 'utf8'));
        assert.equal(bundle.items[0].text, 'Tatooine has two suns.');
        assert.equal(bundle.items[0].kind, 'file');
      } finally {
        await holocron.close();
        fs.rmSync(evidenceRoot, { recursive: true, force: true });
      }
    });
  });
}
