import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainQuery } from '../src/evaluations/query/explain-query.ts';
import { parseQuery, parseQuantity, slowLatencyMs } from '../src/evaluations/query/parse-query.ts';
import { QueryError } from '../src/evaluations/query/query-error.ts';
import type { QueryNode } from '../src/evaluations/query/query-tree.ts';
import { resolveRunMetric } from '../src/evaluations/query/metric-reference.ts';

const now = Date.parse('2026-12-02T15:30:00Z');
const startOfToday = Date.parse('2026-12-02T00:00:00Z');
const parse = (query: string) => parseQuery(query, { now });

/** The tree without columns and phrases, to compare shapes. */
function shape(node: QueryNode): unknown {
  switch (node.type) {
    case 'and':
    case 'or':
      return { [node.type]: node.children.map(shape) };
    case 'not':
      return { not: shape(node.child) };
    case 'field':
      return `${node.field}${node.operator}${node.value}`;
    case 'compare':
      return `${node.name}${node.operator}${node.value}`;
    case 'time':
      return `time[${node.since === null ? '' : new Date(node.since).toISOString()},${node.before === null ? '' : new Date(node.before).toISOString()})`;
    case 'text':
      return `text:${node.text}`;
    case 'all':
      return 'all';
  }
}

function errorOf(query: string): QueryError {
  try {
    parse(query);
  } catch (error) {
    assert.ok(error instanceof QueryError, String(error));
    return error;
  }
  assert.fail(`"${query}" parsed`);
}

describe('the seed phrases', () => {
  const cases: [string, unknown][] = [
    ['failed runs', 'status=failed'],
    ['demo project', 'project=demo'],
    ['today', `time[${new Date(startOfToday).toISOString()},)`],
    ['yesterday', `time[${new Date(startOfToday - 86_400_000).toISOString()},${new Date(startOfToday).toISOString()})`],
    ['last week', `time[${new Date(now - 7 * 86_400_000).toISOString()},)`],
    ['success rate > 80%', 'success_rate>0.8'],
    ['duration < 60s', 'duration<60000'],
    ['slow responses from last month', { and: [`p95_latency>${slowLatencyMs}`, `time[${new Date(now - 30 * 86_400_000).toISOString()},)`] }],
    ['failed runs from last week', { and: ['status=failed', `time[${new Date(now - 7 * 86_400_000).toISOString()},)`] }],
  ];
  for (const [query, expected] of cases) {
    test(query, () => assert.deepEqual(shape(parse(query)), expected));
  }
});

