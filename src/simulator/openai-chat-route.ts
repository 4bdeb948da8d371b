/**
 * `POST /v1/chat/completions` as an OpenAI-compatible server answers it (llama-server, vLLM, hosted
 * OpenAI, or Ollama's own /v1): validate, admit (or 503 in the side's shape), draw a fault, wait for a
 * generation slot, then answer — one `chat.completion` object (the default) or an SSE stream of
 * `chat.completion.chunk`s ending `data: [DONE]`. llama-server adds `timings` (milliseconds) and
 * answers 503 "Loading model" while its model loads (the first `loadMs` after start). Same slots,
 * pending cap, latency and faults as the Ollama side.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeChatAnswer, isFaultApplicable, type ChatAnswer } from './chat-answer.ts';
import { isClientGone, planGeneration, sleepIfPositive, watchClientDisconnect } from './generation-timing.ts';
import type { ChatRequest } from './chat-request.ts';
import { groupTokens } from './chat-response-writer.ts';
import type { FaultDecision } from './fault-plan.ts';
import type { SlotTicket } from './generation-slots.ts';
import { parseOpenAiChatRequest } from './openai-chat-request.ts';
import { busySpec, modelNotFoundSpec, rateLimitSpec, sendOpenAiError, type OpenAiSide } from './openai-errors.ts';
import type { SimulatorRuntime } from './simulator-runtime.ts';

const tokensPerEventWithoutLatency = 16;
const minimumEventIntervalMilliseconds = 4;
const llamaServerBuild = 'b6000-sim';

interface Exchange {
  runtime: SimulatorRuntime;
  side: OpenAiSide;
  chat: ChatRequest;
  includeUsage: boolean;
  response: ServerResponse;
  signal: AbortSignal;
  fault: FaultDecision;
  id: string;
  created: number;
}

/** Whether llama-server is still loading its model (the first `loadMs` after start). */
export function llamaServerLoading(runtime: SimulatorRuntime): boolean {
  return runtime.options.loadMs > 0 && performance.now() - runtime.startedAtMs < runtime.options.loadMs;
}

function completionId(side: OpenAiSide): string {
  // Ollama's ids are chatcmpl-<0..998> and not unique.
  if (side === 'ollama') return `chatcmpl-${Math.floor(Math.random() * 999)}`;
  return `chatcmpl-${randomBytes(12).toString('base64url')}`;
}

function usageOf(side: OpenAiSide, answer: ChatAnswer): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.tokens.length,
    total_tokens: answer.promptTokens + answer.tokens.length,
  };
  if (side === 'llama-server') usage.prompt_tokens_details = { cached_tokens: 0 };
  if (side === 'vllm') usage.prompt_tokens_details = null;
  return usage;
}

function timingsOf(answer: ChatAnswer, promptMs: number, predictedMs: number): Record<string, number> {
  const promptN = answer.promptTokens;
  const predictedN = answer.tokens.length;
  return {
    cache_n: 0,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: promptN > 0 ? promptMs / promptN : 0,
    prompt_per_second: promptMs > 0 ? (promptN * 1000) / promptMs : 0,
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predictedN > 0 ? predictedMs / predictedN : 0,
    predicted_per_second: predictedMs > 0 ? (predictedN * 1000) / predictedMs : 0,
  };
}

function fingerprint(side: OpenAiSide): Record<string, unknown> {
  if (side === 'ollama') return { system_fingerprint: 'fp_ollama' };
  if (side === 'llama-server') return { system_fingerprint: llamaServerBuild };
  if (side === 'openai') return { system_fingerprint: 'fp_sim0001' };
  return {};
}

function completionObject(exchange: Exchange, answer: ChatAnswer, promptMs: number, predictedMs: number): string {
  const { side } = exchange;
  const message: Record<string, unknown> = { role: 'assistant', content: answer.content };
  if (side === 'openai') message.refusal = null;
  const body: Record<string, unknown> = {
    id: exchange.id,
    object: 'chat.completion',
    created: exchange.created,
    model: exchange.chat.model,
    ...fingerprint(side),
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.doneReason }],
    usage: usageOf(side, answer),
  };
  if (side === 'llama-server') body.timings = timingsOf(answer, promptMs, predictedMs);
  return JSON.stringify(body);
}

