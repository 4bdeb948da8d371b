import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffableNames } from './attempt-diff.js';

const attempt = (...names) => ({ artifacts: names.map((name) => ({ lakePath: `llm_runs/2026/12/02/x/${name}` })) });

test('two attempts are diffed on the files both have, the prompt first, then the request', () => {
  assert.deepEqual(diffableNames(attempt('error.json', 'request.json', 'prompt.txt', 'zeta.txt'), attempt('prompt.txt', 'output.json', 'request.json', 'zeta.txt')), [
    'prompt.txt',
    'request.json',
    'zeta.txt',
  ]);
  assert.deepEqual(diffableNames(attempt('a.txt'), attempt('b.txt')), []);
});
