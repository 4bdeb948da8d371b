/** The simulator's known answers and per-model accuracy: keyed lookup, deterministic corruption that keeps the schema. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseSimCommandFlags } from '../src/cli/commands/sim-command.ts';
import { AnswerBook, applyAccuracy, layOver, readAnswerBook } from '../src/simulator/answer-book.ts';
import { makeTempDirectory } from './support/test-databases.ts';

const schema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['droid', 'character'] },
    name: { type: 'string' },
    facts: { type: 'array', items: { type: 'object', properties: { fact_key: { type: 'string', pattern: '^[a-z_]+$' }, value: { type: ['string', 'number', 'null'] } } } },
  },
};

describe('answer book', () => {
  test('reads JSON objects, {key, answer} lines and dataset lines; finds the longest whole-word key', () => {
    const directory = makeTempDirectory('answers');
    const object = path.join(directory, 'answers.json');
    fs.writeFileSync(object, JSON.stringify({ luke: { name: 'Luke' }, luke_skywalker: { name: 'Luke Skywalker' } }, null, 2));
    const lines = path.join(directory, 'answers.jsonl');
    fs.writeFileSync(lines, '{"key":"r2_d2","answer":{"name":"R2-D2"}}\n{"id":"c3po","input":{},"expected":{"name":"C-3PO"}}\n');
    const bad = path.join(directory, 'bad.jsonl');
    fs.writeFileSync(bad, '{"key":"x"}\n');
    const book = new AnswerBook(readAnswerBook(object));
    assert.deepEqual(book.find('Entity: luke_skywalker (character)')?.answer, { name: 'Luke Skywalker' });
    assert.deepEqual(book.find('Entity: luke.')?.answer, { name: 'Luke' });
    assert.equal(book.find('Entity: lukewarm'), null);
    assert.deepEqual(readAnswerBook(lines).map((entry) => entry.key), ['r2_d2', 'c3po']);
    assert.throws(() => readAnswerBook(bad), /line 1: expected/);
    fs.rmSync(directory, { recursive: true, force: true });
  });

  test('accuracy 1 keeps everything; below, each field is right with that probability, identifiers never change', () => {
    const answer = { kind: 'droid', name: 'R2-D2', facts: [{ fact_key: 'height', value: 1.09 }, { fact_key: 'maker', value: 'Industrial Automaton' }] };
    assert.deepEqual(applyAccuracy(answer, 1, 'm', schema), answer);
    assert.deepEqual(applyAccuracy(answer, 0.5, 'seed-1', schema), applyAccuracy(answer, 0.5, 'seed-1', schema), 'deterministic');
    const wrong = applyAccuracy(answer, 0, 'm', schema) as typeof answer;
    assert.equal(wrong.kind, 'character', 'another enum member');
    assert.notEqual(wrong.name, 'R2-D2');
    assert.deepEqual(wrong.facts.map((fact) => fact.fact_key), ['height', 'maker']);
    assert.notEqual(wrong.facts[0]!.value, 1.09);
    // Over many items the share of right fields approaches the accuracy.
    let right = 0;
    let total = 0;
    for (let item = 0; item < 400; item += 1) {
      const out = applyAccuracy(answer, 0.7, `model\u0000item${item}`, schema) as typeof answer;
      for (const [a, b] of [[out.kind, answer.kind], [out.name, answer.name], [out.facts[0]!.value, 1.09], [out.facts[1]!.value, 'Industrial Automaton']]) {
        total += 1;
        if (a === b) right += 1;
      }
    }
    assert.ok(Math.abs(right / total - 0.7) < 0.05, `${right / total}`);
    assert.deepEqual(layOver({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: 9 }, e: [] }), { a: 1, b: { c: 9, d: 3 }, e: [] });
  });

  test('holocron sim --answers FILE --models NAME=ACCURACY', () => {
    const directory = makeTempDirectory('sim-flags');
    const file = path.join(directory, 'answers.json');
    fs.writeFileSync(file, JSON.stringify({ r2_d2: { name: 'R2-D2' } }));
    const base = { host: '127.0.0.1', port: '0' };
    const options = parseSimCommandFlags({ ...base, models: 'llama3.2=0.6,qwen2.5:7b=0.9', answers: file });
    assert.deepEqual(options.models, ['llama3.2', 'qwen2.5:7b']);
    assert.deepEqual(options.accuracy, { 'llama3.2:latest': 0.6, 'qwen2.5:7b': 0.9 });
    assert.deepEqual(options.answers, [{ key: 'r2_d2', answer: { name: 'R2-D2' } }]);
    assert.throws(() => parseSimCommandFlags({ ...base, models: 'llama3.2=1.5', answers: file }), /accuracy after = must be a number from 0 to 1/);
    assert.throws(() => parseSimCommandFlags({ ...base, models: 'llama3.2=0.5' }), /needs --answers/);
    assert.throws(() => parseSimCommandFlags({ ...base, models: 'x', answers: path.join(directory, 'none.json') }), /--answers: Cannot read/);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
