import assert from 'node:assert/strict';
import { test } from 'node:test';
import { highlightText, jsonTokens, prettyJson } from './json-tokens.js';

test('pretty JSON splits into keys, strings, numbers, booleans, nulls and punctuation', () => {
  const tokens = jsonTokens(prettyJson({ name: 'Luke "the" Jedi', year: -19, ratio: 1.5e3, jedi: true, ship: null, list: [1] }));
  const typed = (type) => tokens.filter((token) => token.type === type).map((token) => token.text);
  assert.deepEqual(typed('key'), ['"name"', '"year"', '"ratio"', '"jedi"', '"ship"', '"list"']);
  assert.deepEqual(typed('string'), ['"Luke \\"the\\" Jedi"']);
  assert.deepEqual(typed('number'), ['-19', '1500', '1']);
  assert.deepEqual(typed('boolean'), ['true']);
  assert.deepEqual(typed('null'), ['null']);
  assert.equal(tokens.map((token) => token.text).join(''), prettyJson({ name: 'Luke "the" Jedi', year: -19, ratio: 1.5e3, jedi: true, ship: null, list: [1] }));
});

test('a string value that looks like a key stays a string', () => {
  const tokens = jsonTokens(prettyJson(['a: b', 'c']));
  assert.deepEqual(tokens.filter((token) => token.type === 'string').map((token) => token.text), ['"a: b"', '"c"']);
  assert.equal(tokens.filter((token) => token.type === 'key').length, 0);
});

test('files: JSON is pretty-printed, NDJSON line by line, text left alone', () => {
  assert.equal(highlightText('{"a":1}').kind, 'json');
  assert.equal(highlightText('{"a":1}').pretty, '{\n  "a": 1\n}');
  const ndjson = highlightText('{"done":false}\n{"done":true}\n');
  assert.equal(ndjson.kind, 'ndjson');
  assert.equal(ndjson.pretty, '{"done":false}\n{"done":true}');
  const prose = highlightText('You are a helpful assistant.\n{not json');
  assert.equal(prose.kind, 'text');
  assert.equal(prose.tokens[0].text, 'You are a helpful assistant.\n{not json');
  assert.equal(highlightText('{ broken').kind, 'text');
});
