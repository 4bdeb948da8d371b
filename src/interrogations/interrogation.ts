import type { GenerationOptions, JsonSchema, ProviderOptions } from '../providers/llm-provider.ts';

/**
 * An interrogation is one kind of question we put to a model: a prompt template, the JSON Schema its
 * answer must satisfy, the contract its input must meet, defaults, and the rubric it is judged by.
 * Jobs name one by `key` (e.g. `sw_entity_facts_v1`).
 */
export interface Interrogation {
  key: string;
  title: string;
  description?: string;
  /** System message sent before the rendered prompt. */
  systemPrompt?: string;
  /** Mustache template rendered with the job input, the evidence bundle and the rubric. */
  promptTemplate: string;
  /**
   * The answer's contract (sent to the model as the structured-output format, then enforced with Ajv).
   * Absent: a free-text interrogation — the answer is text (a draft, an essay), sent without a format.
   */
  outputSchema?: JsonSchema;
  /** Free text only: the named parser the answer goes through (src/documents/text-parsers.ts); default none. */
  parser?: string;
  /** The job input's contract, checked at enqueue time. */
  inputSchema: JsonSchema;
  defaults: InterrogationDefaults;
  /** What a good answer looks like; rendered into the prompt and kept for evaluations. */
  rubric?: string;
  /** `builtin`, or the path of the file it was loaded from. */
  source: string;
}

export interface InterrogationDefaults {
  model?: string;
  options?: GenerationOptions;
  /** Options for one backend kind (e.g. `{ ollama: { numCtx: 8192 } }`), over the endpoint's settings. */
  providerOptions?: ProviderOptions;
  maxAttempts?: number;
  priority?: number;
}
