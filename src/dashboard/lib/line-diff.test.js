import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffHunks, diffLines, diffStats } from './line-diff.js';

const text = (ops) => ops.map((entry) => `${{ equal: ' ', add: '+', remove: '-' }[entry.op]}${entry.text}`);

test('a retry prompt that appends feedback shows only the added lines', () => {
  const first = 'System: answer in JSON\nUser: Luke Skywalker\n';
  const second = 'System: answer in JSON\nUser: Luke Skywalker\n\nYour previous answer was rejected:\n- /facts: required\n';
  const ops = diffLines(first, second);
  assert.deepEqual(text(ops), [' System: answer in JSON', ' User: Luke Skywalker', '+', '+Your previous answer was rejected:', '+- /facts: required']);
  assert.deepEqual(diffStats(ops), { added: 3, removed: 0 });
  assert.equal(ops[4].newLine, 5);
  assert.equal(ops[4].oldLine, undefined);
});

test('changes in the middle are minimal (a replaced line is one remove and one add)', () => {
  const ops = diffLines('a\nb\nc\nd\ne', 'a\nb\nX\nd\ne\nf');
  assert.deepEqual(text(ops), [' a', ' b', '-c', '+X', ' d', ' e', '+f']);
  assert.deepEqual(diffStats(diffLines('x\ny\nz', 'y\nz\nx')), { added: 1, removed: 1 });
});

test('identical or empty texts', () => {
  assert.deepEqual(diffHunks(diffLines('same\n', 'same')), []);
  assert.deepEqual(text(diffLines('', 'new')), ['+new']);
  assert.deepEqual(text(diffLines('old', '')), ['-old']);
  assert.deepEqual(diffLines(null, undefined), []);
});

test('hunks keep context lines and count what they skip', () => {
  const before = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`);
  const after = [...before];
  after[1] = 'changed 2';
  after[17] = 'changed 18';
  const hunks = diffHunks(diffLines(before.join('\n'), after.join('\n')), 2);
  assert.equal(hunks.length, 2);
  assert.equal(hunks[0].skippedBefore, 0);
  assert.deepEqual(text(hunks[0].lines), [' line 1', '-line 2', '+changed 2', ' line 3', ' line 4']);
  assert.equal(hunks[1].skippedBefore, 11);
  assert.deepEqual(text(hunks[1].lines), [' line 16', ' line 17', '-line 18', '+changed 18', ' line 19', ' line 20']);
  // Changes close together share one hunk.
  after[4] = 'changed 5';
  assert.equal(diffHunks(diffLines(before.join('\n'), after.join('\n')), 2).length, 2);
  assert.equal(diffHunks(diffLines(before.join('\n'), after.join('\n')), 2)[0].lines.length, 9);
});
