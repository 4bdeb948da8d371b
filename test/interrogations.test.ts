/**
 * Tests for the interrogation registry, the built-in sw_entity_facts_v1 contracts, loading user
 * interrogations from a folder (happy path and every kind of error), and prompt rendering.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildEvidenceBundle } from '../src/evidence/build-evidence-bundle.ts';
import type { Interrogation } from '../src/interrogations/interrogation.ts';
import {
  createDefaultRegistry,
  DuplicateInterrogationError,
  InterrogationRegistry,
  InvalidInterrogationError,
  UnknownInterrogationError,
} from '../src/interrogations/interrogation-registry.ts';
import { InterrogationFolderError, loadInterrogationsFolder } from '../src/interrogations/load-interrogations-folder.ts';
import { buildPromptView, formatPromptText, renderPrompt } from '../src/interrogations/render-prompt.ts';
import { swEntityFactsOutputSchema, swEntityFactsV1 } from '../src/interrogations/sw-entity-facts-v1.ts';
import { seedOutput } from './support/seed-examples.ts';

const seedInput = {
  entity_type: 'character',
  entity_id: 'luke_skywalker',
  source_refs: [],
  extra_params: {
    evidence: [
      {
        evidence_id: 'e1',
        source_uri: 'wookieepedia',
        text: 'Luke Skywalker was a human male Jedi who was instrumental in defeating the Galactic Empire during the Galactic Civil War. Born on Tatooine in 19 BBY, Luke was the son of Anakin Skywalker and Padmé Amidala.',
      },
    ],
  },
};


const validFile = {
  key: 'planet_climate_v1',
  title: 'Planet climate',
  systemPrompt: 'Answer in JSON.',
  promptTemplate: 'Climate of {{input.planet}}?\n{{#evidence}}[{{evidence_id}}] {{text}}\n{{/evidence}}',
  outputSchema: { type: 'object', properties: { climate: { type: 'string' } }, required: ['climate'] },
  inputSchema: { type: 'object', properties: { planet: { type: 'string' } }, required: ['planet'] },
  defaults: { model: 'qwen2.5', options: { temperature: 0.2, numCtx: 8192 }, maxAttempts: 2 },
  rubric: 'One word.',
};

let workspace: string;
let folderCount = 0;

/** Writes `files` (name → JSON value or raw text) into a fresh folder and returns its path. */
async function folderWith(files: Record<string, unknown>): Promise<string> {
  folderCount += 1;
  const directory = path.join(workspace, `interrogations-${folderCount}`);
  await mkdir(directory);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(directory, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return directory;
}

async function expectFolderError(directory: string, file: string, ...fragments: string[]): Promise<InterrogationFolderError> {
  let caught: unknown;
  try {
    await loadInterrogationsFolder(directory, { reservedKeys: new Map([['sw_entity_facts_v1', 'builtin']]) });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InterrogationFolderError, `expected InterrogationFolderError, got ${String(caught)}`);
  const expectedPrefix = `${path.join(directory, file)}: `;
  const line = caught.message.split('\n').find((candidate) => candidate.startsWith(expectedPrefix));
  assert.ok(line, `no line naming ${file} in:\n${caught.message}`);
  for (const fragment of fragments) assert.ok(line.includes(fragment), `"${line}" should include "${fragment}"`);
  return caught;
}

before(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'holocron-interrogations-'));
});

