import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findAttempt, keyAttempts } from './attempt-keys.js';

const history = [
  { id: 'a', number: 1, status: 'FAILED' },
  { id: 'b', number: 2, status: 'DEFERRED' },
  { id: 'c', number: 2, status: 'DEFERRED' },
  { id: 'd', number: 2, status: 'SUCCEEDED' },
];
const keys = (attempts) => keyAttempts(attempts).map((attempt) => attempt.key);

test('the attempt that counted keeps its number; deferred calls of the same number get their place', () => {
  assert.deepEqual(keys(history), ['1', '2.1', '2.2', '2']);
  assert.deepEqual(keyAttempts(history).map((attempt) => attempt.label), ['#1', '#2.1', '#2.2', '#2']);
});

test('a key names its row; a bare number names the counted attempt, else the latest call of that number', () => {
  const keyed = keyAttempts(history);
  assert.equal(findAttempt(keyed, '2')?.id, 'd');
  assert.equal(findAttempt(keyed, 2)?.id, 'd');
  assert.equal(findAttempt(keyed, '2.1')?.id, 'b');
  assert.equal(findAttempt(keyed, '1')?.id, 'a');
  const waiting = keyAttempts(history.slice(0, 3));
  assert.equal(findAttempt(waiting, '2')?.id, 'c', 'while every call of #2 was deferred, #2 is the latest');
  for (const unknown of ['3', '2.9', '', 'x', undefined]) assert.equal(findAttempt(keyed, unknown), undefined, String(unknown));
});

test('an attempt a forced stop gave back shares its number with the next; one whose lease ran out counted', () => {
  assert.deepEqual(keys([{ number: 1, status: 'ABANDONED' }, { number: 1, status: 'SUCCEEDED' }]), ['1.1', '1']);
  assert.deepEqual(keys([{ number: 1, status: 'ABANDONED' }, { number: 2, status: 'SUCCEEDED' }]), ['1', '2']);
});

test('a retry with fresh attempts starts a new round, so every row still has a key of its own', () => {
  const redriven = [
    { id: 'a', number: 1, status: 'FAILED' },
    { id: 'b', number: 2, status: 'FAILED' },
    { id: 'c', number: 1, status: 'DEFERRED' },
    { id: 'd', number: 1, status: 'FAILED' },
    { id: 'e', number: 1, status: 'SUCCEEDED' },
  ];
  // max_attempts 2: dead-lettered after #2, retried; then max_attempts 1: dead-lettered after #1, retried again.
  assert.deepEqual(keys(redriven), ['1', '2', '2:1.1', '2:1', '3:1']);
  assert.equal(keyAttempts(redriven)[4].label, '#1 (round 3)');
  const keyed = keyAttempts(redriven);
  assert.equal(findAttempt(keyed, '1')?.id, 'a', 'a key keeps naming its row when later rounds come');
  assert.equal(findAttempt(keyed, '2:1')?.id, 'd');
  assert.equal(new Set(keys(redriven)).size, redriven.length);
});
