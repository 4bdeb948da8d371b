/**
 * Issue 10, points 1 and 2 on real SQLite and PostgreSQL against the simulator over HTTP: every attempt
 * records a fingerprint (stable across processes and databases; changed by each determining field, not
 * by the excluded ones) and the definition it used; identical calls are served from the cache with no
 * chat request (the simulator's own count says so), as attempts of their own pointing at their source,
 * with the source's files and sha256s and no second copy in the lake; repeats and sampling calls are not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { swEntityFactsV1 } from '../src/interrogations/sw-entity-facts-v1.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { callFingerprint, isDeterministic, type CallIdentity } from '../src/reproducibility/call-fingerprint.ts';
import { canonicalJson } from '../src/reproducibility/canonical-json.ts';
import { explainCache } from '../src/reproducibility/explain-cache.ts';
import { batchedCacheLookup, findCacheEntries } from '../src/reproducibility/cache-entries.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const base: CallIdentity = {
  backendKind: 'ollama',
  model: 'llama3.2:latest',
  modelDigest: 'a'.repeat(64),
  messages: [
    { role: 'system', content: 'You extract facts.' },
    { role: 'user', content: 'Luke Skywalker was a Jedi.' },
  ],
  schema: { type: 'object', properties: { facts: { type: 'array' } }, required: ['facts'] },
  options: { temperature: 0, seed: 42, maxOutputTokens: 512 },
  providerOptions: { ollama: { numCtx: 8192, keepAlive: '5m' } },
  repeatIndex: 0,
};

describe('call fingerprints', () => {
  const reference = callFingerprint(base).fingerprint;

  it('is sha256 hex of the canonical fields, whatever the key order', () => {
    assert.match(reference, /^[0-9a-f]{64}$/);
    const reordered: CallIdentity = {
      repeatIndex: 0,
      providerOptions: { ollama: { keepAlive: '5m', numCtx: 8192 } },
      options: { maxOutputTokens: 512, seed: 42, temperature: 0 },
      schema: { required: ['facts'], properties: { facts: { type: 'array' } }, type: 'object' },
      messages: base.messages,
      modelDigest: base.modelDigest,
      model: base.model,
      backendKind: 'ollama',
    };
    assert.equal(callFingerprint(reordered).fingerprint, reference);
    assert.equal(canonicalJson({ b: 1, a: [0.5, -0, 1e21, 'x'] }), '{"a":[0.5,0,1e+21,"x"],"b":1}');
  });

  it('changes with every field that determines the answer', () => {
    const changes: [string, Partial<CallIdentity>][] = [
      ['backend kind', { backendKind: 'openai' }],
      ['model', { model: 'qwen2.5:7b' }],
      ['model digest', { modelDigest: 'b'.repeat(64) }],
      ['a message', { messages: [base.messages[0]!, { role: 'user', content: 'Luke Skywalker was a Jedi!' }] }],
      ['a role', { messages: [{ role: 'user', content: 'You extract facts.' }, base.messages[1]!] }],
      ['the schema', { schema: { ...base.schema, required: [] } }],
      ['no schema', { schema: undefined }],
      ['temperature', { options: { ...base.options, temperature: 0.2 } }],
      ['seed', { options: { ...base.options, seed: 43 } }],
      ['max output tokens', { options: { ...base.options, maxOutputTokens: 256 } }],
      ['top_p', { options: { ...base.options, topP: 0.9 } }],
      ['numCtx', { providerOptions: { ollama: { numCtx: 4096, keepAlive: '5m' } } }],
      ['repeat index', { repeatIndex: 1 }],
    ];
    const seen = new Set([reference]);
    for (const [what, change] of changes) {
      const changed = callFingerprint({ ...base, ...change }).fingerprint;
      assert.notEqual(changed, reference, what);
      seen.add(changed);
    }
    assert.equal(seen.size, changes.length + 1, 'every change gives its own fingerprint');
  });

  it('does not change with what does not determine the answer', () => {
    for (const [what, change] of [
      ['keep-alive', { providerOptions: { ollama: { numCtx: 8192, keepAlive: '1h' } } }],
      ['no keep-alive', { providerOptions: { ollama: { numCtx: 8192 } } }],
      ['an undefined option', { options: { ...base.options, topK: undefined } }],
    ] as [string, Partial<CallIdentity>][]) {
      assert.equal(callFingerprint({ ...base, ...change }).fingerprint, reference, what);
    }
  });

  it('is the same in another process', () => {
    const script = `import { callFingerprint } from ${JSON.stringify(path.resolve('src/reproducibility/call-fingerprint.ts'))};
      process.stdout.write(callFingerprint(${JSON.stringify(base)}).fingerprint);`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(other, reference);
  });

  it('calls a call deterministic at temperature 0 or with a seed', () => {
    assert.equal(isDeterministic({ temperature: 0 }), true);
    assert.equal(isDeterministic({ temperature: 0.7, seed: 1 }), true);
    assert.equal(isDeterministic({ temperature: 0.7 }), false);
    assert.equal(isDeterministic({}), false);
  });
});

const evidence = 'Luke Skywalker was a human male Jedi. Born on Tatooine in 19 BBY, he was the son of Anakin Skywalker & Padmé Amidala.';
const job = (entityId: string, extra: Record<string, unknown> = {}) => ({
  interrogation: 'sw_entity_facts_v1',
  entity_type: 'character',
  entity_id: entityId,
  evidence: [evidence],
  ...extra,
});

function chats(simulator: RunningSimulator): number {
  return simulator.stats().requestsByRoute['POST /api/chat'] ?? 0;
}

function lakeFolders(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string, depth: number) => {
    if (!fs.existsSync(directory)) return;
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (depth === 3) found.push(entry.name);
      else walk(path.join(directory, entry.name), depth + 1);
    }
  };
  walk(path.join(root, 'llm_runs'), 0);
  return found.sort();
}

const fingerprints = new Map<string, string>();

for (const dialect of dialects) {
  describe(`the call cache on ${dialect}`, () => {
    let test: TestDatabase;
    let lakeRoot: string;
    let simulator: RunningSimulator;

    const open = (settings: Record<string, unknown> = {}): Promise<Holocron> =>
      openHolocron(
        testConfig({
          'database.url': test.url,
          'lake.root': lakeRoot,
          'ollama.baseUrl': simulator.url,
          'ollama.seed': 7,
          'worker.concurrency': 4,
          'worker.pollSeconds': 0.05,
          'retry.baseDelaySeconds': 0.01,
          'retry.maxDelaySeconds': 0.05,
          ...settings,
        }),
      );

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

    it('records a fingerprint and the definition used by every attempt, the same on both databases', async () => {
      const holocron = await open();
      try {
        const [first] = await holocron.enqueue([job('luke_skywalker', { run_label: 'fp' })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const run = await holocron.database.db.selectFrom('runs').selectAll().where('job_id', '=', first!.id).executeTakeFirstOrThrow();
        assert.match(run.fingerprint!, /^[0-9a-f]{64}$/);
        const definition = await holocron.database.db.selectFrom('interrogation_definitions').selectAll().where('hash', '=', run.definition_hash!).executeTakeFirstOrThrow();
        assert.equal(definition.interrogation_key, 'sw_entity_facts_v1');
        const fields = await holocron.database.db.selectFrom('call_fingerprints').selectAll().where('fingerprint', '=', run.fingerprint!).executeTakeFirstOrThrow();
        assert.equal(JSON.parse(fields.fields).modelDigest, run.model_digest);
        fingerprints.set(dialect, run.fingerprint!);
        if (fingerprints.size === 2) assert.equal(fingerprints.get('sqlite'), fingerprints.get('postgres'), 'the same call has the same fingerprint on both databases');
      } finally {
        await holocron.close();
      }
    });

    it('serves identical calls from the cache with no chat request, as attempts pointing at their source', async () => {
      const holocron = await open({ 'cache.mode': 'readwrite' });
      try {
        const [source] = await holocron.enqueue([job('leia_organa')]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const sourceRun = await holocron.database.db.selectFrom('runs').selectAll().where('job_id', '=', source!.id).executeTakeFirstOrThrow();
        const foldersBefore = lakeFolders(lakeRoot);
        const chatsBefore = chats(simulator);

        const hits = await holocron.enqueue([job('leia_organa'), job('leia_organa'), job('leia_organa')]);
        const summary = await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(summary.succeeded, 3);
        assert.equal(chats(simulator), chatsBefore, 'a cache hit makes no chat request');
        assert.deepEqual(lakeFolders(lakeRoot), foldersBefore, 'and writes no folder of its own');

        const sourceArtifacts = await holocron.database.db.selectFrom('artifacts').select(['artifact_type', 'lake_path', 'sha256', 'bytes']).where('run_id', '=', sourceRun.id).orderBy('lake_path').execute();
        for (const { id } of hits) {
          const run = await holocron.database.db.selectFrom('runs').selectAll().where('job_id', '=', id).executeTakeFirstOrThrow();
          assert.equal(run.status, 'SUCCEEDED');
          assert.equal(run.source_kind, 'cache_hit');
          assert.equal(run.source_run_id, sourceRun.id);
          assert.equal(run.fingerprint, sourceRun.fingerprint);
          assert.equal(run.lake_dir, sourceRun.lake_dir);
          assert.deepEqual(JSON.parse(run.output!), JSON.parse(sourceRun.output!));
          const artifacts = await holocron.database.db.selectFrom('artifacts').select(['artifact_type', 'lake_path', 'sha256', 'bytes']).where('run_id', '=', run.id).orderBy('lake_path').execute();
          assert.deepEqual(artifacts.map((a) => ({ ...a, bytes: Number(a.bytes) })), sourceArtifacts.map((a) => ({ ...a, bytes: Number(a.bytes) })));
          const explained = await explainCache(holocron.database, id);
          assert.equal(explained.outcome, 'hit');
          assert.equal(explained.sourceRunId, sourceRun.id);
        }
        const entries = await holocron.database.db.selectFrom('cache_entries').selectAll().where('fingerprint', '=', sourceRun.fingerprint!).execute();
        assert.equal(entries.length, 1, 'hits are not entries of their own');
      } finally {
        await holocron.close();
      }
    });

    it('looks up the fingerprints asked for in one turn together, each answered as alone, the oldest entry standing', async () => {
      const holocron = await open({ 'cache.mode': 'readwrite' });
      try {
        const { db, adapter } = holocron.database;
        const [a, b] = await holocron.enqueue([job('obi_wan_kenobi'), job('mace_windu')]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const runOf = (id: number) => db.selectFrom('runs').selectAll().where('job_id', '=', id).executeTakeFirstOrThrow();
        const [runA, runB] = await Promise.all([runOf(a!.id), runOf(b!.id)]);
        // A later entry for A's fingerprint (another successful attempt): the first one still stands.
        const [later] = await holocron.enqueue([job('obi_wan_kenobi', { cache: 'write' })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const laterRun = await runOf(later!.id);
        assert.equal(laterRun.fingerprint, runA.fingerprint);
        assert.equal((await db.selectFrom('cache_entries').select('id').where('fingerprint', '=', runA.fingerprint!).execute()).length, 2);

        const lookup = batchedCacheLookup(db, adapter);
        const unknown = 'f'.repeat(64);
        const [foundA, foundB, missing, againB] = await Promise.all([lookup(runA.fingerprint!), lookup(runB.fingerprint!), lookup(unknown), lookup(runB.fingerprint!)]);
        assert.equal(foundA?.runId, runA.id, 'the oldest entry of a fingerprint is served');
        assert.equal(foundB?.runId, runB.id);
        assert.equal(missing, undefined);
        assert.deepEqual(againB, foundB, 'the same fingerprint twice in a batch gets the same entry');
        for (const [fingerprint, found] of [[runA.fingerprint!, foundA], [runB.fingerprint!, foundB]] as const) {
          assert.deepEqual((await findCacheEntries(db, adapter, [fingerprint])).get(fingerprint), found, 'as when looked up alone');
        }
        assert.deepEqual(JSON.parse(foundB!.output!), JSON.parse(runB.output!));
      } finally {
        await holocron.close();
      }
    });

    it("counts the endpoint's own context size (ollama.numCtx) in the fingerprint: another size is another call, the same size a hit", async () => {
      const small = await open({ 'cache.mode': 'readwrite', 'ollama.numCtx': 2048 });
      let first;
      try {
        [first] = await small.enqueue([job('lando_calrissian')]);
        await small.createWorker({ mode: 'drain' }).run();
      } finally {
        await small.close();
      }
      const big = await open({ 'cache.mode': 'readwrite', 'ollama.numCtx': 8192 });
      try {
        const before = chats(simulator);
        const [other] = await big.enqueue([job('lando_calrissian')]);
        await big.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), before + 1, 'a context of 8192 is not served the answer made with 2048');
        const why = await explainCache(big.database, other!.id);
        assert.equal(why.outcome, 'miss');
        assert.deepEqual(why.nearest?.differences.map((difference) => difference.field), ['providerOptions.ollama'], JSON.stringify(why.nearest));
        const [again] = await big.enqueue([job('lando_calrissian')]);
        await big.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), before + 1, 'the same context size is a hit');
        const runs = await big.database.db.selectFrom('runs').select(['job_id', 'source_kind', 'fingerprint']).where('job_id', 'in', [first!.id, other!.id, again!.id]).execute();
        const byJob = new Map(runs.map((run) => [Number(run.job_id), run]));
        assert.equal(byJob.get(again!.id)?.source_kind, 'cache_hit');
        assert.notEqual(byJob.get(first!.id)?.fingerprint, byJob.get(other!.id)?.fingerprint);
      } finally {
        await big.close();
      }
    });

    it('does not collapse deliberate repeats, does not serve sampling calls unless asked, and misses on a changed schema model or option', async () => {
      const holocron = await open({ 'cache.mode': 'readwrite' });
      try {
        await holocron.enqueue([job('han_solo')]);
        await holocron.createWorker({ mode: 'drain' }).run();
        let chatsBefore = chats(simulator);
        const [repeat] = await holocron.enqueue([job('han_solo', { repeat: 1 })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), chatsBefore + 1, 'repeat 1 is a call of its own');
        const explained = await explainCache(holocron.database, repeat!.id);
        assert.equal(explained.outcome, 'miss');
        assert.deepEqual(explained.nearest?.differences.map((difference) => difference.field), ['repeatIndex']);

        chatsBefore = chats(simulator);
        const [other] = await holocron.enqueue([job('han_solo', { model: 'qwen2.5:7b' })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), chatsBefore + 1, 'another model is another call');
        const why = await explainCache(holocron.database, other!.id);
        assert.ok(why.nearest?.differences.some((difference) => difference.field === 'model'), JSON.stringify(why.nearest));
      } finally {
        await holocron.close();
      }

      // Sampling: temperature 0.7 without a seed (an interrogation of its own that says so).
      const samplingFacts = { ...swEntityFactsV1, key: 'sampling_facts', defaults: { ...swEntityFactsV1.defaults, options: { temperature: 0.7 } } };
      const sampling = await open({ 'cache.mode': 'readwrite', 'ollama.seed': null });
      sampling.registry.register(samplingFacts);
      const samplingJob = () => job('chewbacca', { interrogation: 'sampling_facts' });
      try {
        await sampling.enqueue([samplingJob()]);
        await sampling.createWorker({ mode: 'drain' }).run();
        const chatsBefore = chats(simulator);
        await sampling.enqueue([samplingJob()]);
        await sampling.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), chatsBefore + 1, 'a sampling call is not served from the cache');
      } finally {
        await sampling.close();
      }
      const asked = await open({ 'cache.mode': 'read', 'ollama.seed': null, 'cache.nondeterministic': true });
      asked.registry.register(samplingFacts);
      try {
        const chatsBefore = chats(simulator);
        const [served] = await asked.enqueue([samplingJob()]);
        await asked.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), chatsBefore, 'unless asked for');
        const run = await asked.database.db.selectFrom('runs').select('source_kind').where('job_id', '=', served!.id).executeTakeFirstOrThrow();
        assert.equal(run.source_kind, 'cache_hit');
      } finally {
        await asked.close();
      }
    });

    it('serves nothing with the default mode (write) or a job’s own mode off, and only successes are entries', async () => {
      const holocron = await open();
      try {
        await holocron.enqueue([job('yoda')]);
        await holocron.createWorker({ mode: 'drain' }).run();
        const chatsBefore = chats(simulator);
        await holocron.enqueue([job('yoda'), job('yoda', { cache: 'off' })]);
        await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), chatsBefore + 2);
        const failed = await holocron.database.db
          .selectFrom('cache_entries')
          .innerJoin('runs', 'runs.id', 'cache_entries.run_id')
          .select('runs.status')
          .where('runs.status', '!=', 'SUCCEEDED')
          .execute();
        assert.equal(failed.length, 0);
        // A job's own 'read' mode is served by a worker whose mode is write.
        const [served] = await holocron.enqueue([job('yoda', { cache: 'read' })]);
        const before = chats(simulator);
        await holocron.createWorker({ mode: 'drain' }).run();
        assert.equal(chats(simulator), before);
        const run = await holocron.database.db.selectFrom('runs').select('source_kind').where('job_id', '=', served!.id).executeTakeFirstOrThrow();
        assert.equal(run.source_kind, 'cache_hit');
      } finally {
        await holocron.close();
      }
    });
  });
}

describe('the fingerprint’s fast paths', () => {
  it('hashes messages exactly as their canonical JSON', async () => {
    const { fingerprintFieldsOf } = await import('../src/reproducibility/call-fingerprint.ts');
    const { canonicalHash } = await import('../src/reproducibility/canonical-json.ts');
    const messages = [{ role: 'user' as const, content: 'a "quoted" \u2028 line\nand ünïcode' }];
    assert.equal(fingerprintFieldsOf({ ...base, messages }).messages, canonicalHash(messages));
    assert.equal(fingerprintFieldsOf(base).schema, canonicalHash(base.schema));
  });

  it('gives the fingerprints it gave before the fast paths, and the fingerprint of its fields', async () => {
    const { fingerprintFieldsOf, fingerprintOfFields } = await import('../src/reproducibility/call-fingerprint.ts');
    // Taken with the generic canonicalJson of the fields object (commit 7f42866): they must never change.
    assert.equal(callFingerprint(base).fingerprint, 'c921cc179e6cb357ce97c61391fd7f43a836c34fdd917b8dcaf42931f6475d0b');
    const bare: CallIdentity = { ...base, modelDigest: null, schema: undefined, options: undefined, providerOptions: undefined, repeatIndex: 2, messages: [{ role: 'user', content: 'a "q" \u2028\n ü \ud83d\ude00' }] };
    assert.equal(callFingerprint(bare).fingerprint, '5a6453e256f58d014dade9e9219d6aecd9574a3c95f3e8e77c6d4ae03502c7ef');
    for (const identity of [
      base,
      bare,
      { ...base, modelDigest: undefined as unknown as null },
      { ...base, options: { temperature: 0.5, seed: null, topK: undefined, stop: ['\n', 'END'] } as never },
      { ...base, providerOptions: { ollama: { keepAlive: '5m' }, openai: { reasoningEffort: 'low', other: null } } as never },
    ]) {
      const { fingerprint, fields } = callFingerprint(identity);
      assert.equal(fingerprint, fingerprintOfFields(fields));
      assert.deepEqual(fields, fingerprintFieldsOf(identity));
    }
    assert.equal(canonicalJson([1, undefined, { b: undefined, a: [] }]), '[1,null,{"a":[]}]');
  });
});
