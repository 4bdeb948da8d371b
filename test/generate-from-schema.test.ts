/**
 * The simulator's schema-driven answer generator: every generated value must validate with Ajv (the
 * validator the project uses on real answers), every "violation" must fail it, and generation must be
 * deterministic per seed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { compileSchema, SchemaCompileError, type GenerationContext } from '../src/simulator/generate-from-schema.ts';
import { compilePattern } from '../src/simulator/generate-from-pattern.ts';
import { extractWords } from '../src/simulator/plausible-text.ts';
import { SeededRandom } from '../src/simulator/seeded-random.ts';

const words = extractWords('Ada Lovelace wrote the first algorithm for the Analytical Engine in London in 1843, ein schöner Bericht 🚀.');

function contextFor(seed: number): GenerationContext {
  return { random: SeededRandom.fromNumber(seed), words };
}

function validatorFor(schema: object, draft2020 = false): ValidateFunction {
  const ajv = draft2020 ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  return ajv.compile(schema);
}

const schemas: Record<string, { schema: object; draft2020?: boolean }> = {
  'flat object': {
    schema: {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0, maximum: 120 }, member: { type: 'boolean' } },
      required: ['name', 'age', 'member'],
      additionalProperties: false,
    },
  },
  'nested arrays, enums, nullable': {
    schema: {
      type: 'object',
      properties: {
        people: {
          type: 'array',
          minItems: 2,
          maxItems: 4,
          items: {
            type: 'object',
            properties: {
              full_name: { type: 'string', minLength: 3, maxLength: 12 },
              role: { enum: ['author', 'editor', 'witness'] },
              nickname: { type: ['string', 'null'] },
              score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            },
            required: ['full_name', 'role', 'nickname', 'score'],
          },
        },
        kind: { const: 'report' },
      },
      required: ['people', 'kind'],
    },
  },
  'formats and patterns': {
    schema: {
      type: 'object',
      properties: {
        day: { type: 'string', format: 'date' },
        at: { type: 'string', format: 'date-time' },
        time: { type: 'string', format: 'time' },
        link: { type: 'string', format: 'uri' },
        mail: { type: 'string', format: 'email' },
        id: { type: 'string', format: 'uuid' },
        host: { type: 'string', format: 'hostname' },
        ip: { type: 'string', format: 'ipv4' },
        code: { type: 'string', pattern: '^[A-Z]{2}-\\d{4}$' },
        slug: { type: 'string', pattern: '^(?:foo|bar)_[a-z0-9]+$', maxLength: 8 },
      },
      required: ['day', 'at', 'time', 'link', 'mail', 'id', 'host', 'ip', 'code', 'slug'],
    },
  },
  'numbers with bounds and multipleOf': {
    schema: {
      type: 'array',
      prefixItems: [
        { type: 'integer', exclusiveMinimum: 5, exclusiveMaximum: 8 },
        { type: 'number', multipleOf: 0.25, minimum: 1, maximum: 2 },
        { type: 'integer', multipleOf: 7, minimum: 10 },
        { type: 'number', maximum: -3 },
      ],
      items: false,
      minItems: 4,
    },
    draft2020: true,
  },
  'recursive $ref through $defs': {
    schema: {
      $defs: {
        node: {
          type: 'object',
          properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['label', 'children'],
        },
      },
      $ref: '#/$defs/node',
    },
    draft2020: true,
  },
  'draft-07 definitions, tuple items, additionalItems': {
    schema: {
      definitions: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false, minItems: 2 } },
      type: 'object',
      properties: { pairs: { type: 'array', items: { $ref: '#/definitions/pair' }, minItems: 1 } },
      required: ['pairs'],
    },
  },
  'allOf merge with $ref and closed member': {
    schema: {
      definitions: { named: { type: 'object', properties: { name: { type: 'string', minLength: 2 } }, required: ['name'] } },
      allOf: [
        { $ref: '#/definitions/named' },
        { properties: { name: { maxLength: 6 }, year: { type: 'integer', minimum: 1900, maximum: 2000 } }, required: ['year'] },
      ],
    },
  },
  'oneOf with const discriminators and anyOf with siblings': {
    schema: {
      type: 'object',
      properties: {
        event: {
          oneOf: [
            { type: 'object', properties: { type: { const: 'birth' }, place: { type: 'string' } }, required: ['type', 'place'], additionalProperties: false },
            { type: 'object', properties: { type: { const: 'death' }, cause: { type: 'string' } }, required: ['type', 'cause'], additionalProperties: false },
          ],
        },
        contact: {
          type: 'object',
          properties: { phone: { type: 'string' }, email: { type: 'string', format: 'email' } },
          anyOf: [{ required: ['phone'] }, { required: ['email'] }],
        },
      },
      required: ['event', 'contact'],
    },
  },
  'maps, uniqueItems, minProperties': {
    schema: {
      type: 'object',
      properties: {
        counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, minProperties: 2 },
        tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true, minItems: 3 },
      },
      required: ['counts', 'tags'],
    },
  },
  'root scalar and empty schema': { schema: { type: 'string', minLength: 40, maxLength: 45 } },
};

describe('generateFromSchema', () => {
  for (const [name, { schema, draft2020 }] of Object.entries(schemas)) {
    test(`values satisfy the schema: ${name}`, () => {
      const validate = validatorFor(schema, draft2020);
      const compiled = compileSchema(schema);
      for (let seed = 0; seed < 150; seed += 1) {
        const value = compiled.generate(contextFor(seed));
        assert.ok(validate(value), `seed ${seed}: ${JSON.stringify(value)} ${JSON.stringify(validate.errors)}`);
      }
    });

    test(`violations break the schema: ${name}`, () => {
      const validate = validatorFor(schema, draft2020);
      const compiled = compileSchema(schema);
      for (let seed = 0; seed < 40; seed += 1) {
        const context = contextFor(seed);
        const violation = compiled.violate(compiled.generate(context), context);
        assert.ok(violation !== undefined, 'every schema above can be violated');
        assert.equal(validate(violation.value), false, `seed ${seed}: ${JSON.stringify(violation.value)} should be invalid`);
      }
    });
  }

  test('the empty schema accepts anything, so it cannot be violated', () => {
    const compiled = compileSchema({});
    const context = contextFor(1);
    assert.equal(compiled.violate(compiled.generate(context), context), undefined);
  });

  test('deterministic per seed, different across seeds', () => {
    const compiled = compileSchema(schemas['nested arrays, enums, nullable']!.schema);
    const first = JSON.stringify(compiled.generate(contextFor(42)));
    assert.equal(JSON.stringify(compiled.generate(contextFor(42))), first);
    const others = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(compiled.generate(contextFor(seed)))));
    assert.ok(!others.has(first));
    assert.ok(others.size >= 4);
  });

  test('string values are made of the words given', () => {
    const compiled = compileSchema({ type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] });
    const value = compiled.generate(contextFor(3)) as { summary: string };
    const used = value.summary.replace(/\.$/, '').split(' ');
    assert.ok(used.length >= 8);
    for (const word of used) assert.ok(words.map((entry) => entry.toLowerCase()).includes(word.toLowerCase()), word);
  });

  test('malformed or unsatisfiable schemas are SchemaCompileError', () => {
    const broken: object[] = [
      { $ref: '#/$defs/missing' },
      { $ref: 'https://example.com/schema.json' },
      { type: 'string', minLength: 5, maxLength: 2 },
      { type: 'integer', minimum: 3, maximum: 2 },
      { type: 'text' },
      { type: 'object', properties: { self: { $ref: '#' } }, required: ['self'] },
      { type: 'object', properties: { a: false }, required: ['a'] },
      { enum: [1, 2], type: 'string' },
    ];
    for (const schema of broken) assert.throws(() => compileSchema(schema), SchemaCompileError, JSON.stringify(schema));
  });
});

describe('compilePattern', () => {
  test('generates matching strings for the supported subset', () => {
    const patterns = ['^\\d{3}-\\d{2}$', '[A-Fa-f0-9]{8}', '^(cat|dog)s?$', '^[^x-z]{2,5}\\.txt$', 'a+b*c?', '^\\w+@\\w+\\.org$'];
    for (const pattern of patterns) {
      const compiled = compilePattern(pattern);
      assert.ok(compiled !== undefined, pattern);
      for (let seed = 0; seed < 30; seed += 1) {
        const text = compiled.generate(SeededRandom.fromNumber(seed));
        assert.match(text, new RegExp(pattern, 'u'));
      }
    }
  });

  test('returns undefined for lookarounds, back-references and invalid expressions', () => {
    for (const pattern of ['^(?=a)a$', '(a)\\1', '\\bword', '[']) assert.equal(compilePattern(pattern), undefined, pattern);
  });
});
