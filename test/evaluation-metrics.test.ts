import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exactMatch, fieldMatch, latency, listMatch, numericTolerance, precisionRecallF1, schemaValid, tokens } from '../src/evaluations/metrics/builtin-metrics.ts';
import { canonicalJson, leafPaths, normalizeValue, valueAtPath, valuesEqual } from '../src/evaluations/metrics/json-values.ts';
import { defineMetric, type ScoringInput } from '../src/evaluations/metrics/metric.ts';

function item(output: unknown, expected: unknown, extra: Partial<ScoringInput> = {}): ScoringInput {
  return { itemKey: 'k', input: {}, expected, output, error: null, latencyMs: null, promptTokens: null, completionTokens: null, ...extra };
}

describe('JSON values', () => {
  test('canonical JSON ignores key order, paths read nested values, leaves are listed', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(valueAtPath({ a: { b: [10, { c: 'x' }] } }, 'a.b[1].c'), 'x');
    assert.equal(valueAtPath({ a: 1 }, 'a.b'), undefined);
    assert.deepEqual(leafPaths({ name: 'Luke', born: { year: 19, era: 'BBY' }, tags: ['a'] }), ['name', 'born.year', 'born.era', 'tags[0]']);
  });

  test('normalisation: strings trimmed, case-folded, whitespace collapsed; numeric strings are numbers', () => {
    assert.equal(normalizeValue('  Luke   SKYWALKER '), 'luke skywalker');
    assert.equal(normalizeValue('1,000'), 1000);
    assert.ok(valuesEqual('19', 19));
    assert.ok(!valuesEqual('19', 19, { numbers: false }));
    assert.ok(!valuesEqual('Luke', 'luke', { strings: false }));
    assert.ok(!valuesEqual('19 BBY', 19));
  });
});

