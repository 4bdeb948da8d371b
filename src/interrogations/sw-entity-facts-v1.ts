/**
 * The built-in `sw_entity_facts_v1` interrogation: extract normalised, evidence-cited facts about one Star
 * Wars entity. The output schema is plain draft-07 (type, properties, required, additionalProperties, enum,
 * pattern, minimum/maximum, minItems) so Ollama's structured outputs accept it as the `format`.
 */
import type { JsonSchema } from '../providers/llm-provider.ts';
import type { Interrogation } from './interrogation.ts';

export const starWarsEntityTypes = [
  'character',
  'droid',
  'creature',
  'species',
  'planet',
  'star_system',
  'location',
  'starship',
  'vehicle',
  'weapon',
  'item',
  'organization',
  'event',
  'era',
] as const;
export type StarWarsEntityType = (typeof starWarsEntityTypes)[number];

const identifierPattern = '^[a-z0-9_]+$';

export const swEntityFactsInputSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    entity_type: { type: 'string', enum: [...starWarsEntityTypes] },
    entity_id: { type: 'string', pattern: identifierPattern, description: 'snake_case id, e.g. luke_skywalker' },
    source_refs: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'References to the sources the evidence comes from, kept for lineage.',
    },
    extra_params: {
      type: 'object',
      properties: {
        evidence: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              evidence_id: { type: 'string', minLength: 1 },
              source_uri: { type: 'string' },
              text: { type: 'string' },
            },
            required: ['evidence_id', 'source_uri', 'text'],
            additionalProperties: false,
          },
        },
      },
    },
  },
  required: ['entity_type', 'entity_id'],
  additionalProperties: false,
};

export const swEntityFactsOutputSchema: JsonSchema = {
  type: 'object',
  properties: {
    entity_type: { type: 'string', enum: [...starWarsEntityTypes] },
    entity_id: { type: 'string', pattern: identifierPattern },
    entity_name: { type: 'string', minLength: 1 },
    facts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          fact_key: { type: 'string', pattern: identifierPattern },
          value: { type: ['string', 'number', 'boolean', 'null'] },
          unit: { type: ['string', 'null'] },
          confidence: { type: 'number', minimum: 0, maximum: 1 },
          evidence_ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
          notes: { type: ['string', 'null'] },
        },
        required: ['fact_key', 'value', 'unit', 'confidence', 'evidence_ids', 'notes'],
        additionalProperties: false,
      },
    },
  },
  required: ['entity_type', 'entity_id', 'entity_name', 'facts'],
  additionalProperties: false,
};

export const swEntityFactsSystemPrompt = `You extract facts about Star Wars entities from evidence, for a database that must be auditable.

Rules:
- Use ONLY the evidence in the user message. Do not add anything from your own knowledge, even if you are sure of it.
- Every fact cites, in evidence_ids, the evidence_id of each item that supports it. Cite only ids that appear in the evidence.
- If the evidence does not support a fact, leave the fact out. An empty facts list is a valid answer.
- confidence is a number from 0 to 1: 1.0 when the evidence states the fact outright, lower when it is only implied, ambiguous or the items disagree (say why in notes).
- Answer with one JSON object that matches the required schema and nothing else: no prose, no markdown, no code fences.`;

export const swEntityFactsPromptTemplate = `Extract the facts the evidence gives about this Star Wars entity.

Entity type: {{input.entity_type}}
Entity id: {{input.entity_id}}

## Evidence ({{evidence_count}} items)

{{#evidence}}
[evidence_id: {{evidence_id}}]
source: {{source_uri}}
{{#truncated}}
Note: this item was truncated; only the first {{chars}} of its {{original_chars}} characters are shown.
{{/truncated}}
<<<
{{text}}
>>>

{{/evidence}}
{{^evidence}}
No evidence was provided, so no fact can be supported: answer with an empty facts list.

{{/evidence}}
{{#has_dropped}}
Note: {{dropped_count}} further evidence item(s) were left out because the evidence budget was used up.

{{/has_dropped}}
## How to answer

- entity_type and entity_id: copy them exactly as given above.
- entity_name: the entity's name as the evidence gives it.
- facts: one entry per fact.
  - fact_key: a short snake_case key such as species, gender, homeworld, birth_year, height, affiliation, occupation, manufacturer, model, class, length, crew.
  - value: a string, a number, a boolean, or null when the evidence says it is unknown; numbers as JSON numbers, with the unit in unit (value 19 and unit "BBY"; value 1.72 and unit "m"); unit is null when there is none.
  - Several values for one key (e.g. two affiliations) are several facts with the same fact_key.
  - evidence_ids: the evidence_id of every item that supports the fact.
  - confidence: 0 to 1, as described in your instructions.
  - notes: a short remark (e.g. a conflict between items), or null.
{{#rubric}}

## What a good answer looks like

{{rubric}}
{{/rubric}}

## Required JSON Schema

{{output_schema_json}}
`;

export const swEntityFactsRubric = `- Every fact is supported by the cited evidence; nothing comes from outside knowledge.
- Every fact cites at least one evidence_id, and only ids present in the evidence.
- entity_type and entity_id are copied from the request; entity_name is the name the evidence uses.
- fact_key values are stable snake_case keys; one fact per value (multi-valued keys repeat the key).
- Numbers are JSON numbers with their unit in unit (birth_year 19 with unit BBY), not strings like "19 BBY".
- confidence is 1.0 only for facts the evidence states outright; inferred or conflicting facts score lower and explain why in notes.
- Facts the evidence does not support are left out rather than guessed.`;

export const swEntityFactsV1: Interrogation = {
  key: 'sw_entity_facts_v1',
  title: 'Star Wars entity facts (v1)',
  description:
    'Extracts normalised facts (species, homeworld, birth year, ...) about one Star Wars entity from the evidence given, each fact citing its evidence and carrying a confidence.',
  systemPrompt: swEntityFactsSystemPrompt,
  promptTemplate: swEntityFactsPromptTemplate,
  outputSchema: swEntityFactsOutputSchema,
  inputSchema: swEntityFactsInputSchema,
  defaults: { model: 'llama3.2', options: { temperature: 0 }, maxAttempts: 3, priority: 100 },
  rubric: swEntityFactsRubric,
  source: 'builtin',
};
