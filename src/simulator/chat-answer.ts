/**
 * Decides what the simulated model answers: JSON satisfying the request's schema (or any JSON object for
 * `format: "json"`, prose otherwise), deterministic for the same model, messages, format and seed.
 * Content faults (invalid JSON, schema violation, truncation) and `num_predict` are applied here too.
 */
import type { ChatRequest } from './chat-request.ts';
import type { FaultDecision, FaultKind } from './fault-plan.ts';
import { compileSchema, type CompiledSchema, type GenerationContext } from './generate-from-schema.ts';
import { statedValues, capitalizedWords, extractWords, sentence } from './plausible-text.ts';
import { SeededRandom } from './seeded-random.ts';
import { applyAccuracy, layOver } from './answer-book.ts';
import type { KnownAnswers } from './simulator-runtime.ts';

export type DoneReason = 'stop' | 'length';

export interface ChatAnswer {
  content: string;
  /** The content split into the "tokens" it is streamed as (and counted by). */
  tokens: string[];
  doneReason: DoneReason;
  promptTokens: number;
  /** The content fault injected into this answer, if any. */
  appliedFault: FaultKind | null;
}

const charactersPerToken = 4;
const tokensPerMessageOverhead = 4;
const templateOverheadTokens = 10;
const defaultContextTokens = 4096;

const genericJsonSchema: CompiledSchema = compileSchema({
  type: 'object',
  properties: {
    answer: { type: 'string', description: 'summary' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    keywords: { type: 'array', items: { type: 'string', maxLength: 40 }, minItems: 1, maxItems: 4 },
  },
  required: ['answer', 'confidence', 'keywords'],
});

/** Splits text into chunks of about four characters without cutting a surrogate pair. */
export function splitIntoTokens(text: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + charactersPerToken);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    tokens.push(text.slice(start, end));
    start = end;
  }
  return tokens;
}

function estimatePromptTokens(request: ChatRequest): number {
  let tokens = templateOverheadTokens;
  for (const message of request.messages) {
    tokens += Math.ceil(message.content.length / charactersPerToken) + tokensPerMessageOverhead;
  }
  return Math.min(tokens, request.numCtx !== undefined && request.numCtx > 0 ? request.numCtx : defaultContextTokens);
}

function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    if (request.messages[index]!.role === 'user') return request.messages[index]!.content;
  }
  return request.messages.at(-1)?.content ?? '';
}

function contentKey(request: ChatRequest): string {
  const format = request.format.kind === 'schema' ? request.format.schemaText : request.format.kind;
  return `${request.catalogModel.name}\u0000${JSON.stringify(request.messages)}\u0000${format}\u0000${request.seed ?? 'no-seed'}`;
}

function proseAnswer(context: GenerationContext): string {
  const sentences: string[] = [];
  const count = context.random.integerBetween(2, 4);
  for (let index = 0; index < count; index += 1) sentences.push(sentence(context.words, context.random, context.random.integerBetween(6, 14)));
  return sentences.join(' ');
}

/** JSON text that is not valid JSON, in one of the ways models get it wrong. */
function invalidJsonText(json: string, variant: number): string {
  const canBeCut = json.startsWith('{') || json.startsWith('[');
  if (variant < 1 / 3 || (variant < 2 / 3 && !canBeCut)) return `Here is the JSON you asked for:\n\`\`\`json\n${json}\n\`\`\``;
  if (variant < 2 / 3) return `${json.slice(0, Math.ceil(json.length / 2))}\n${'\n  '.repeat(48)}`;
  return `${json}\n}`;
}

function truncateTokens(tokens: string[], variant: number): string[] {
  if (tokens.length < 2) return tokens.slice(0, 0);
  const kept = Math.min(tokens.length - 1, Math.max(1, Math.floor(tokens.length * (0.25 + 0.5 * variant))));
  return tokens.slice(0, kept);
}

interface DraftContent {
  content: string;
  appliedFault: FaultKind | null;
}

function draftContent(request: ChatRequest, fault: FaultDecision, context: GenerationContext, known: KnownAnswer | null): DraftContent {
  const format = request.format;
  if (format.kind === 'text') return { content: proseAnswer(context), appliedFault: null };
  const schema = format.kind === 'schema' ? format.schema : genericJsonSchema;
  const generated = schema.generate(context);
  // A known answer (with its model's accuracy applied) laid over the generated value, which fills in
  // whatever required fields the answer leaves out.
  const value = known
    ? layOver(generated, applyAccuracy(known.answer, known.accuracy, `${request.catalogModel.name}\u0000${known.key}\u0000${request.seed ?? ''}`, format.kind === 'schema' ? JSON.parse(format.schemaText) : undefined))
    : generated;
  if (fault.kind === 'schemaViolation' && format.kind === 'schema') {
    const violation = schema.violate(value, context);
    if (violation !== undefined) return { content: JSON.stringify(violation.value), appliedFault: 'schemaViolation' };
  }
  const json = JSON.stringify(value);
  if (fault.kind === 'invalidJson') return { content: invalidJsonText(json, fault.variant), appliedFault: 'invalidJson' };
  return { content: json, appliedFault: null };
}

/** Whether a content fault makes sense for this request (others are decided by the route). */
/** Whether a planned fault can happen to this request (a stream error needs a stream, a schema violation a schema). */
export function isFaultApplicable(kind: FaultKind, request: ChatRequest): boolean {
  if (kind === 'streamError') return request.stream;
  if (kind === 'rateLimited') return true;
  return isContentFaultApplicable(kind, request);
}

export function isContentFaultApplicable(kind: FaultKind, request: ChatRequest): boolean {
  if (kind === 'schemaViolation') return request.format.kind === 'schema';
  if (kind === 'invalidJson') return request.format.kind !== 'text';
  return true;
}

interface KnownAnswer {
  key: string;
  answer: unknown;
  accuracy: number;
}

export function composeChatAnswer(request: ChatRequest, fault: FaultDecision, answers: KnownAnswers | null = null): ChatAnswer {
  const userText = lastUserText(request);
  const entry = answers?.book.find(userText) ?? null;
  const known = entry && answers ? { key: entry.key, answer: entry.answer, accuracy: answers.accuracy(request.catalogModel.name) } : null;
  const words = extractWords(userText);
  const context: GenerationContext = {
    random: SeededRandom.fromText(contentKey(request)),
    words,
    names: capitalizedWords(words),
    stated: statedValues(userText),
  };
  const draft = draftContent(request, fault, context, known);
  const allTokens = splitIntoTokens(draft.content);
  let tokens = allTokens;
  let doneReason: DoneReason = 'stop';
  let appliedFault = draft.appliedFault;
  if (fault.kind === 'truncated') {
    tokens = truncateTokens(tokens, fault.variant);
    doneReason = 'length';
    appliedFault = 'truncated';
  }
  if (request.numPredict !== undefined && request.numPredict > 0 && tokens.length > request.numPredict) {
    tokens = tokens.slice(0, request.numPredict);
    doneReason = 'length';
  }
  const content = tokens === allTokens ? draft.content : tokens.join('');
  return { content, tokens, doneReason, promptTokens: estimatePromptTokens(request), appliedFault };
}