describe('built-in metrics', () => {
  test('schema validity: valid, invalid, no answer', async () => {
    const metric = schemaValid({ schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } });
    assert.deepEqual((await metric.score(item({ n: 1 }, null)))[0]!.value, 1);
    assert.deepEqual((await metric.score(item({ n: 'x' }, null)))[0]!.passed, false);
    assert.deepEqual((await metric.score(item(null, null, { error: 'boom' })))[0]!.value, 0);
    assert.ok(metric.binary);
  });

  test('exact match: key order does not matter; a different value does', async () => {
    const metric = exactMatch();
    assert.equal((await metric.score(item({ a: 1, b: 2 }, { b: 2, a: 1 })))[0]!.value, 1);
    assert.equal((await metric.score(item({ a: 1, b: 3 }, { b: 2, a: 1 })))[0]!.value, 0);
    assert.equal((await metric.score(item({ a: 'X' }, { a: 'x' })))[0]!.value, 0, 'no normalisation unless asked');
    assert.equal((await exactMatch({ normalize: {} }).score(item({ a: 'X' }, { a: 'x' })))[0]!.value, 1);
  });

  test('field match: one score per field, the fraction overall, what was expected for the wrong ones', async () => {
    const scores = await fieldMatch().score(item({ name: 'luke skywalker', born: { year: '19' }, home: 'Naboo' }, { name: 'Luke Skywalker', born: { year: 19 }, home: 'Tatooine' }));
    const overall = scores.find((score) => score.field === null)!;
    assert.equal(overall.value, 2 / 3);
    assert.equal(overall.passed, false);
    const home = scores.find((score) => score.field === 'home')!;
    assert.equal(home.value, 0);
    assert.deepEqual(home.details, { expected: 'Tatooine', actual: 'Naboo' });
    assert.equal(scores.find((score) => score.field === 'born.year')!.passed, true);
    const only = await fieldMatch({ paths: ['home'] }).score(item({ home: 'tatooine' }, { home: 'Tatooine', name: 'x' }));
    assert.deepEqual(only.map((score) => [score.field, score.value]), [[null, 1], ['home', 1]]);
  });

  test('list match by key: precision, recall, F1 and one score per key', async () => {
    const expected = { facts: [{ fact_key: 'species', value: 'Human' }, { fact_key: 'birth_year', value: '19 BBY' }, { fact_key: 'homeworld', value: 'Tatooine' }] };
    const output = { facts: [{ fact_key: 'homeworld', value: 'tatooine' }, { fact_key: 'species', value: 'human' }, { fact_key: 'birth_year', value: '20 BBY' }, { fact_key: 'eye_color', value: 'blue' }] };
    const scores = await listMatch({ key: 'fact_key' }).score(item(output, expected));
    const byName = (metric: string, field: string | null = null) => scores.find((score) => score.metric === metric && score.field === field)!;
    // 2 right (species, homeworld); birth_year wrong (FP and FN); eye_color extra (FP).
    assert.equal(byName('facts.precision').value, 2 / 4);
    assert.equal(byName('facts.recall').value, 2 / 3);
    assert.ok(Math.abs(byName('facts.f1').value! - (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3)) < 1e-12);
    assert.equal(byName('facts.f1', 'facts.birth_year').value, 0);
    assert.deepEqual(byName('facts.f1', 'facts.birth_year').details, { expected: { value: '19 BBY' }, actual: { value: '20 BBY' } });
    assert.equal(byName('facts.f1', 'facts.species').passed, true);
    const none = await listMatch({ key: 'fact_key' }).score(item(null, expected, { error: 'timeout' }));
    assert.equal(none.find((score) => score.metric === 'facts.recall')!.value, 0);
    assert.deepEqual(precisionRecallF1(0, 0, 0), { precision: 1, recall: 1, f1: 1 });
  });

  test('numeric tolerance: absolute and relative; latency and tokens', async () => {
    const absolute = numericTolerance({ path: 'height', tolerance: 0.05 });
    assert.equal((await absolute.score(item({ height: '1.72' }, { height: 1.7 })))[0]!.value, 1);
    assert.equal((await absolute.score(item({ height: 1.8 }, { height: 1.7 })))[0]!.value, 0);
    const relative = numericTolerance({ path: 'mass', tolerance: 0.1, relative: true });
    assert.equal((await relative.score(item({ mass: 105 }, { mass: 100 })))[0]!.passed, true);
    assert.equal((await relative.score(item({ mass: 120 }, { mass: 100 })))[0]!.passed, false);
    assert.deepEqual((await latency({ maxMs: 100 }).score(item({}, {}, { latencyMs: 250 })))[0], { metric: 'latency', field: null, value: 250, passed: false });
    const tokenScores = await tokens().score(item({}, {}, { promptTokens: 30, completionTokens: 12 }));
    assert.deepEqual(tokenScores.map((score) => [score.metric, score.value]), [['tokens', 42], ['tokens.prompt', 30], ['tokens.completion', 12]]);
  });

  test('versions: same settings same version, changed settings a new one; custom metrics hash their code', async () => {
    assert.equal(fieldMatch({ paths: ['a'] }).version, fieldMatch({ paths: ['a'] }).version);
    assert.notEqual(fieldMatch({ paths: ['a'] }).version, fieldMatch({ paths: ['b'] }).version);
    assert.match(listMatch({ key: 'fact_key' }).version, /^list_match@[0-9a-f]{12}$/);
    const short = defineMetric({ name: 'short_answer', binary: true, score: (input) => JSON.stringify(input.output).length < 20 });
    const other = defineMetric({ name: 'short_answer', binary: true, score: (input) => JSON.stringify(input.output).length < 30 });
    assert.notEqual(short.version, other.version);
    assert.deepEqual(await short.score(item({ a: 1 }, null)), [{ metric: 'short_answer', field: null, value: 1, passed: true }]);
    const broken = defineMetric({ name: 'broken', score: () => Number.NaN });
    await assert.rejects(Promise.resolve(broken.score(item({}, {}))), /not a finite number/);
    assert.throws(() => defineMetric({ name: 'bad name', score: () => 1 }), /metric name/);
  });
});
