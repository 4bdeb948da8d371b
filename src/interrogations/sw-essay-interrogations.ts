/**
 * The two later stages of the built-in Star Wars pipeline (src/pipelines/star-wars-pipeline.ts):
 * - `sw_entity_essay_v1`, free text: a short encyclopedia-style essay written only from the facts the
 *   first stage extracted (no output schema; the answer goes through the `strip-preamble` parser);
 * - `sw_essay_evaluation_v1`, structured: a rubric-scored judgement of that essay against the facts.
 */
import type { JsonSchema } from '../providers/llm-provider.ts';
import type { Interrogation } from './interrogation.ts';

const essayInputSchema: JsonSchema = {
  type: 'object',
  properties: {
    entity_type: { type: 'string', minLength: 1 },
    entity_id: { type: 'string', minLength: 1 },
    facts: { type: 'string', minLength: 1, description: 'the facts document, as JSON text' },
  },
  required: ['entity_id', 'facts'],
  additionalProperties: false,
};

export const swEntityEssayV1: Interrogation = {
  key: 'sw_entity_essay_v1',
  title: 'Star Wars entity essay (v1, free text)',
  description: 'Writes a short essay about one Star Wars entity using only the facts extracted before.',
  systemPrompt:
    'You write short, accurate encyclopedia entries. Use only the facts you are given; never add anything from your own knowledge. Plain prose, no headings, no lists.',
  promptTemplate: `Write a short essay (one to three paragraphs) about the Star Wars {{input.entity_type}} "{{input.entity_id}}".

Use only these facts (JSON, each with the evidence it came from):

{{input.facts}}

Answer with the essay only.`,
  inputSchema: essayInputSchema,
  parser: 'strip-preamble',
  defaults: { model: 'llama3.2', options: { temperature: 0 }, maxAttempts: 3, priority: 90 },
  rubric: 'Every statement of the essay is one of the facts given; nothing else is claimed.',
  source: 'builtin',
};

const evaluationInputSchema: JsonSchema = {
  type: 'object',
  properties: {
    entity_id: { type: 'string', minLength: 1 },
    essay: { type: 'string', minLength: 1 },
    facts: { type: 'string', minLength: 1 },
  },
  required: ['entity_id', 'essay', 'facts'],
  additionalProperties: false,
};

const criteria = ['faithful_to_facts', 'coverage', 'no_outside_knowledge', 'clarity'] as const;

const evaluationOutputSchema: JsonSchema = {
  type: 'object',
  properties: {
    entity_id: { type: 'string', minLength: 1 },
    scores: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          criterion: { type: 'string', enum: [...criteria] },
          score: { type: 'integer', minimum: 1, maximum: 5 },
          reason: { type: 'string', minLength: 1, maxLength: 400 },
        },
        required: ['criterion', 'score', 'reason'],
        additionalProperties: false,
      },
      minItems: 1,
      maxItems: 4,
    },
    overall: { type: 'integer', minimum: 1, maximum: 5 },
    verdict: { type: 'string', enum: ['accept', 'revise', 'reject'] },
  },
  required: ['entity_id', 'scores', 'overall', 'verdict'],
  additionalProperties: false,
};

export const swEssayEvaluationV1: Interrogation = {
  key: 'sw_essay_evaluation_v1',
  title: 'Star Wars essay evaluation (v1)',
  description: 'Judges an essay against the facts it was written from, criterion by criterion, on a 1–5 scale.',
  systemPrompt: 'You are a strict reviewer. Judge only against the facts given. Answer with one JSON object that matches the schema, nothing else.',
  promptTemplate: `Judge this essay about "{{input.entity_id}}" against the facts it was written from.

## Facts

{{input.facts}}

## Essay

<<<
{{input.essay}}
>>>

## Rubric

{{rubric}}

Score each criterion from 1 (poor) to 5 (excellent) with a one-sentence reason, give an overall score and a verdict.

## Required JSON Schema

{{output_schema_json}}
`,
  outputSchema: evaluationOutputSchema,
  inputSchema: evaluationInputSchema,
  defaults: { model: 'llama3.2', options: { temperature: 0 }, maxAttempts: 3, priority: 80 },
  rubric: `- faithful_to_facts: every statement in the essay is one of the facts.
- coverage: the essay uses the important facts (name, type, the facts with high confidence).
- no_outside_knowledge: nothing in the essay comes from outside the facts.
- clarity: the essay reads as plain, well-formed prose.`,
  source: 'builtin',
};