after(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe('InterrogationRegistry', () => {
  it('holds the built-in sw_entity_facts_v1 with its defaults', () => {
    const registry = createDefaultRegistry();
    assert.equal(registry.has('sw_entity_facts_v1'), true);
    assert.deepEqual(registry.keys(), ['eval_judge_v1', 'sw_entity_essay_v1', 'sw_entity_facts_v1', 'sw_essay_evaluation_v1']);
    const interrogation = registry.get('sw_entity_facts_v1');
    assert.equal(interrogation.source, 'builtin');
    assert.deepEqual(interrogation.defaults, { model: 'llama3.2', options: { temperature: 0 }, maxAttempts: 3, priority: 100 });
    assert.deepEqual(registry.list().map((entry) => entry.key), registry.keys());
    assert.ok(registry.list().includes(interrogation));
  });

  it('throws UnknownInterrogationError listing the known keys', () => {
    const registry = createDefaultRegistry();
    assert.equal(registry.has('nope'), false);
    assert.throws(
      () => registry.get('nope'),
      (error: unknown) =>
        error instanceof UnknownInterrogationError &&
        error.message === 'unknown interrogation "nope"; known interrogations: eval_judge_v1, sw_entity_essay_v1, sw_entity_facts_v1, sw_essay_evaluation_v1' &&
        error.knownKeys.includes('sw_entity_facts_v1'),
    );
    assert.throws(() => new InterrogationRegistry().get('x'), /known interrogations: \(none\)/);
  });

  it('refuses duplicates, invalid schemas and broken templates at registration', () => {
    const registry = createDefaultRegistry();
    assert.throws(() => registry.register(swEntityFactsV1), DuplicateInterrogationError);
    const broken: Interrogation = { ...swEntityFactsV1, key: 'broken', outputSchema: { type: 'objekt' } };
    assert.throws(() => registry.register(broken), (error: unknown) => error instanceof InvalidInterrogationError && /outputSchema is not a valid JSON Schema/.test(error.message));
    const badTemplate: Interrogation = { ...swEntityFactsV1, key: 'bad_template', promptTemplate: '{{#evidence}}' };
    assert.throws(() => registry.register(badTemplate), /promptTemplate is not a valid mustache template/);
    assert.equal(registry.has('broken'), false);
  });

  it('validates the built-in input contract: accepts the seed example, rejects bad inputs', () => {
    const registry = createDefaultRegistry();
    assert.deepEqual(registry.validateInput('sw_entity_facts_v1', seedInput), { ok: true, value: seedInput });
    const minimal = registry.validateInput('sw_entity_facts_v1', { entity_type: 'starship', entity_id: 'millennium_falcon' });
    assert.deepEqual(minimal, { ok: true, value: { entity_type: 'starship', entity_id: 'millennium_falcon', source_refs: [] } });
    for (const bad of [
      { ...seedInput, entity_id: 'Luke-Skywalker' },
      { ...seedInput, entity_type: 'jedi' },
      { entity_id: 'luke_skywalker' },
      { ...seedInput, extra_params: { evidence: [{ evidence_id: 'e1', source_uri: 's', text: 't', extra: 1 }] } },
    ]) {
      const result = registry.validateInput('sw_entity_facts_v1', bad);
      assert.equal(result.ok, false, JSON.stringify(bad));
    }
  });

  it('validates the built-in output contract: accepts the seed example, rejects bad answers', () => {
    const registry = createDefaultRegistry();
    assert.deepEqual(registry.validateOutput('sw_entity_facts_v1', JSON.stringify(seedOutput)), { ok: true, value: seedOutput });
    const bad = [
      { ...seedOutput, facts: [{ ...seedOutput.facts[0], confidence: -0.1 }] },
      { ...seedOutput, facts: [{ ...seedOutput.facts[0], evidence_ids: [] }] },
      { ...seedOutput, facts: [{ fact_key: 'species', value: 'Human' }] },
      { ...seedOutput, facts: [{ ...seedOutput.facts[0], value: ['Human'] }] },
      { ...seedOutput, extra: true },
      { entity_type: 'character', entity_id: 'luke_skywalker', facts: [] },
    ];
    for (const answer of bad) {
      const result = registry.validateOutput('sw_entity_facts_v1', JSON.stringify(answer));
      assert.ok(!result.ok && result.kind === 'schema', JSON.stringify(answer));
    }
    const empty = registry.validateOutput('sw_entity_facts_v1', '');
    assert.ok(!empty.ok && empty.kind === 'invalid_json');
  });

  it('keeps the built-in output schema to keywords Ollama structured outputs accept', () => {
    const allowed = new Set([
      'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'pattern',
      'minimum', 'maximum', 'minItems', 'minLength', 'description',
    ]);
    const walk = (schema: Record<string, unknown>, where: string): void => {
      for (const [keyword, value] of Object.entries(schema)) {
        assert.ok(allowed.has(keyword), `unexpected keyword ${keyword} at ${where}`);
        if (keyword === 'properties') {
          for (const [name, child] of Object.entries(value as Record<string, Record<string, unknown>>)) walk(child, `${where}/${name}`);
        } else if (keyword === 'items') {
          walk(value as Record<string, unknown>, `${where}/items`);
        }
      }
      if (schema.type === 'object') assert.equal(schema.additionalProperties, false, `${where} allows additional properties`);
    };
    walk(swEntityFactsOutputSchema, '');
  });
});

describe('loadInterrogationsFolder', () => {
  it('loads inline-template and promptFile interrogations; registry.loadFolder adds them', async () => {
    const directory = await folderWith({
      'planet-climate.json': validFile,
      'ship-class.json': {
        key: 'ship_class_v1',
        title: 'Ship class',
        promptFile: 'prompts/ship-class.mustache',
        outputSchema: { type: 'object' },
      },
      'notes.txt': 'not an interrogation',
    });
    await mkdir(path.join(directory, 'prompts'));
    await writeFile(path.join(directory, 'prompts', 'ship-class.mustache'), 'Class of {{input.ship}}?');

    const loaded = await loadInterrogationsFolder(directory);
    assert.deepEqual(loaded.map((interrogation) => interrogation.key), ['planet_climate_v1', 'ship_class_v1']);
    const [planet, ship] = loaded;
    assert.equal(planet?.source, path.resolve(directory, 'planet-climate.json'));
    // numCtx is Ollama's: it leaves the neutral options for providerOptions.ollama.
    assert.deepEqual(planet?.defaults, {
      model: 'qwen2.5',
      options: { temperature: 0.2 },
      providerOptions: { ollama: { numCtx: 8192 } },
      maxAttempts: 2,
    });
    assert.equal(planet?.rubric, 'One word.');
    assert.equal(ship?.promptTemplate, 'Class of {{input.ship}}?');
    assert.deepEqual(ship?.inputSchema, { type: 'object' });
    assert.deepEqual(ship?.defaults, {});

    const registry = createDefaultRegistry();
    await registry.loadFolder(directory);
    assert.deepEqual(registry.keys(), ['eval_judge_v1', 'planet_climate_v1', 'ship_class_v1', 'sw_entity_essay_v1', 'sw_entity_facts_v1', 'sw_essay_evaluation_v1']);
    assert.equal(registry.validateOutput('planet_climate_v1', '{"climate":"arid"}').ok, true);
    assert.equal(registry.validateInput('planet_climate_v1', { planet: 7 }).ok, false);
  });

  it('reads generation options in the neutral form: numPredict is maxOutputTokens, numCtx an Ollama option', async () => {
    const directory = await folderWith({
      'seed-names.json': { ...validFile, key: 'seed_names_v1', defaults: { options: { numPredict: 128, seed: 3 } } },
      'new-names.json': { ...validFile, key: 'new_names_v1', defaults: { options: { maxOutputTokens: 64, numCtx: 2048 } } },
    });
    const [newNames, seedNames] = await loadInterrogationsFolder(directory);
    assert.deepEqual(seedNames?.defaults, { options: { seed: 3, maxOutputTokens: 128 } });
    assert.deepEqual(newNames?.defaults, { options: { maxOutputTokens: 64 }, providerOptions: { ollama: { numCtx: 2048 } } });
  });

  it('names the file for bad JSON', async () => {
    const directory = await folderWith({ 'broken.json': '{ "key": "x", ' });
    await expectFolderError(directory, 'broken.json', 'not valid JSON');
  });

  it('names the file and the field for a missing key and unknown fields', async () => {
    const { key: _key, ...withoutKey } = validFile;
    const directory = await folderWith({ 'no-key.json': withoutKey, 'typo.json': { ...validFile, key: 'typo_v1', prompTemplate: 'x' } });
    await expectFolderError(directory, 'no-key.json', 'key is required');
    await expectFolderError(directory, 'typo.json', 'unknown field "prompTemplate"');
  });

  it('names the file for an invalid JSON Schema', async () => {
    const directory = await folderWith({ 'foo.json': { ...validFile, outputSchema: { type: 'objekt' } } });
    await expectFolderError(directory, 'foo.json', 'outputSchema is not a valid JSON Schema: ');
    const inputDirectory = await folderWith({ 'foo.json': { ...validFile, inputSchema: { type: 'object', required: 'planet' } } });
    await expectFolderError(inputDirectory, 'foo.json', 'inputSchema is not a valid JSON Schema: ');
  });

  it('names the file for a bad mustache template, inline or in a promptFile', async () => {
    const directory = await folderWith({
      'inline.json': { ...validFile, promptTemplate: '{{#evidence}}no end' },
      'from-file.json': { ...validFile, key: 'from_file_v1', promptTemplate: undefined, promptFile: 'bad.mustache' },
      'bad.mustache': 'Hello {{name',
    });
    await expectFolderError(directory, 'inline.json', 'promptTemplate is not a valid mustache template', 'Unclosed section "evidence"');
    await expectFolderError(directory, 'from-file.json', 'promptFile "bad.mustache" is not a valid mustache template', 'Unclosed tag');
  });

  it('names the file for a missing promptFile, and for neither or both template fields', async () => {
    const directory = await folderWith({
      'missing.json': { ...validFile, promptTemplate: undefined, promptFile: 'prompts/nope.mustache' },
      'neither.json': { ...validFile, key: 'neither_v1', promptTemplate: undefined },
      'both.json': { ...validFile, key: 'both_v1', promptFile: 'x.mustache' },
    });
    await expectFolderError(directory, 'missing.json', 'promptFile "prompts/nope.mustache" not found', path.join(directory, 'prompts', 'nope.mustache'));
    await expectFolderError(directory, 'neither.json', 'promptTemplate or promptFile is required');
    await expectFolderError(directory, 'both.json', 'not both');
  });

  it('names the file for a duplicate key, across files and with a built-in', async () => {
    const directory = await folderWith({
      'a.json': validFile,
      'b.json': { ...validFile, title: 'Again' },
      'c.json': { ...validFile, key: 'sw_entity_facts_v1' },
    });
    const error = await expectFolderError(directory, 'b.json', 'key "planet_climate_v1" is already defined in', 'a.json');
    await expectFolderError(directory, 'c.json', 'key "sw_entity_facts_v1" is already defined (builtin)');
    assert.equal(error.problems.length, 2);
    assert.match(error.message, /^2 problems in interrogations folder /);
  });

  it('registers nothing when any file is invalid, and reports a built-in clash through the registry', async () => {
    const directory = await folderWith({ 'a.json': validFile, 'z.json': { ...validFile, key: 'sw_entity_facts_v1' } });
    const registry = createDefaultRegistry();
    await assert.rejects(registry.loadFolder(directory), /z\.json: key "sw_entity_facts_v1" is already defined \(builtin\)/);
    assert.equal(registry.has('planet_climate_v1'), false);
  });

  it('gives a clear error for a missing folder or a file instead of a folder', async () => {
    const missing = path.join(workspace, 'does-not-exist');
    await assert.rejects(loadInterrogationsFolder(missing), (error: unknown) =>
      error instanceof InterrogationFolderError && error.message === `interrogations folder ${missing} does not exist`);
    const directory = await folderWith({ 'a.json': validFile });
    await assert.rejects(loadInterrogationsFolder(path.join(directory, 'a.json')), /is not a directory/);
  });
});

describe('renderPrompt', () => {
  it('renders the built-in prompt with the entity, the evidence and the schema, without HTML escaping', async () => {
    const bundle = await buildEvidenceBundle({
      inline: [
        ...seedInput.extra_params.evidence,
        { evidence_id: 'e2', source_uri: 'https://example.org/?a=1&b=2', text: 'Han & Chewie <3 "the Falcon" — it\'s fast' },
      ],
      refs: [],
    });
    const { messages, promptText } = renderPrompt(swEntityFactsV1, { input: seedInput, bundle });
    assert.deepEqual(messages.map((message) => message.role), ['system', 'user']);
    assert.equal(messages[0]?.content, swEntityFactsV1.systemPrompt);
    const user = messages[1]?.content ?? '';
    assert.ok(user.includes('Entity type: character'));
    assert.ok(user.includes('Entity id: luke_skywalker'));
    assert.ok(user.includes('[evidence_id: e1]\nsource: wookieepedia\n<<<\nLuke Skywalker was a human male Jedi'));
    assert.ok(user.includes('Padmé Amidala.'));
    assert.ok(user.includes('source: https://example.org/?a=1&b=2'));
    assert.ok(user.includes('Han & Chewie <3 "the Falcon" — it\'s fast'));
    assert.ok(!/&amp;|&lt;|&quot;|&#39;|&#x27;/.test(user), 'HTML entities found in the prompt');
    assert.ok(user.includes(JSON.stringify(swEntityFactsOutputSchema)), 'output schema should be in the prompt');
    assert.ok(user.includes('What a good answer looks like'), 'rubric should be in the prompt');
    assert.ok(!user.includes('truncated'), 'nothing was truncated');
    assert.ok(!user.includes('previous answer'));
    assert.equal(promptText, `### system\n${messages[0]?.content}\n\n### user\n${user}\n`);
    assert.equal(promptText, formatPromptText(messages));
  });

  it('notes truncated items and dropped items', async () => {
    const bundle = await buildEvidenceBundle({
      inline: [
        { evidence_id: 'long', source_uri: 's', text: 'x'.repeat(50) },
        { evidence_id: 'late', source_uri: 's', text: 'never shown' },
      ],
      refs: [],
      maxItemChars: 30,
      maxTotalChars: 30,
    });
    const { messages } = renderPrompt(swEntityFactsV1, { input: seedInput, bundle });
    const user = messages[1]?.content ?? '';
    assert.ok(user.includes('Note: this item was truncated; only the first 30 of its 50 characters are shown.'), user);
    assert.ok(user.includes('1 further evidence item(s) were left out'));
    assert.ok(!user.includes('never shown'));
  });

  it('says so when there is no evidence', async () => {
    const bundle = await buildEvidenceBundle({ inline: [], refs: [] });
    const user = renderPrompt(swEntityFactsV1, { input: seedInput, bundle }).messages[1]?.content ?? '';
    assert.ok(user.includes('## Evidence (0 items)'));
    assert.ok(user.includes('No evidence was provided'));
  });

  it('ends the user message with the previous failure and its validation errors', async () => {
    const bundle = await buildEvidenceBundle({ inline: seedInput.extra_params.evidence, refs: [] });
    const { messages, promptText } = renderPrompt(swEntityFactsV1, {
      input: seedInput,
      bundle,
      previousFailure: {
        kind: 'invalid_output',
        message: 'the answer does not match the output schema (2 problems)',
        errors: ['/facts/0/confidence must be <= 1', "/ must have required property 'entity_name'"],
      },
    });
    const user = messages[1]?.content ?? '';
    const section = user.slice(user.indexOf('## Your previous answer was rejected'));
    assert.ok(user.indexOf('## Your previous answer was rejected') > user.indexOf('Required JSON Schema'), 'section comes last');
    assert.ok(section.includes('Reason: the answer does not match the output schema (2 problems)'));
    assert.ok(section.endsWith("- /facts/0/confidence must be <= 1\n- / must have required property 'entity_name'"), section);
    assert.ok(promptText.includes(section));

    const truncated = renderPrompt(swEntityFactsV1, {
      input: seedInput,
      bundle,
      previousFailure: { kind: 'truncated', message: 'generation stopped at the output limit (finish reason: length)' },
    }).messages[1]?.content ?? '';
    assert.ok(truncated.includes('cut off before the JSON was complete'));
    assert.ok(truncated.endsWith('Reason: generation stopped at the output limit (finish reason: length)'));
  });

  it('renders custom templates with the view, and omits the system message when there is none', async () => {
    const bundle = await buildEvidenceBundle({ inline: [{ evidence_id: 'e1', source_uri: 'u', text: '<b>Tatooine</b> & twin suns' }], refs: [] });
    const interrogation: Interrogation = {
      ...swEntityFactsV1,
      key: 'custom',
      systemPrompt: undefined,
      promptTemplate: '{{interrogation.key}} {{input.planet}} {{evidence_count}}:{{#evidence}} {{position}}={{text}}{{/evidence}}',
    };
    const { messages, promptText } = renderPrompt(interrogation, { input: { planet: 'Tatooine' }, bundle });
    assert.deepEqual(messages, [{ role: 'user', content: 'custom Tatooine 1: 1=<b>Tatooine</b> & twin suns' }]);
    assert.equal(promptText, '### user\ncustom Tatooine 1: 1=<b>Tatooine</b> & twin suns\n');
  });

  it('renders what an interrogation holds now, though its parsed template and schema JSON are kept per interrogation', async () => {
    const bundle = await buildEvidenceBundle({ inline: [], refs: [] });
    const interrogation: Interrogation = { ...swEntityFactsV1, key: 'swapped', systemPrompt: undefined, promptTemplate: 'one {{input.planet}} {{output_schema_json}}', outputSchema: { type: 'object' } };
    const render = () => renderPrompt(interrogation, { input: { planet: 'Hoth' }, bundle }).messages[0]?.content;
    assert.equal(render(), 'one Hoth {"type":"object"}');
    assert.equal(render(), 'one Hoth {"type":"object"}');
    interrogation.promptTemplate = 'two {{input.planet}} {{output_schema_json}}';
    interrogation.outputSchema = { type: 'string' };
    assert.equal(render(), 'two Hoth {"type":"string"}');
    assert.equal(buildPromptView(interrogation, { input: null, bundle }).output_schema_json, '{"type":"string"}');
  });
});
