/**
 * `eval_judge_v1`: the LLM-judge metric's question. A model grades one evaluation item's answer against
 * the expected one, by a rubric, with a verdict that must match a JSON Schema. The metric asks it
 * directly in `evaluate()` (src/evaluations/metrics/llm-judge.ts) and as a queued job for runs that go
 * through the queue; both render this same template, so a verdict is made the same way either way.
 */
import type { JsonSchema } from '../providers/llm-provider.ts';
import type { Interrogation } from './interrogation.ts';

export const judgeVerdictSchema: JsonSchema = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['correct', 'partially_correct', 'incorrect'] },
    score: { type: 'number', minimum: 0, maximum: 1 },
    reason: { type: 'string', minLength: 1, maxLength: 600 },
  },
  required: ['verdict', 'score', 'reason'],
  additionalProperties: false,
};

export const defaultJudgeRubric =
  'The answer is correct when it says what the expected answer says: the same facts and values, however worded. Extra facts that are not contradicted do not make it wrong; missing or wrong ones do.';

export const evalJudgeV1: Interrogation = {
  key: 'eval_judge_v1',
  title: 'LLM judge for evaluations (v1)',
  description: 'Grades an evaluation item’s answer against the expected answer, by a rubric, with a verdict and a 0–1 score.',
  systemPrompt: 'You are a careful, strict grader. Judge only the answer against the expected answer and the rubric. Answer with one JSON object that matches the schema, nothing else.',
  promptTemplate: `Grade the answer to evaluation item {{input.item_key}}.

## Question (the item's input)

{{input.question}}

## Expected answer

{{input.expected}}

## Answer to grade

<<<
{{input.answer}}
>>>

## Rubric

{{input.rubric}}

Give a verdict (correct, partially_correct or incorrect), a score from 0 (wrong) to 1 (fully right), and a one-sentence reason.

## Required JSON Schema

{{output_schema_json}}
`,
  outputSchema: judgeVerdictSchema,
  inputSchema: {
    type: 'object',
    properties: {
      item_key: { type: 'string', minLength: 1 },
      question: { type: 'string' },
      expected: { type: 'string' },
      answer: { type: 'string' },
      rubric: { type: 'string', minLength: 1 },
    },
    required: ['item_key', 'question', 'expected', 'answer', 'rubric'],
    additionalProperties: false,
  },
  defaults: { options: { temperature: 0 }, maxAttempts: 3, priority: 70 },
  rubric: defaultJudgeRubric,
  source: 'builtin',
};
