import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalDomain } from './interval-plot.js';

test('the axis is centred on zero and holds the whole interval with a margin', () => {
  const [low, high] = intervalDomain({ delta: 0.28, low: 0.18, high: 0.39 });
  assert.equal(low, -high);
  assert.ok(high > 0.39 && high < 0.5);
  const [lowNegative, highNegative] = intervalDomain({ delta: -108, low: -187.9, high: -36.8 });
  assert.equal(lowNegative, -highNegative);
  assert.ok(highNegative > 187.9);
});

test('no spread or no values: a unit axis', () => {
  assert.deepEqual(intervalDomain({ delta: 0, low: 0, high: 0 }), [-1, 1]);
  assert.deepEqual(intervalDomain({ delta: null, low: null, high: undefined }), [-1, 1]);
});
