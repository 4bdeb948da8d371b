/**
 * Pipelines end to end on real SQLite and PostgreSQL against the simulator over HTTP: the built-in
 * three-stage Star Wars pipeline with its lineage; a crash between stages (the recording transaction
 * rolled back, then replayed) that neither loses a hand-off nor makes one twice; staleness after a
 * template change, and a rebuild of exactly what is stale.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { documentLineage } from '../src/documents/document-lineage.ts';
import { findStaleDocuments } from '../src/documents/find-stale-documents.ts';
import { currentDefinitionOf } from '../src/documents/interrogation-hashes.ts';
import { listDocuments } from '../src/documents/list-documents.ts';
import type { Holocron } from '../src/holocron.ts';
import { createInterrogationHandler } from '../src/pipeline/create-interrogation-handler.ts';
import { createDocumentsRecordHook } from '../src/pipelines/documents-record-hook.ts';
import { parsePipeline } from '../src/pipelines/pipeline-definition.ts';
import { pipelineStatus } from '../src/pipelines/pipeline-status.ts';
import { currentDefinitions, generationOf } from '../src/pipelines/current-definitions.ts';
import { rebuildStale } from '../src/pipelines/rebuild-stale.ts';
import { starWarsPipelineFile } from '../src/pipelines/star-wars-pipeline.ts';
import { startPipelineRun } from '../src/pipelines/start-pipeline-run.ts';
import { createOllamaProvider } from '../src/providers/ollama/create-ollama-provider.ts';
import { providerSetOf } from '../src/providers/provider-factory.ts';
import { claimJobs } from '../src/queue/claim-jobs.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { recordOutcomes, type AttemptOutcome } from '../src/queue/record-outcomes.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { openTestHolocron } from './support/test-holocron.ts';

const items = [
  { entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['Luke Skywalker was a human male Jedi born on Tatooine in 19 BBY.'] },
  { entity_type: 'droid', entity_id: 'r2_d2', evidence: ['R2-D2 was an astromech droid made by Industrial Automaton.'] },
];

function labelled(list: readonly Record<string, unknown>[]) {
  return list.map((item, index) => ({ where: `item ${index + 1}`, item }));
}

async function drain(holocron: Holocron): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await holocron.createWorker({ mode: 'drain' }).run();
    const stats = await jobStats(holocron.database);
    if (stats.byStatus.NEW + stats.byStatus.RETRY + stats.byStatus.RUNNING === 0) return;
  }
  throw new Error('the queue did not settle');
}

function writeInterrogations(folder: string, draftTemplate: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const free = (key: string, promptTemplate: string, parser?: string) => ({
    key,
    title: key,
    promptTemplate,
    inputSchema: { type: 'object', properties: { topic: { type: 'string' }, draft: { type: 'string' } }, required: ['topic'] },
    ...(parser ? { parser } : {}),
  });
  fs.writeFileSync(path.join(folder, 'my_draft_v1.json'), JSON.stringify(free('my_draft_v1', draftTemplate, 'trim')));
  fs.writeFileSync(path.join(folder, 'my_review_v1.json'), JSON.stringify(free('my_review_v1', 'Review this draft about {{input.topic}}:\n{{input.draft}}')));
}

for (const dialect of dialects) {
  describe(`pipelines on ${dialect}`, () => {
    let test: TestDatabase;
    let workspace: string;
    let simulator: RunningSimulator;

    function open(settings: Record<string, unknown> = {}): Promise<Holocron> {
      return openTestHolocron({ databaseUrl: test.url, lakeRoot: path.join(workspace, 'lake'), llmUrl: simulator.url }, settings);
    }

    before(async () => {
      test = await createTestDatabase(dialect);
      workspace = makeTempDirectory('pipelines');
      simulator = await startSimulator();
    });
    after(async () => {
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('runs facts → essay (free text) → evaluation for every item, each a document in its attempt folder, with lineage', async () => {
      const holocron = await open();
      try {
        const definition = parsePipeline(starWarsPipelineFile, { hasInterrogation: (key) => holocron.registry.has(key) });
        const settings = { registry: holocron.registry, evidenceRoot: workspace, defaults: holocron.config.queue };
        const started = await startPipelineRun(holocron.database, definition, labelled(items), 'sw', settings);
        assert.equal(started.enqueued, 2);
        // Running it again adds nothing.
        assert.equal((await startPipelineRun(holocron.database, definition, labelled(items), 'sw', settings)).enqueued, 0);
        await drain(holocron);

        const [status] = await pipelineStatus(holocron.database, { runLabel: 'sw' });
        assert.ok(status?.finished);
        assert.deepEqual(status.stages.map((stage) => [stage.stage, stage.tasks, stage.jobs.SUCCEEDED, stage.documents]), [
          ['facts', 2, 2, 2],
          ['essay', 2, 2, 2],
          ['evaluation', 2, 2, 2],
        ]);
        const evaluations = await listDocuments(holocron.database, { runLabel: 'sw', stage: 'evaluation', status: 'ok' });
        assert.equal(evaluations.length, 2);
        const lineage = await documentLineage(holocron.database, evaluations[0]!.doc_id);
        assert.ok(lineage);
        assert.deepEqual(lineage.ancestors.map((row) => row.stage), ['facts', 'essay']);
        const [facts, essay] = lineage.ancestors;
        assert.equal(essay!.parent_doc_id, facts!.doc_id);
        assert.equal(lineage.document.parent_doc_id, essay!.doc_id);
        assert.equal(essay!.source_id, null);
        assert.equal(facts!.source_id, essay!.task_id!.split(':')[0]);
        assert.deepEqual((await documentLineage(holocron.database, facts!.doc_id))!.descendants.children.map((node) => node.document.doc_id), [essay!.doc_id]);

        // The essay is free text: raw.txt and, through its parser, parsed.txt, beside the attempt's request and prompt.
        const lake = path.join(workspace, 'lake');
        const essayFiles = fs.readdirSync(path.join(lake, essay!.doc_dir)).sort();
        assert.deepEqual(essayFiles, ['evidence.json', 'extras', 'metadata.json', 'parsed.txt', 'prompt.txt', 'raw.txt', 'request.json', 'response.json', 'response.ndjson']);
        assert.equal(essay!.parser, 'strip-preamble');
        assert.equal(essay!.schema_hash, null);
        const request = JSON.parse(fs.readFileSync(path.join(lake, essay!.doc_dir, 'request.json'), 'utf8')) as { wire: { body: Record<string, unknown> } | null };
        assert.ok(request.wire, 'the chat request went out');
        assert.ok(!('format' in request.wire.body), 'a free-text request sends no format');
        const raw = fs.readFileSync(path.join(lake, essay!.doc_dir, 'raw.txt'), 'utf8');
        assert.equal(essay!.raw_chars, raw.length);
        assert.ok(raw.length > 20);
        // The essay was written from the facts document, and the evaluation judged it against them.
        const essayPrompt = fs.readFileSync(path.join(lake, essay!.doc_dir, 'prompt.txt'), 'utf8');
        const factsOutput = fs.readFileSync(path.join(lake, facts!.doc_dir, 'output.json'), 'utf8');
        assert.ok(essayPrompt.includes(JSON.parse(factsOutput).entity_name), 'the facts reach the essay prompt');
        const evaluationPrompt = fs.readFileSync(path.join(lake, lineage.document.doc_dir, 'prompt.txt'), 'utf8');
        assert.ok(evaluationPrompt.includes(fs.readFileSync(path.join(lake, essay!.doc_dir, 'parsed.txt'), 'utf8').slice(0, 40)));
        const metadata = JSON.parse(fs.readFileSync(path.join(lake, facts!.doc_dir, 'metadata.json'), 'utf8')) as { template_hash: string };
        assert.equal(metadata.template_hash, facts!.template_hash);
        assert.ok(facts!.model_digest && facts!.prompt_hash && facts!.usage_prompt_tokens! > 0);
        // Nothing is stale right after the run.
        assert.deepEqual(await findStaleDocuments(holocron.database, { runLabel: 'sw' }), []);
      } finally {
        await holocron.close();
      }
    });

    it('a crash while recording a success loses no hand-off, and a replayed recording makes none twice', async () => {
      const holocron = await open();
      try {
        const definition = parsePipeline(starWarsPipelineFile, { hasInterrogation: (key) => holocron.registry.has(key) });
        const settings = { registry: holocron.registry, evidenceRoot: workspace, defaults: holocron.config.queue };
        await startPipelineRun(holocron.database, definition, labelled(items.slice(0, 1)), 'crash', settings);
        const [job] = await claimJobs(holocron.database, 'crash-worker', 1, 60_000);
        assert.ok(job);
        const handler = createInterrogationHandler({
          registry: holocron.registry,
          providers: providerSetOf([createOllamaProvider({ baseUrl: simulator.url })], { owned: true }),
          lake: holocron.lake,
          evidence: holocron.config.evidence,
          model: null,
          generation: { temperature: 0 },
        });
        const result = await handler(job, { workerId: 'crash-worker', signal: new AbortController().signal });
        assert.equal(result.kind, 'succeeded');
        const now = Date.now();
        const outcome = {
          ...result,
          held: { jobId: job.id, runId: job.runId },
          attempt: job.attempt,
          record: { ...result.record, workerId: 'crash-worker', startedAt: now - 1, completedAt: now },
        } as AttemptOutcome;
        const hook = createDocumentsRecordHook(settings);
        const essays = () => holocron.database.db.selectFrom('pipeline_tasks').selectAll().where('stage', '=', 'essay').where('item_id', '=', 'luke_skywalker').execute();
        const before = (await essays()).length;

        // The process dies after the document and the hand-off were written, before the commit.
        await assert.rejects(
          recordOutcomes(holocron.database, [outcome], {
            onApplied: async (transaction, applied, context) => {
              await hook(transaction, applied, context);
              throw new Error('crash before commit');
            },
          }),
          /crash before commit/,
        );
        assert.equal((await listDocuments(holocron.database, { runLabel: 'crash' })).length, 0, 'no document row without its attempt');
        assert.equal((await essays()).length, before, 'no hand-off without its parent');

        // The attempt is recorded for real; then the same recording again (a lost acknowledgement).
        await recordOutcomes(holocron.database, [outcome], { onApplied: hook });
        await recordOutcomes(holocron.database, [outcome], { onApplied: hook });
        const documents = await listDocuments(holocron.database, { runLabel: 'crash' });
        assert.deepEqual(documents.map((row) => row.stage), ['facts']);
        const handedOff = await essays();
        assert.equal(handedOff.length, before + 1, 'exactly one hand-off');
        assert.equal(handedOff.at(-1)!.parent_doc_id, documents[0]!.doc_id);
        const stats = await jobStats(holocron.database, { runLabel: 'crash' });
        assert.equal(stats.byStatus.NEW, 1);
      } finally {
        await holocron.close();
      }
    });

    it('a changed template makes its documents and their descendants stale; a rebuild enqueues exactly those, parents first', async () => {
      const folderA = path.join(workspace, 'interrogations-a');
      const folderB = path.join(workspace, 'interrogations-b');
      writeInterrogations(folderA, 'Write a draft about {{input.topic}}.');
      writeInterrogations(folderB, 'Write a careful draft about {{input.topic}}.');
      const pipelineFile = path.join(workspace, 'drafts.yaml');
      fs.writeFileSync(
        pipelineFile,
        ['name: drafts', 'stages:', '  - name: draft', '    interrogation: my_draft_v1', '    input: { topic: "=item.topic" }',
          '  - name: review', '    after: draft', '    interrogation: my_review_v1', '    input: { topic: "=item.topic", draft: "=parent.text" }', ''].join('\n'),
      );
      const { loadPipelineFile } = await import('../src/pipelines/pipeline-definition.ts');
      const first = await open({ 'interrogations.directory': folderA });
      try {
        const definition = loadPipelineFile(pipelineFile, { hasInterrogation: (key) => first.registry.has(key) });
        const settings = { registry: first.registry, evidenceRoot: workspace, defaults: first.config.queue };
        await startPipelineRun(first.database, definition, labelled([{ id: 'a', topic: 'hoth' }, { id: 'b', topic: 'endor' }]), 'drafts', settings);
        await drain(first);
      } finally {
        await first.close();
      }
      const second = await open({ 'interrogations.directory': folderB });
      try {
        const settings = { registry: second.registry, evidenceRoot: workspace, defaults: second.config.queue };
        const definitionOf = (template: string) => (second.registry.has(template) ? currentDefinitionOf(second.registry.get(template)) : undefined);
        const stale = await findStaleDocuments(second.database, { runLabel: 'drafts', definitionOf });
        assert.deepEqual(stale.map((entry) => [entry.document.stage, entry.reasons]), [
          ['draft', ['template_changed']],
          ['draft', ['template_changed']],
          ['review', ['ancestor_stale']],
          ['review', ['ancestor_stale']],
        ]);
        const dry = await rebuildStale(second.database, settings, { runLabel: 'drafts', dryRun: true });
        assert.deepEqual([dry.rebuilt.length, dry.followParent.length, dry.enqueued], [2, 2, 0]);
        assert.equal((await jobStats(second.database, { runLabel: 'drafts' })).byStatus.NEW, 0, 'a dry run enqueues nothing');
        const rebuilt = await rebuildStale(second.database, settings, { runLabel: 'drafts' });
        assert.equal(rebuilt.enqueued, 2);
        assert.equal((await rebuildStale(second.database, settings, { runLabel: 'drafts' })).enqueued, 0, 'a second rebuild adds nothing');
        // Before the drain: the new drafts are queued, no review yet.
        assert.deepEqual((await pipelineStatus(second.database, { runLabel: 'drafts' }))[0]!.stages.map((stage) => stage.jobs.NEW), [2, 0]);
        await drain(second);
        // The rebuilt drafts supersede the old ones; the hand-off rebuilt the reviews on them.
        assert.deepEqual(await findStaleDocuments(second.database, { runLabel: 'drafts', definitionOf }), []);
        const drafts = await listDocuments(second.database, { runLabel: 'drafts', stage: 'draft' });
        assert.equal(drafts.length, 4);
        assert.equal(drafts[0]!.lineage_prev_doc_id !== null, true);
        const reviews = await listDocuments(second.database, { runLabel: 'drafts', stage: 'review' });
        assert.equal(reviews.length, 4);
        assert.ok(drafts.slice(0, 2).some((draft) => draft.doc_id === reviews[0]!.parent_doc_id));
        // The options each document recorded against what a worker with this configuration would send:
        // the same configuration, nothing stale; another temperature, every current document is.
        const generation = generationOf(second.config);
        assert.deepEqual(await findStaleDocuments(second.database, { runLabel: 'drafts', definitionOf: currentDefinitions(second.registry, generation) }), []);
        const warmer = await findStaleDocuments(second.database, { runLabel: 'drafts', definitionOf: currentDefinitions(second.registry, { ...generation, temperature: 0.9 }) });
        assert.deepEqual(warmer.map((entry) => [entry.document.stage, entry.reasons]), [
          ['draft', ['options_changed']],
          ['draft', ['options_changed']],
          ['review', ['options_changed', 'ancestor_stale']],
          ['review', ['options_changed', 'ancestor_stale']],
        ]);
      } finally {
        await second.close();
      }
    });
  });
}

describe('pipeline commands through the CLI', () => {
  let workspace: string;
  before(() => {
    workspace = makeTempDirectory('pipeline-cli');
    fs.writeFileSync(path.join(workspace, 'items.jsonl'), `${items.map((item) => JSON.stringify(item)).join('\n')}\n`);
    fs.writeFileSync(
      path.join(workspace, 'bad.yaml'),
      ['name: bad', 'stages:', '  - name: facts', '    interrogation: sw_entity_facts_v1', '  - name: essay', '    after: facts', '    interrogation: no_such_v1', '    input: { x: "=parent.nope" }', ''].join('\n'),
    );
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));
  const holocron = (args: string[]) =>
    runCli(['--db', path.join(workspace, 'holocron.sqlite'), '--lake-root', path.join(workspace, 'lake'), ...args], { cwd: workspace });

  it('run enqueues the first stage, status shows it per stage, a bad file is refused naming the file and fields', async () => {
    const bad = await holocron(['pipeline', 'run', 'bad.yaml', '--inputs', 'items.jsonl']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.yaml: stages\.1\.interrogation: unknown interrogation "no_such_v1"; stages\.1\.input\.x: "=parent\.nope" is not a reference/);
    const run = await holocron(['pipeline', 'run', '--example', 'star-wars', '--inputs', 'items.jsonl', '--run-label', 'cli', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { enqueued: number }).enqueued, 2);
    const status = await holocron(['pipeline', 'status', '--run-label', 'cli', '--json']);
    const [progress] = JSON.parse(status.stdout) as { stages: { stage: string; tasks: number; jobs: { NEW: number } }[] }[];
    assert.deepEqual(progress!.stages.map((stage) => [stage.stage, stage.tasks, stage.jobs.NEW]), [['facts', 2, 2], ['essay', 0, 0], ['evaluation', 0, 0]]);
    const table = await holocron(['pipeline', 'status']);
    assert.match(table.stdout, /star-wars-essays +run label cli/);
    const rebuild = await holocron(['pipeline', 'rebuild', '--stale', '--dry-run']);
    assert.equal(rebuild.stdout, 'Nothing is stale.\n');
  });
});
