import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJobSearch, jobFiltersFromParams, jobFiltersToParams, parseJobSearch, tokenize } from './job-search.js';

test('key:value terms set filters and the rest is text searched in the input', () => {
  const { filters, errors } = parseJobSearch('status:dead interrogation:sw_entity_facts_v1 label:demo luke skywalker');
  assert.deepEqual(errors, []);
  assert.deepEqual(filters, { status: ['DEADLETTER'], interrogation: 'sw_entity_facts_v1', label: 'demo', q: 'luke skywalker' });
});

test('values keep their colons and may be quoted; quoted text stays one phrase', () => {
  assert.deepEqual(parseJobSearch('model:llama3.2:latest').filters, { model: 'llama3.2:latest' });
  assert.deepEqual(parseJobSearch('model:"qwen 2.5" "darth vader"').filters, { model: 'qwen 2.5', q: 'darth vader' });
  assert.deepEqual(parseJobSearch('"http://x" model:m').filters, { model: 'm', q: 'http://x' });
  assert.deepEqual(tokenize('a:"b c'), [{ key: 'a', value: 'b c', quoted: true }]);
});

test('statuses take short forms and lists, case-insensitively, without repeats', () => {
  assert.deepEqual(parseJobSearch('status:retry,DeadLetter is:queued status:retry').filters, { status: ['RETRY', 'DEADLETTER', 'NEW'] });
  assert.deepEqual(parseJobSearch('status:done').filters, { status: ['SUCCEEDED'] });
});

test('aliases: run/run_label → label, code/error_code → error, int → interrogation', () => {
  assert.deepEqual(parseJobSearch('run:nightly code:invalid_json int:x').filters, { label: 'nightly', error: 'invalid_json', interrogation: 'x' });
});

test('bad terms are reported by name, and the good ones still apply', () => {
  const { filters, errors } = parseJobSearch('status:zombie colour:red label: label:a label:b yoda');
  assert.deepEqual(filters, { label: 'a', q: 'yoda' });
  assert.equal(errors.length, 4);
  assert.match(errors[0], /Unknown status "zombie"/);
  assert.match(errors[1], /Unknown filter "colour:"/);
  assert.match(errors[2], /"label:" needs a value/);
  assert.match(errors[3], /"label:" is given twice \(a, b\)/);
});

test('empty and blank searches are no filters', () => {
  assert.deepEqual(parseJobSearch('').filters, {});
  assert.deepEqual(parseJobSearch('   ').filters, {});
  assert.deepEqual(parseJobSearch(undefined).filters, {});
});

test('format → parse gives the same filters back', () => {
  const filters = { status: ['NEW', 'RETRY'], interrogation: 'sw_entity_facts_v1', label: 'my run', model: 'llama3.2:latest', error: 'http_500', q: 'han solo' };
  const text = formatJobSearch(filters);
  assert.equal(text, 'status:NEW,RETRY interrogation:sw_entity_facts_v1 label:"my run" model:llama3.2:latest error:http_500 han solo');
  assert.deepEqual(parseJobSearch(text).filters, filters);
});

test('URL parameters round-trip; unknown statuses in a URL are dropped', () => {
  const filters = { status: ['DEADLETTER'], label: 'demo', q: 'luke' };
  const params = jobFiltersToParams(filters);
  assert.deepEqual(params, { status: 'DEADLETTER', label: 'demo', q: 'luke' });
  assert.deepEqual(jobFiltersFromParams(new URLSearchParams(params)), filters);
  assert.deepEqual(jobFiltersFromParams(new URLSearchParams('status=bogus,dead&model=')), { status: ['DEADLETTER'] });
});
