/**
 * The job request contract on its own (no database): each bound accepted at its edge and refused one
 * step past it, with a message that names the field, says what was expected and never echoes a long value.
 * Then the other numbers a user feeds: the CLI's integer flags and the configuration's durations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { integerOption, positiveIntegerOption, positiveNumberOption } from '../src/cli/option-parsers.ts';
import { ConfigError } from '../src/config/load-config.ts';
import { testConfig } from './support/test-config.ts';
import { describeValue, jobRequestBounds as bounds, parseJobRequest, type FieldProblem } from '../src/pipeline/job-request-contract.ts';

const base = { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: 'luke_skywalker' };

function problems(request: unknown): FieldProblem[] {
  const parsed = parseJobRequest(request);
  return parsed.ok ? [] : parsed.problems;
}

function accepts(extra: Record<string, unknown>): void {
  assert.deepEqual(problems({ ...base, ...extra }), [], JSON.stringify(extra).slice(0, 200));
}

function refuses(extra: Record<string, unknown>, field: string, message: string | RegExp): void {
  const found = problems({ ...base, ...extra });
  assert.equal(found.length, 1, JSON.stringify(found).slice(0, 500));
  assert.equal(found[0]!.field, field);
  if (typeof message === 'string') assert.equal(found[0]!.message, message);
  else assert.match(found[0]!.message, message);
}

describe('the job request contract', () => {
  it('bounds priority, max_attempts and delay_seconds to safe numbers in documented ranges', () => {
    accepts({ priority: bounds.priority.min, max_attempts: bounds.maxAttempts.min, delay_seconds: 0 });
    accepts({ priority: bounds.priority.max, max_attempts: bounds.maxAttempts.max, delay_seconds: bounds.delaySeconds.max });
    accepts({ priority: -0, delay_seconds: 0.25 });
    const priority = 'must be a whole number from -1,000,000 to 1,000,000, got';
    refuses({ priority: 2 ** 70 }, 'priority', `${priority} 1.1805916207174113e+21`);
    refuses({ priority: 1_000_001 }, 'priority', `${priority} 1000001`);
    refuses({ priority: -1_000_001 }, 'priority', `${priority} -1000001`);
    refuses({ priority: 1.5 }, 'priority', `${priority} 1.5`);
    refuses({ priority: NaN }, 'priority', `${priority} NaN`);
    refuses({ priority: Infinity }, 'priority', `${priority} Infinity`);
    refuses({ priority: '5' }, 'priority', `${priority} the string "5"`);
    refuses({ priority: null }, 'priority', `${priority} null`);
    refuses({ priority: 5n }, 'priority', `${priority} the BigInt 5n`);
    refuses({ max_attempts: 0 }, 'max_attempts', 'must be a whole number from 1 to 100, got 0');
    refuses({ max_attempts: 101 }, 'max_attempts', 'must be a whole number from 1 to 100, got 101');
    refuses({ max_attempts: 2 ** 70 }, 'max_attempts', 'must be a whole number from 1 to 100, got 1.1805916207174113e+21');
    refuses({ delay_seconds: 2 ** 70 }, 'delay_seconds', 'must be a number from 0 to 31,536,000, got 1.1805916207174113e+21');
    refuses({ delay_seconds: -0.001 }, 'delay_seconds', 'must be a number from 0 to 31,536,000, got -0.001');
    refuses({ delay_seconds: 31_536_000.5 }, 'delay_seconds', /got 31536000\.5$/);
    refuses({ delay_seconds: -Infinity }, 'delay_seconds', /got -Infinity$/);
  });

  it('refuses empty, blank, over-long and control-character strings, and bounds every name and key', () => {
    const cases: [string, number][] = [
      ['model', bounds.modelChars],
      ['run_label', bounds.runLabelChars],
      ['dedupe_key', bounds.dedupeKeyChars],
      ['entity_type', bounds.entityTypeChars],
      ['entity_id', bounds.entityIdChars],
      ['interrogation', bounds.interrogationChars],
    ];
    for (const [field, max] of cases) {
      accepts({ [field]: 'x'.repeat(max) });
      refuses({ [field]: '' }, field, 'must not be empty');
      refuses({ [field]: '  \t' }, field, 'must not be blank (only spaces)');
      refuses({ [field]: 'x'.repeat(max + 1) }, field, `is ${(max + 1).toLocaleString('en-US')} characters long; at most ${max.toLocaleString('en-US')}`);
      refuses({ [field]: 'x'.repeat(100_000) }, field, /^is 100,000 characters long; at most/);
      refuses({ [field]: 'a\u0000b' }, field, 'contains a control character (U+0000) at position 1');
      refuses({ [field]: 'a\nb' }, field, 'contains a control character (U+000A) at position 1');
      refuses({ [field]: 'a\ud800' }, field, 'is not well-formed Unicode (it holds a lone surrogate)');
      refuses({ [field]: 42 }, field, 'must be a string, got 42');
    }
    accepts({ model: 'hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M', dedupe_key: 'Tatooine — 😀 v1', run_label: 'run 7' });
    refuses({ model: 'llama 3' }, 'model', 'must not contain spaces');
    // Astral characters count two (UTF-16), as the evidence budgets count them.
    refuses({ run_label: '😀'.repeat(101) }, 'run_label', 'is 202 characters long; at most 200');
  });

  it('bounds evidence items and files in number and size, naming the item', () => {
    accepts({ evidence: Array.from({ length: bounds.evidenceItems }, () => 'fact'), evidence_files: Array.from({ length: bounds.evidenceFiles }, () => 'a.txt') });
    accepts({ evidence: ['line one\nline two\twith a tab', { evidence_id: 'e7', source_uri: 'https://example.org/x', text: 'fact' }] });
    refuses({ evidence: Array.from({ length: 1_001 }, () => 'fact') }, 'evidence', 'has 1,001 items; at most 1,000');
    refuses({ evidence_files: Array.from({ length: 1_001 }, () => 'a.txt') }, 'evidence_files', 'has 1,001 items; at most 1,000');
    refuses({ evidence: 'one text' }, 'evidence', 'must be an array, got the string "one text"');
    refuses({ evidence: ['ok', 5] }, 'evidence[1]', 'must be a text or an object {evidence_id?, source_uri?, text}, got 5');
    refuses({ evidence: ['x'.repeat(bounds.evidenceTextChars + 1)] }, 'evidence[0]', 'is 1,000,001 characters long; at most 1,000,000');
    refuses({ evidence: ['a\u0000b'] }, 'evidence[0]', 'contains a control character (U+0000) at position 1');
    refuses({ evidence: [{ text: 'x', page: 3 }] }, 'evidence[0].page', 'is not a field here; the fields are evidence_id, source_uri, text');
    refuses({ evidence: [{ evidence_id: 'e1' }] }, 'evidence[0].text', 'is required');
    refuses({ evidence: [{ text: 'x', evidence_id: '' }] }, 'evidence[0].evidence_id', 'must not be empty');
    refuses({ evidence_files: [{ path: 'p'.repeat(4_097) }] }, 'evidence_files[0].path', 'is 4,097 characters long; at most 4,096');
    refuses({ evidence_files: ['a\u0000.txt'] }, 'evidence_files[0]', 'contains a control character (U+0000) at position 1');
  });

  it('takes only JSON in input: finite numbers, plain objects, no cycles, bounded depth', () => {
    let deep: Record<string, unknown> = {};
    for (let level = 1; level < bounds.inputDepth; level++) deep = { d: deep };
    accepts({ input: deep, entity_type: undefined });
    refuses({ input: { d: deep } }, `input${'.d'.repeat(bounds.inputDepth)}`, 'is nested more than 32 levels deep');
    refuses({ input: [1] }, 'input', 'must be a JSON object, got an array');
    refuses({ input: { a: [1, NaN] } }, 'input.a[1]', 'NaN is not a JSON value');
    refuses({ input: { a: 1n } }, 'input.a', 'the BigInt 1n is not a JSON value');
    refuses({ input: { at: new Date(0) } }, 'input.at', 'an object of type Date is not a JSON value');
    refuses({ input: { f: () => 1 } }, 'input.f', 'a function is not a JSON value');
    refuses({ input: { text: 'a\u0000' } }, 'input.text', 'contains a NUL character (U+0000)');
    refuses({ input: { ['k\udc00']: 1 } }, 'input.k\udc00', 'the key is not well-formed Unicode');
    const cycle: Record<string, unknown> = { list: [] };
    (cycle.list as unknown[]).push(cycle);
    refuses({ input: cycle }, 'input.list[0]', 'refers back to itself (a cycle), which JSON cannot hold');
    const leaf = { x: 1 };
    accepts({ input: { optional: undefined, shared: [leaf, leaf] } }); // the same object twice is not a cycle
    accepts({ input: { text: 'x'.repeat(bounds.inputJsonChars - 11) } }); // {"text":"…"} is 11 more
    refuses({ input: { text: 'x'.repeat(bounds.inputJsonChars - 10) } }, 'input', 'is 2,000,001 characters of JSON; at most 2,000,000');
  });

  it('refuses a job that is not an object, and unknown fields by name with a hint', () => {
    for (const [value, shown] of [[[], 'an array'], [5, '5'], ['job', 'the string "job"'], [null, 'null'], [true, 'true']] as const) {
      assert.deepEqual(problems(value), [{ field: '', message: `a job must be a JSON object, got ${shown}` }]);
    }
    const found = problems({ ...base, maxAttempts: 3, foo: 1, '': 2, ['k'.repeat(1_000)]: 4 });
    assert.deepEqual(
      found.map((problem) => problem.field),
      ['maxAttempts', 'foo', '""', `${'k'.repeat(40)}…`],
    );
    assert.match(found[0]!.message, /^is not a job field \(did you mean "max_attempts"\?\); the fields are interrogation, input, /);
    assert.doesNotMatch(found[1]!.message, /did you mean/);
    assert.ok(found.every((problem) => problem.message.length < 300));
  });

  it('describes values briefly', () => {
    assert.equal(describeValue('x'.repeat(100)), `the string "${'x'.repeat(40)}…"`);
    assert.equal(describeValue(''), 'an empty string');
    assert.equal(describeValue(Object.create(null)), 'an object');
    assert.equal(describeValue(new Map()), 'an object of type Map');
  });
});

describe('the other numbers a user can feed', () => {
  it('refuses integers beyond the safe range in the CLI parsers (job ids, --limit), which the databases would reject or round', () => {
    assert.equal(integerOption('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.throws(() => integerOption('1180591620717411303424'), (error: unknown) => error instanceof InvalidArgumentError && /at most 9007199254740991/.test(error.message));
    assert.throws(() => positiveIntegerOption('9223372036854775807'), InvalidArgumentError);
    assert.throws(() => positiveNumberOption(' '), InvalidArgumentError);
    assert.throws(() => positiveNumberOption('Infinity'), InvalidArgumentError);
  });

  it('holds durations in the configuration to what a timer and a timestamp can carry, and queue defaults to the job bounds', () => {
    assert.throws(
      () => testConfig({ 'worker.pollSeconds': 1e300, 'worker.leaseSeconds': 2_073_601, 'retry.maxDelaySeconds': 2 ** 70, 'queue.priority': 2 ** 70, 'queue.maxAttempts': 101 }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const flag of ['worker.pollSeconds', 'worker.leaseSeconds', 'retry.maxDelaySeconds']) {
          assert.match(error.message, new RegExp(`flag ${flag.replace('.', '\\.')}: must be at most 2073600 \\(24 days\\)`));
        }
        assert.match(error.message, /flag queue\.priority: Number must be less than or equal to 1000000/);
        assert.match(error.message, /flag queue\.maxAttempts: Number must be less than or equal to 100/);
        return true;
      },
    );
    assert.equal(testConfig({ 'worker.leaseSeconds': 2_073_600 }).worker.leaseSeconds, 2_073_600);
  });
});