describe('the boolean language', () => {
  test('field terms, comparisons, time terms, free words; juxtaposition is AND', () => {
    assert.deepEqual(shape(parse('project:demo model:"qwen2.5:7b" tag:nightly f1 >= 0.9 since:2026-11-01 luke')), {
      and: ['project=demo', 'model=qwen2.5:7b', 'tag=nightly', 'f1>=0.9', `time[2026-11-01T00:00:00.000Z,)`, 'text:luke'],
    });
    assert.deepEqual(shape(parse('model:llama3.2:latest')), 'model=llama3.2:latest');
    assert.deepEqual(shape(parse('p95_latency > 2s')), 'p95_latency>2000');
    assert.deepEqual(shape(parse('created_by:"ana@example.com" before:2026-12-01T12:00:00Z')), {
      and: ['created_by=ana@example.com', 'time[,2026-12-01T12:00:00.000Z)'],
    });
    assert.deepEqual(shape(parse('model != llama3.2')), 'model!=llama3.2');
    assert.deepEqual(shape(parse('"star wars" interrogation:sw_entity_facts_v1')), { and: ['text:star wars', 'interrogation=sw_entity_facts_v1'] });
  });

  test('precedence: NOT binds tightest, then AND, then OR; parentheses group', () => {
    assert.deepEqual(shape(parse('alpha OR beta gamma')), { or: ['text:alpha', { and: ['text:beta', 'text:gamma'] }] });
    assert.deepEqual(shape(parse('(alpha OR beta) AND NOT gamma')), { and: [{ or: ['text:alpha', 'text:beta'] }, { not: 'text:gamma' }] });
    assert.deepEqual(shape(parse('not not status:failed')), { not: { not: 'status=failed' } });
    assert.deepEqual(shape(parse('project:demo (model:a or model:b) success_rate > 0.5')), {
      and: ['project=demo', { or: ['model=a', 'model=b'] }, 'success_rate>0.5'],
    });
    assert.deepEqual(shape(parse('')), 'all');
    assert.deepEqual(shape(parse('all runs')), 'all');
  });

  test('item terms: field:PATH != expected', () => {
    assert.deepEqual(shape(parse('f1 < 0.5 AND field:facts.birth_year != expected')), { and: ['f1<0.5', 'field!=facts.birth_year'] });
    assert.deepEqual(shape(parse('field:name = expected')), 'field=name');
  });

  test('quantities and metric names', () => {
    assert.deepEqual(parseQuantity('80%'), { value: 0.8, unit: '%' });
    assert.deepEqual(parseQuantity('1.5m'), { value: 90_000, unit: 'ms' });
    assert.deepEqual(parseQuantity('1,000'), { value: 1000, unit: '' });
    assert.equal(parseQuantity('12abc'), null);
    assert.deepEqual(resolveRunMetric('p95_latency'), { kind: 'metric', metric: 'latency', statistic: 'p95', label: 'the p95 of metric latency (or *.latency)' });
    assert.equal(resolveRunMetric('duration').kind, 'column');
    assert.equal(shape(parse('success_rate > 80')), 'success_rate>0.8');
  });

  test('--explain shows the tree and the phrase each term came from', () => {
    const text = explainQuery(parse('failed runs OR (demo project AND success rate > 80%)'));
    assert.equal(
      text,
      ['OR', '  status = "failed"   ← "failed"', '  AND', '    project = "demo"   ← "demo project"', '    success_rate > 0.8   ← "success rate"'].join('\n'),
    );
  });
});

describe('malformed and malicious queries', () => {
  test('errors point at the offending column', () => {
    assert.deepEqual([errorOf('status:failed AND').reason, errorOf('status:failed AND').column], ['AND must be followed by a term', 18]);
    assert.equal(errorOf('(project:demo').column, 1);
    assert.equal(errorOf('project:demo)').column, 13);
    assert.equal(errorOf('f1 > high').column, 6);
    assert.equal(errorOf('name:"unclosed').column, 6);
    assert.equal(errorOf('> 3').column, 1);
    assert.equal(errorOf('since:tomorrowish').column, 7);
    assert.equal(errorOf('a OR OR b').column, 6);
    assert.equal(errorOf('()').column, 2);
    assert.match(errorOf('f1 > high').display(), /f1 > high\n {7}\^/);
  });

  test('quotes and SQL fragments are just text', () => {
    assert.deepEqual(shape(parse(`name:"x'; DROP TABLE eval_runs; --"`)), "name=x'; DROP TABLE eval_runs; --");
    assert.equal(errorOf(`'1' = '1'`).column, 5);
    assert.deepEqual(shape(parse(`"\\" OR 1=1 --"`)), 'text:" OR 1=1 --');
  });

  test('a 10 kB query parses; deep nesting and a huge query are refused with a column', () => {
    const big = Array.from({ length: 1000 }, (_, index) => `tag:t${index}`).join(' OR ');
    assert.ok(big.length > 10_000);
    const tree = parse(big);
    assert.equal(tree.type, 'or');
    assert.equal((tree as { children: unknown[] }).children.length, 1000);
    const deep = `${'('.repeat(1000)}x${')'.repeat(1000)}`;
    assert.match(errorOf(deep).reason, /nests deeper than 64/);
    assert.equal(errorOf(deep).column, 65);
    assert.match(errorOf('NOT '.repeat(500) + 'x').reason, /nests deeper/);
    assert.match(errorOf('x '.repeat(15_000)).reason, /characters long/);
    assert.match(errorOf('x '.repeat(2_500)).reason, /more than 2000 terms/);
  });
});
