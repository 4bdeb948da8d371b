/**
 * Tests for the output validator: fail-closed JSON parsing, human-readable schema errors, formats,
 * schema drafts, and enqueue-time input validation of the built-in interrogation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { swEntityFactsOutputSchema, swEntityFactsV1 } from '../src/interrogations/sw-entity-facts-v1.ts';
import {
  createOutputValidator,
  InvalidJsonSchemaError,
  validateInput,
} from '../src/validation/output-validator.ts';
import { seedOutput } from './support/seed-examples.ts';


const seedInput = {
  entity_type: 'character',
  entity_id: 'luke_skywalker',
  source_refs: [],
  extra_params: {
    evidence: [{ evidence_id: 'e1', source_uri: 'wookieepedia', text: 'Luke Skywalker was a human male Jedi.' }],
  },
};

function withFact(change: Record<string, unknown>): string {
  return JSON.stringify({ ...seedOutput, facts: [{ ...seedOutput.facts[0], ...change }] });
}

describe('createOutputValidator', () => {
  const validator = createOutputValidator(swEntityFactsOutputSchema);

  it('accepts the seed example output and returns the parsed value', () => {
    const result = validator.validate(JSON.stringify(seedOutput, null, 2));
    assert.deepEqual(result, { ok: true, value: seedOutput });
  });

  it('fails closed on empty, whitespace-only, non-JSON, fenced and trailing-garbage answers', () => {
    for (const text of ['', '   \n', 'Luke is a Jedi.', '```json\n{}\n```', `${JSON.stringify(seedOutput)} trailing`, '{"entity_type":']) {
      const result = validator.validate(text);
      assert.equal(result.ok, false, `expected ${JSON.stringify(text)} to fail`);
      if (result.ok) continue;
      assert.equal(result.kind, 'invalid_json', `kind for ${JSON.stringify(text)}`);
      assert.ok(result.errors.length > 0);
    }
    const empty = validator.validate('');
    assert.ok(!empty.ok && empty.message.includes('empty'));
    const prose = validator.validate('Luke is a Jedi.');
    assert.ok(!prose.ok && prose.message.includes('not valid JSON') && prose.message.includes('Luke is a Jedi.'));
  });

  it('explains schema violations as path + reason lines', () => {
    const result = validator.validate(withFact({ confidence: 1.5 }));
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.kind, 'schema');
    assert.deepEqual(result.errors, ['/facts/0/confidence must be <= 1']);
    assert.equal(
      result.message,
      'the answer does not match the output schema (1 problem): /facts/0/confidence must be <= 1',
    );
  });

  it('reports every problem at once (allErrors), with details for required, additional and enum', () => {
    const { entity_name: _omitted, ...withoutName } = seedOutput;
    const answer = {
      ...withoutName,
      entity_type: 'spaceship',
      facts: [{ ...seedOutput.facts[0], source: 'x', evidence_ids: [] }],
    };
    const result = validator.validate(JSON.stringify(answer));
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.ok(result.errors.includes("/ must have required property 'entity_name'"), result.errors.join('\n'));
    assert.ok(result.errors.includes("/facts/0 must NOT have additional properties ('source')"), result.errors.join('\n'));
    assert.ok(result.errors.includes('/facts/0/evidence_ids must NOT have fewer than 1 items'), result.errors.join('\n'));
    const enumLine = result.errors.find((line) => line.startsWith('/entity_type must be equal to one of the allowed values'));
    assert.ok(enumLine?.includes('"character"'), enumLine);
    assert.match(result.message, /\(4 problems\)/);
  });

  it('rejects a value of the wrong type and a fact_key that is not snake_case', () => {
    const result = validator.validate(withFact({ value: { nested: true }, fact_key: 'Birth Year' }));
    assert.ok(!result.ok);
    assert.ok(result.errors.includes('/facts/0/value must be string,number,boolean,null'), result.errors.join('\n'));
    assert.ok(result.errors.includes('/facts/0/fact_key must match pattern "^[a-z0-9_]+$"'), result.errors.join('\n'));
  });

  it('lists at most five errors in the message but keeps all of them in errors', () => {
    const facts = Array.from({ length: 7 }, () => ({ ...seedOutput.facts[0], confidence: 2 }));
    const result = validator.validate(JSON.stringify({ ...seedOutput, facts }));
    assert.ok(!result.ok);
    assert.equal(result.errors.length, 7);
    assert.match(result.message, /\(and 2 more\)$/);
  });

  it('checks formats (ajv-formats)', () => {
    const dated = createOutputValidator({
      type: 'object',
      properties: { when: { type: 'string', format: 'date-time' } },
      required: ['when'],
    });
    assert.equal(dated.validate('{"when":"2024-01-15T10:00:00Z"}').ok, true);
    const bad = dated.validate('{"when":"yesterday"}');
    assert.ok(!bad.ok && bad.errors[0] === '/when must match format "date-time"', JSON.stringify(bad));
  });

  it('supports draft 2020-12 schemas when $schema says so', () => {
    const pair = createOutputValidator({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
    });
    assert.equal(pair.validate('["a", 1]').ok, true);
    assert.equal(pair.validate('["a", 1, 2]').ok, false);
  });

  it('throws InvalidJsonSchemaError for a schema that is not a JSON Schema', () => {
    assert.throws(() => createOutputValidator({ type: 'strnig' }), InvalidJsonSchemaError);
    assert.throws(() => createOutputValidator({ $ref: '#/definitions/missing' }), InvalidJsonSchemaError);
  });

  it('never fills defaults into a model answer', () => {
    const withDefault = createOutputValidator({ type: 'object', properties: { a: { type: 'number', default: 1 } } });
    assert.deepEqual(withDefault.validate('{}'), { ok: true, value: {} });
  });
});

describe('validateInput', () => {
  it('accepts the seed example input', () => {
    assert.deepEqual(validateInput(swEntityFactsV1, seedInput), { ok: true, value: seedInput });
  });

  it('fills source_refs with its default on a copy, leaving the caller object alone', () => {
    const input = { entity_type: 'planet', entity_id: 'tatooine' };
    const result = validateInput(swEntityFactsV1, input);
    assert.deepEqual(result, { ok: true, value: { entity_type: 'planet', entity_id: 'tatooine', source_refs: [] } });
    assert.deepEqual(input, { entity_type: 'planet', entity_id: 'tatooine' });
  });

  it('rejects bad inputs with readable errors', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...seedInput, entity_id: 'Luke Skywalker' }, '/entity_id must match pattern "^[a-z0-9_]+$"'],
      [{ ...seedInput, entity_type: 'spaceship' }, '/entity_type must be equal to one of the allowed values'],
      [{ entity_type: 'character' }, "/ must have required property 'entity_id'"],
      [{ ...seedInput, colour: 'blue' }, "/ must NOT have additional properties ('colour')"],
      [{ ...seedInput, source_refs: 'a' }, '/source_refs must be array'],
      [
        { ...seedInput, extra_params: { evidence: [{ evidence_id: 'e1', text: 'x' }] } },
        "/extra_params/evidence/0 must have required property 'source_uri'",
      ],
      ['not an object', '/ must be object'],
    ];
    for (const [input, expected] of cases) {
      const result = validateInput(swEntityFactsV1, input);
      assert.ok(!result.ok, `expected failure for ${JSON.stringify(input)}`);
      assert.equal(result.kind, 'schema');
      assert.ok(
        result.errors.some((line) => line.startsWith(expected)),
        `expected "${expected}" in ${JSON.stringify(result.errors)}`,
      );
      assert.match(result.message, /^the input does not match the input schema of sw_entity_facts_v1/);
    }
  });
});
