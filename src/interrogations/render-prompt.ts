/**
 * Renders an interrogation's mustache template into chat messages, with no HTML escaping (evidence text
 * reaches the model exactly as written). On a retry it appends a section telling the model why its
 * previous answer was rejected. `promptText` is the same messages formatted for a human (prompt.txt).
 *
 * The template sees a `PromptView`: `input`, `evidence` (the bundle items, each with `position`), `bundle`,
 * `rubric`, `output_schema_json`, ... The system prompt is sent verbatim, not rendered.
 *
 * An interrogation is one object, never changed, for the life of the process (as in
 * src/documents/interrogation-hashes.ts): its template is parsed and its schema serialised once, not once
 * per job; `promptText` is formatted only when read (a cache hit writes no prompt.txt).
 */
import Mustache from 'mustache';
import type { EvidenceBundle, EvidenceItem } from '../evidence/build-evidence-bundle.ts';
import type { ChatMessage } from '../providers/llm-provider.ts';
import type { Interrogation } from './interrogation.ts';

export interface PreviousFailure {
  /** `invalid_output`: not JSON or not matching the schema; `truncated`: cut off by the output limit. */
  kind: 'invalid_output' | 'truncated';
  message: string;
  /** One line per problem, e.g. `/facts/0/confidence must be <= 1`. */
  errors?: string[];
}

export interface RenderPromptContext {
  /** The job input (already validated against the interrogation's input schema). */
  input: unknown;
  bundle: EvidenceBundle;
  previousFailure?: PreviousFailure;
}

export interface RenderedPrompt {
  messages: ChatMessage[];
  /** Exactly what the messages contain, as `### system\n…\n\n### user\n…`. */
  promptText: string;
}

export interface PromptViewEvidence extends EvidenceItem {
  /** 1-based position in the bundle. */
  position: number;
}

/** What a template can refer to. */
export interface PromptView {
  interrogation: { key: string; title: string };
  input: unknown;
  /** The input as pretty-printed JSON. */
  input_json: string;
  evidence: PromptViewEvidence[];
  evidence_count: number;
  has_evidence: boolean;
  dropped: EvidenceBundle['dropped'];
  dropped_count: number;
  has_dropped: boolean;
  bundle: EvidenceBundle;
  rubric: string;
  /** The output schema as compact JSON (it is sent with every prompt, so no indentation). */
  output_schema_json: string;
}

export class PromptRenderError extends Error {
  override readonly name = 'PromptRenderError';
}

/** How many validation errors a retry prompt lists. */
const maximumListedErrors = 20;

const noEscaping = { escape: (value: unknown): string => String(value) };

/** What every prompt of one interrogation shares: the parsed template and the compact schema JSON. */
interface PreparedInterrogation {
  template: string;
  tokens: TemplateSpans;
  schema: Interrogation['outputSchema'];
  schemaJson: string;
}

// The typings of `renderTokens` take the spans `parse` returns as string[][].
type TemplateSpans = Parameters<Mustache.Writer['renderTokens']>[0];

const writer = new Mustache.Writer();
const prepared = new WeakMap<Interrogation, PreparedInterrogation>();

/** Parses the template (mustache's default tags, as `Mustache.render` does) and serialises the schema, once per interrogation; again if either was replaced. */
function preparedOf(interrogation: Interrogation): PreparedInterrogation {
  let entry = prepared.get(interrogation);
  if (entry === undefined || entry.template !== interrogation.promptTemplate || entry.schema !== interrogation.outputSchema) {
    entry = {
      template: interrogation.promptTemplate,
      tokens: writer.parse(interrogation.promptTemplate) as unknown as TemplateSpans,
      schema: interrogation.outputSchema,
      schemaJson: JSON.stringify(interrogation.outputSchema),
    };
    prepared.set(interrogation, entry);
  }
  return entry;
}

function schemaJsonOf(interrogation: Interrogation): string {
  const entry = prepared.get(interrogation);
  return entry !== undefined && entry.schema === interrogation.outputSchema ? entry.schemaJson : JSON.stringify(interrogation.outputSchema);
}

export function buildPromptView(interrogation: Interrogation, context: RenderPromptContext): PromptView {
  const { bundle } = context;
  return {
    interrogation: { key: interrogation.key, title: interrogation.title },
    input: context.input,
    input_json: JSON.stringify(context.input, null, 2) ?? 'null',
    evidence: bundle.items.map((item, index) => ({ ...item, position: index + 1 })),
    evidence_count: bundle.items.length,
    has_evidence: bundle.items.length > 0,
    dropped: bundle.dropped,
    dropped_count: bundle.dropped.length,
    has_dropped: bundle.dropped.length > 0,
    bundle,
    rubric: interrogation.rubric ?? '',
    output_schema_json: schemaJsonOf(interrogation),
  };
}

/** The section appended to the user message when the previous attempt was rejected. */
export function formatPreviousFailure(failure: PreviousFailure): string {
  const lines = ['## Your previous answer was rejected', ''];
  if (failure.kind === 'truncated') {
    lines.push(
      'Your previous answer was cut off before the JSON was complete: it reached the output length limit.',
      'Answer again with a shorter but complete JSON object (fewer entries, shorter notes).',
    );
  } else {
    lines.push(
      'Your previous answer was rejected because it was not valid JSON or did not match the required JSON Schema.',
      'Answer again with one JSON object that fixes every problem listed below and still follows all the rules above.',
    );
  }
  lines.push('', `Reason: ${failure.message}`);
  const errors = failure.errors ?? [];
  if (errors.length > 0) {
    lines.push('', 'Problems found:');
    for (const error of errors.slice(0, maximumListedErrors)) lines.push(`- ${error}`);
    if (errors.length > maximumListedErrors) lines.push(`- … and ${errors.length - maximumListedErrors} more`);
  }
  return lines.join('\n');
}

/** Formats messages for a human: `### role` headings, blank line between messages. */
export function formatPromptText(messages: readonly ChatMessage[]): string {
  return `${messages.map((message) => `### ${message.role}\n${message.content}`).join('\n\n')}\n`;
}

export function renderPrompt(interrogation: Interrogation, context: RenderPromptContext): RenderedPrompt {
  let user: string;
  try {
    // What Mustache.render(template, view, {}, noEscaping) does, with the tokens parsed once.
    const { template, tokens } = preparedOf(interrogation);
    user = writer.renderTokens(tokens, new Mustache.Context(buildPromptView(interrogation, context)), {}, template, noEscaping);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PromptRenderError(`cannot render the prompt of ${interrogation.key} (${interrogation.source}): ${reason}`, {
      cause: error,
    });
  }
  if (context.previousFailure) {
    user = `${user.trimEnd()}\n\n${formatPreviousFailure(context.previousFailure)}`;
  }
  const messages: ChatMessage[] = [];
  if (interrogation.systemPrompt !== undefined && interrogation.systemPrompt.trim() !== '') {
    messages.push({ role: 'system', content: interrogation.systemPrompt });
  }
  messages.push({ role: 'user', content: user });
  return {
    messages,
    get promptText() {
      return formatPromptText(messages);
    },
  };
}