function chunkEvent(exchange: Exchange, delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}): string {
  const body = {
    id: exchange.id,
    object: 'chat.completion.chunk',
    created: exchange.created,
    model: exchange.chat.model,
    ...fingerprint(exchange.side),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

async function streamAnswer(exchange: Exchange, answer: ChatAnswer, plan: { promptMilliseconds: number; evalMilliseconds: number }): Promise<void> {
  const { response, runtime, fault, signal, side } = exchange;
  const anchor = performance.now();
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  response.write(chunkEvent(exchange, { role: 'assistant', content: side === 'llama-server' ? null : '' }, null));
  await sleepIfPositive(anchor + plan.promptMilliseconds - performance.now(), signal);
  const promptMs = performance.now() - anchor;
  const eventCount =
    plan.evalMilliseconds <= 0
      ? Math.ceil(answer.tokens.length / tokensPerEventWithoutLatency)
      : Math.min(answer.tokens.length, Math.max(1, Math.floor(plan.evalMilliseconds / minimumEventIntervalMilliseconds)));
  const allPieces = groupTokens(answer.tokens, eventCount);
  const cuts = fault.kind === 'dropConnection' || fault.kind === 'streamError';
  const pieces = cuts ? allPieces.slice(0, Math.max(1, Math.ceil(allPieces.length / 2))) : allPieces;
  const evalStart = performance.now();
  const interval = plan.evalMilliseconds / Math.max(1, allPieces.length);
  let pending = '';
  for (let index = 0; index < pieces.length; index += 1) {
    const event = chunkEvent(exchange, { content: pieces[index]! }, null);
    if (plan.evalMilliseconds <= 0) pending += event;
    else {
      await sleepIfPositive(evalStart + index * interval - performance.now(), signal);
      response.write(event);
    }
  }
  if (fault.kind === 'dropConnection') {
    runtime.stats.recordFault('dropConnection');
    if (pending === '') setImmediate(() => response.destroy());
    else response.write(pending, () => response.destroy());
    return;
  }
  if (fault.kind === 'streamError') {
    runtime.stats.recordFault('streamError');
    const error = side === 'llama-server' ? { code: 500, message: 'an error was encountered while running the model', type: 'server_error' } : { message: 'an error was encountered while running the model', type: 'InternalServerError', param: null, code: 500 };
    response.end(`${pending}data: ${JSON.stringify({ error })}\n\n`);
    return;
  }
  await sleepIfPositive(evalStart + plan.evalMilliseconds - performance.now(), signal);
  const predictedMs = performance.now() - evalStart;
  const extra = side === 'llama-server' ? { timings: timingsOf(answer, promptMs, predictedMs) } : {};
  let tail = chunkEvent(exchange, {}, answer.doneReason, extra);
  if (exchange.includeUsage) {
    tail += `data: ${JSON.stringify({ id: exchange.id, object: 'chat.completion.chunk', created: exchange.created, model: exchange.chat.model, ...fingerprint(side), choices: [], usage: usageOf(side, answer) })}\n\n`;
  }
  response.end(`${pending}${tail}data: [DONE]\n\n`);
  runtime.stats.chatsAnswered += 1;
}

async function replyWhole(exchange: Exchange, answer: ChatAnswer, plan: { promptMilliseconds: number; evalMilliseconds: number }): Promise<void> {
  const { response, runtime, fault, signal } = exchange;
  const started = performance.now();
  await sleepIfPositive(plan.promptMilliseconds, signal);
  const promptMs = performance.now() - started;
  await sleepIfPositive(plan.evalMilliseconds, signal);
  const predictedMs = performance.now() - started - promptMs;
  if (fault.kind === 'dropConnection') {
    runtime.stats.recordFault('dropConnection');
    response.destroy();
    return;
  }
  const text = completionObject(exchange, answer, promptMs, predictedMs);
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
  runtime.stats.chatsAnswered += 1;
}

async function answerAdmitted(exchange: Exchange, ticket: SlotTicket): Promise<void> {
  const { runtime, chat, response, fault, signal, side } = exchange;
  if (fault.kind === 'rateLimited') {
    runtime.stats.recordFault('rateLimited');
    sendOpenAiError(response, side, rateLimitSpec(side, chat.model), { 'Retry-After': String(runtime.options.retryAfterSeconds) });
    return;
  }
  if (fault.kind === 'modelNotFound') {
    runtime.stats.recordFault('modelNotFound');
    sendOpenAiError(response, side, modelNotFoundSpec(side, chat.model));
    return;
  }
  const modelName = chat.catalogModel.name;
  // Ollama loads models on demand; the other servers hold theirs from the start.
  if (side === 'ollama') {
    const loading = runtime.residency.ensureLoaded(modelName, signal);
    if (loading !== undefined) await loading;
    runtime.residency.hold(modelName);
  }
  try {
    const waiting = ticket.acquire(signal);
    if (waiting !== undefined) await waiting;
    if (fault.kind === 'serverError') {
      runtime.stats.recordFault('serverError');
      sendOpenAiError(response, side, { status: 500, message: side === 'ollama' ? 'llama runner process has terminated: exit status 2' : 'an error was encountered while running the model' });
      return;
    }
    const answer = composeChatAnswer(chat, fault, runtime.answers);
    if (answer.appliedFault !== null) runtime.stats.recordFault(answer.appliedFault);
    const plan = planGeneration(runtime, answer);
    if (chat.stream) await streamAnswer(exchange, answer, plan);
    else await replyWhole(exchange, answer, plan);
  } finally {
    if (side === 'ollama') runtime.residency.release(modelName, chat.keepAliveMilliseconds);
  }
}

export async function handleOpenAiChat(runtime: SimulatorRuntime, side: OpenAiSide, _request: IncomingMessage, response: ServerResponse, bodyText: string): Promise<void> {
  if (side === 'llama-server' && llamaServerLoading(runtime)) {
    runtime.stats.busyRejections += 1;
    sendOpenAiError(response, side, busySpec(side, true));
    return;
  }
  const parsed = parseOpenAiChatRequest(side, bodyText, runtime.catalog);
  if ('error' in parsed) {
    sendOpenAiError(response, side, parsed.error);
    return;
  }
  const { chat, includeUsage } = parsed.request;
  const ticket = runtime.slots.admit();
  if (ticket === null) {
    runtime.stats.busyRejections += 1;
    // llama-server and vLLM queue without limit; with a pending cap set, the simulator answers as they do when they cannot serve.
    const retryAfter: Record<string, string> = side === 'ollama' || side === 'llama-server' ? {} : { 'Retry-After': String(runtime.options.retryAfterSeconds) };
    sendOpenAiError(response, side, busySpec(side, false), retryAfter);
    return;
  }
  const fault = runtime.faultPlan.next((kind) => isFaultApplicable(kind, chat));
  const watcher = watchClientDisconnect(response);
  const exchange: Exchange = { runtime, side, chat, includeUsage, response, signal: watcher.signal, fault, id: completionId(side), created: Math.floor(Date.now() / 1000) };
  try {
    await answerAdmitted(exchange, ticket);
  } catch (error) {
    if (!isClientGone(error)) throw error;
    runtime.stats.clientDisconnects += 1;
  } finally {
    ticket.finish();
    watcher.dispose();
  }
}
