/**
 * The LLM-judge metric: a model grades each answer against the expected one by a rubric, answering with
 * a verdict that must match a JSON Schema (`eval_judge_v1`: verdict, a 0–1 score, a reason). The score's
 * details keep the exact prompt and the model's raw answer, so every grade can be audited.
 *
 * - `llmJudge({ provider, model, rubric? })` for `evaluate()`: asks through the provider interface,
 *   item by item (against the simulator in tests: its seeded answers make the verdicts deterministic).
 * - In a queued run (`{"type": "llm_judge", "model": …}` in --metrics) the judgement is itself a job of
 *   the `eval_judge_v1` interrogation, enqueued in the transaction that scores the item and recorded in
 *   the one that records the judge's attempt (src/evaluations/queue/judge-jobs.ts); its attempt folder
 *   holds the prompt and raw answer too.
 *
 * Its version hashes the model, the rubric, the template and the verdict schema: a changed judge is a
 * different metric.
 */
import { renderPrompt } from '../../interrogations/render-prompt.ts';
import { defaultJudgeRubric, evalJudgeV1, judgeVerdictSchema } from '../../interrogations/eval-judge-v1.ts';
import { evidenceBundleVersion, type EvidenceBundle } from '../../evidence/build-evidence-bundle.ts';
import type { GenerationOptions, LlmProvider } from '../../providers/llm-provider.ts';
import { compileJsonSchema } from '../../validation/output-validator.ts';
import { checkMetricName, metricVersion, type Metric, type MetricScore, type ScoringInput } from './metric.ts';

export interface JudgeVerdict {
  verdict: 'correct' | 'partially_correct' | 'incorrect';
  score: number;
  reason: string;
}

export interface LlmJudgeSettings {
  provider: LlmProvider;
  model: string;
  rubric?: string;
  name?: string;
  options?: GenerationOptions;
}

/** The judge's job input for one item (what the template renders). */
export function judgeInput(input: Pick<ScoringInput, 'itemKey' | 'input' | 'expected' | 'output'>, rubric: string | undefined): Record<string, string> {
  return {
    item_key: input.itemKey,
    question: asText(input.input),
    expected: asText(input.expected),
    answer: asText(input.output),
    rubric: rubric ?? defaultJudgeRubric,
  };
}

/** The version of a judge metric: model, rubric, template and schema. */
export function judgeVersion(model: string, rubric: string | undefined, options?: GenerationOptions): string {
  return metricVersion('llm_judge', { model, rubric: rubric ?? defaultJudgeRubric, template: evalJudgeV1.promptTemplate, system: evalJudgeV1.systemPrompt, schema: judgeVerdictSchema, options: options ?? null });
}

const validateVerdict = compileJsonSchema(judgeVerdictSchema);

/** Checks a judge's answer (JSON text or a parsed value) against the verdict schema. */
export function parseVerdict(answer: unknown): { ok: true; verdict: JudgeVerdict } | { ok: false; error: string } {
  let value = answer;
  if (typeof answer === 'string') {
    try {
      value = JSON.parse(answer);
    } catch (error) {
      return { ok: false, error: `the judge's answer is not JSON: ${(error as Error).message}` };
    }
  }
  if (!validateVerdict(structuredClone(value))) return { ok: false, error: 'the judge’s answer does not match the verdict schema' };
  return { ok: true, verdict: value as JudgeVerdict };
}

/** The score of one judged item: the verdict's score; passed when the verdict is `correct`. */
export function judgeScore(name: string, verdict: JudgeVerdict, audit: Record<string, unknown>): MetricScore {
  return { metric: name, field: null, value: verdict.score, passed: verdict.verdict === 'correct', details: { verdict: verdict.verdict, reason: verdict.reason, ...audit } };
}

/** An item with no answer is not sent to the judge: it scores 0. */
export function unansweredScore(name: string, input: Pick<ScoringInput, 'error'>): MetricScore {
  return { metric: name, field: null, value: 0, passed: false, details: { verdict: 'incorrect', reason: input.error ?? 'no answer', judged: false } };
}

export function llmJudge(settings: LlmJudgeSettings): Metric {
  const name = checkMetricName(settings.name ?? 'llm_judge');
  const options: GenerationOptions = { temperature: 0, ...(settings.options ?? {}) };
  return {
    name,
    version: judgeVersion(settings.model, settings.rubric, settings.options),
    binary: false,
    lowerIsBetter: false,
    async score(input) {
      if (input.output === null || input.output === undefined) return [unansweredScore(name, input)];
      const prompt = renderPrompt(evalJudgeV1, { input: judgeInput(input, settings.rubric), bundle: emptyBundle });
      const result = await settings.provider.chat({ model: settings.model, messages: prompt.messages, schema: judgeVerdictSchema, options });
      const audit = { prompt: prompt.promptText, rawAnswer: result.content, model: result.model, endpoint: result.servedBy.endpointId };
      const parsed = parseVerdict(result.content);
      if (!parsed.ok) return [{ metric: name, field: null, value: null, passed: null, details: { error: parsed.error, ...audit } }];
      return [judgeScore(name, parsed.verdict, audit)];
    },
  };
}

const emptyBundle: EvidenceBundle = { bundle_version: evidenceBundleVersion, items: [], total_chars: 0, truncated: false, limits: { max_item_chars: 1, max_total_chars: 1 }, dropped: [] };

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? 'null');
}
