import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHash, matchRoute, parseHash } from './hash-route.js';

const routes = [
  ['/', 'overview'],
  ['/jobs', 'jobs'],
  ['/jobs/:id', 'job'],
  ['/evaluations/compare', 'compare'],
  ['/evaluations/:id', 'evaluation'],
];

test('a hash splits into a path and its query', () => {
  const { path, query } = parseHash('#/jobs?status=DEADLETTER&q=luke%20skywalker');
  assert.equal(path, '/jobs');
  assert.equal(query.get('status'), 'DEADLETTER');
  assert.equal(query.get('q'), 'luke skywalker');
  assert.equal(parseHash('').path, '/');
  assert.equal(parseHash('#').path, '/');
  assert.equal(parseHash('#/jobs/').path, '/jobs');
  assert.equal(parseHash('#jobs/3').path, '/jobs/3');
});

test('routes match in order, with decoded parameters', () => {
  assert.deepEqual(matchRoute(routes, '/'), { name: 'overview', params: {} });
  assert.deepEqual(matchRoute(routes, '/jobs/42'), { name: 'job', params: { id: '42' } });
  assert.deepEqual(matchRoute(routes, '/evaluations/compare'), { name: 'compare', params: {} });
  assert.deepEqual(matchRoute(routes, '/evaluations/a%2Fb'), { name: 'evaluation', params: { id: 'a/b' } });
  assert.deepEqual(matchRoute(routes, '/jobs/42/extra'), { name: 'not-found', params: {} });
  assert.deepEqual(matchRoute(routes, '/evaluations/%E0%A4%A'), { name: 'not-found', params: {} });
});

test('built hashes leave out empty parameters and read back the same', () => {
  const hash = buildHash('/jobs', { status: ['RETRY', 'DEADLETTER'], label: 'demo run', model: '', q: undefined, cursor: null });
  assert.equal(hash, '#/jobs?status=RETRY%2CDEADLETTER&label=demo+run');
  const { path, query } = parseHash(hash);
  assert.equal(path, '/jobs');
  assert.deepEqual(Object.fromEntries(query), { status: 'RETRY,DEADLETTER', label: 'demo run' });
  assert.equal(buildHash('/'), '#/');
});
