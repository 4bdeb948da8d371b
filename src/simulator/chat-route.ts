/**
 * `POST /api/chat`: validate, admit (or 503), draw a fault, wait for the model load, wait for a
 * generation slot, then answer — streamed as NDJSON (the default) or as one JSON object. Headers go out
 * only once the model is loaded and a slot is held. Simulated time is spent with real timers and
 * reported back as integer nanoseconds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { elapsedNanoseconds } from './abortable-sleep.ts';
import { composeChatAnswer, isFaultApplicable, type ChatAnswer } from './chat-answer.ts';
import { isClientGone, planGeneration, sleepIfPositive, watchClientDisconnect, type GenerationPlan } from './generation-timing.ts';
import { parseChatRequest, type ChatRequest } from './chat-request.ts';
import {
  formatChunkLine,
  formatFinalObject,
  groupTokens,
  midStreamErrorLine,
  type ChatMetrics,
} from './chat-response-writer.ts';
import type { FaultDecision } from './fault-plan.ts';
import type { SlotTicket } from './generation-slots.ts';
import { goQuote, rfc3339Now } from './go-formats.ts';
import { ndjsonContentType, sendJsonError, sendJsonText } from './http-replies.ts';
import { grammarRefusalsOfText } from './grammar-refusal.ts';
import type { SimulatorRuntime } from './simulator-runtime.ts';

export const busyMessage = 'server busy, please try again.  maximum pending requests exceeded';
export const serverErrorMessage = 'llama runner process has terminated: exit status 2';
/** llama.cpp could not turn the `format` schema into a grammar (e.g. a pattern not anchored ^…$). */
export const invalidSchemaMessage = 'invalid JSON schema in format';
export const rateLimitedMessage = 'you have reached your rate limit, please try again later';

/** With no simulated latency, this many tokens share one NDJSON line (fewer writes, higher throughput). */
const tokensPerLineWithoutLatency = 16;
/** With latency, lines are at least this far apart (timers are not finer than that anyway). */
const minimumLineIntervalMilliseconds = 4;

interface Checkpoints {
  startedAt: bigint;
  loadedAt: bigint;
  slotAt: bigint;
  firstTokenAt: bigint;
}

interface ChatExchange {
  runtime: SimulatorRuntime;
  chat: ChatRequest;
  response: ServerResponse;
  signal: AbortSignal;
  fault: FaultDecision;
  checkpoints: Checkpoints;
  modelJson: string;
}

function measureMetrics(checkpoints: Checkpoints, answer: ChatAnswer, doneAt: bigint): ChatMetrics {
  return {
    totalDurationNanoseconds: elapsedNanoseconds(checkpoints.startedAt, doneAt),
    loadDurationNanoseconds: elapsedNanoseconds(checkpoints.startedAt, checkpoints.loadedAt),
    promptEvalCount: answer.promptTokens,
    promptEvalDurationNanoseconds: elapsedNanoseconds(checkpoints.slotAt, checkpoints.firstTokenAt),
    evalCount: answer.tokens.length,
    evalDurationNanoseconds: elapsedNanoseconds(checkpoints.firstTokenAt, doneAt),
  };
}

function finalLine(exchange: ChatExchange, answer: ChatAnswer, content: string): string {
  const metrics = measureMetrics(exchange.checkpoints, answer, process.hrtime.bigint());
  return formatFinalObject(exchange.modelJson, rfc3339Now(), content, answer.doneReason, metrics);
}

function dropAfterWriting(response: ServerResponse, text: string): void {
  if (text === '') {
    response.flushHeaders();
    setImmediate(() => response.destroy());
    return;
  }
  response.write(text, () => response.destroy());
}

/** Writes the content lines (all at once without latency, spread over the eval time otherwise). */
async function writeContentLines(
  exchange: ChatExchange,
  lines: readonly string[],
  evalMilliseconds: number,
  startedAt: number,
): Promise<string> {
  const { response, modelJson, signal } = exchange;
  if (evalMilliseconds <= 0) {
    const createdAt = rfc3339Now();
    let text = '';
    for (const line of lines) text += formatChunkLine(modelJson, createdAt, line);
    return text;
  }
  const interval = evalMilliseconds / Math.max(1, lines.length);
  for (let index = 0; index < lines.length; index += 1) {
    await sleepIfPositive(startedAt + index * interval - performance.now(), signal);
    response.write(formatChunkLine(modelJson, rfc3339Now(), lines[index]!));
  }
  return '';
}

function lineCountFor(tokenCount: number, evalMilliseconds: number): number {
  if (evalMilliseconds <= 0) return Math.ceil(tokenCount / tokensPerLineWithoutLatency);
  return Math.min(tokenCount, Math.max(1, Math.floor(evalMilliseconds / minimumLineIntervalMilliseconds)));
}

async function streamAnswer(exchange: ChatExchange, answer: ChatAnswer, plan: GenerationPlan): Promise<void> {
  const { response, runtime, fault, signal, checkpoints } = exchange;
  // The prompt phase ends on a deadline from here, and the lines of the eval phase on deadlines from
  // its start, so timer overshoots do not add up line after line.
  const anchor = performance.now();
  response.writeHead(200, { 'Content-Type': ndjsonContentType });
  if (plan.promptMilliseconds > 0 || plan.evalMilliseconds > 0) response.flushHeaders();
  await sleepIfPositive(anchor + plan.promptMilliseconds - performance.now(), signal);
  checkpoints.firstTokenAt = process.hrtime.bigint();
  const allLines = groupTokens(answer.tokens, lineCountFor(answer.tokens.length, plan.evalMilliseconds));
  const cutsStream = fault.kind === 'dropConnection' || fault.kind === 'streamError';
  const lines = cutsStream ? allLines.slice(0, Math.max(1, Math.ceil(allLines.length / 2))) : allLines;
  const evalMilliseconds = cutsStream ? plan.evalMilliseconds / 2 : plan.evalMilliseconds;
  // The eval phase starts at the actual first token, so eval_duration reports the configured time.
  const startedAt = performance.now();
  const pending = await writeContentLines(exchange, lines, evalMilliseconds, startedAt);
  await sleepIfPositive(startedAt + evalMilliseconds - performance.now(), signal);
  if (fault.kind === 'dropConnection') {
    runtime.stats.recordFault('dropConnection');
    dropAfterWriting(response, pending);
    return;
  }
  if (fault.kind === 'streamError') {
    runtime.stats.recordFault('streamError');
    response.end(pending + midStreamErrorLine);
    return;
  }
  response.end(`${pending}${finalLine(exchange, answer, '')}\n`);
  runtime.stats.chatsAnswered += 1;
}

async function replyWhole(exchange: ChatExchange, answer: ChatAnswer, plan: GenerationPlan): Promise<void> {
  const { response, runtime, fault, signal, checkpoints } = exchange;
  await sleepIfPositive(plan.promptMilliseconds, signal);
  checkpoints.firstTokenAt = process.hrtime.bigint();
  await sleepIfPositive(plan.evalMilliseconds, signal);
  if (fault.kind === 'dropConnection') {
    runtime.stats.recordFault('dropConnection');
    response.destroy();
    return;
  }
  sendJsonText(response, 200, finalLine(exchange, answer, answer.content));
  runtime.stats.chatsAnswered += 1;
}

async function generate(exchange: ChatExchange, ticket: SlotTicket): Promise<void> {
  const { runtime, chat, fault, response, signal, checkpoints } = exchange;
  const waitingForSlot = ticket.acquire(signal);
  if (waitingForSlot !== undefined) await waitingForSlot;
  checkpoints.slotAt = process.hrtime.bigint();
  if (fault.kind === 'serverError') {
    runtime.stats.recordFault('serverError');
    sendJsonError(response, 500, serverErrorMessage);
    return;
  }
  const answer = composeChatAnswer(chat, fault, runtime.answers);
  if (answer.appliedFault !== null) runtime.stats.recordFault(answer.appliedFault);
  const plan = planGeneration(runtime, answer);
  if (chat.stream) await streamAnswer(exchange, answer, plan);
  else await replyWhole(exchange, answer, plan);
}

async function answerAdmittedChat(exchange: ChatExchange, ticket: SlotTicket): Promise<void> {
  const { runtime, chat, response, fault, signal, checkpoints } = exchange;
  if (fault.kind === 'rateLimited') {
    runtime.stats.recordFault('rateLimited');
    response.setHeader('Retry-After', String(runtime.options.retryAfterSeconds));
    sendJsonError(response, 429, rateLimitedMessage);
    return;
  }
  if (fault.kind === 'modelNotFound') {
    runtime.stats.recordFault('modelNotFound');
    sendJsonError(response, 404, `model ${goQuote(chat.model)} not found, try pulling it first`);
    return;
  }
  const modelName = chat.catalogModel.name;
  const loading = runtime.residency.ensureLoaded(modelName, signal);
  if (loading !== undefined) await loading;
  checkpoints.loadedAt = process.hrtime.bigint();
  runtime.residency.hold(modelName);
  try {
    await generate(exchange, ticket);
  } finally {
    runtime.residency.release(modelName, chat.keepAliveMilliseconds);
  }
}

/** `messages: []`: load the model (or unload it with keep_alive 0) and say so. Ollama answers with one JSON object. */
async function answerLoadOnly(runtime: SimulatorRuntime, chat: ChatRequest, response: ServerResponse): Promise<void> {
  const modelName = chat.catalogModel.name;
  let doneReason = 'unload';
  if (chat.keepAliveMilliseconds === 0) {
    runtime.residency.unload(modelName);
  } else {
    const watcher = watchClientDisconnect(response);
    try {
      const loading = runtime.residency.ensureLoaded(modelName, watcher.signal);
      if (loading !== undefined) await loading;
    } finally {
      watcher.dispose();
    }
    runtime.residency.touch(modelName, chat.keepAliveMilliseconds);
    doneReason = 'load';
  }
  sendJsonText(response, 200, formatFinalObject(JSON.stringify(chat.model), rfc3339Now(), '', doneReason, undefined));
  runtime.stats.loadRequestsAnswered += 1;
}

export async function handleChat(runtime: SimulatorRuntime, _request: IncomingMessage, response: ServerResponse, bodyText: string): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const parsed = parseChatRequest(bodyText, runtime.catalog);
  if (!('request' in parsed)) {
    sendJsonError(response, parsed.status, parsed.error);
    return;
  }
  const chat = parsed.request;
  if (chat.format.kind === 'schema' && grammarRefusalsOfText(chat.format.schemaText).length > 0) {
    sendJsonError(response, 500, invalidSchemaMessage);
    return;
  }
  try {
    if (chat.messages.length === 0) {
      await answerLoadOnly(runtime, chat, response);
      return;
    }
    const ticket = runtime.slots.admit();
    if (ticket === null) {
      runtime.stats.busyRejections += 1;
      sendJsonError(response, 503, busyMessage);
      return;
    }
    const fault = runtime.faultPlan.next((kind) => isFaultApplicable(kind, chat));
    const watcher = watchClientDisconnect(response);
    const checkpoints: Checkpoints = { startedAt, loadedAt: startedAt, slotAt: startedAt, firstTokenAt: startedAt };
    const exchange: ChatExchange = { runtime, chat, response, signal: watcher.signal, fault, checkpoints, modelJson: JSON.stringify(chat.model) };
    try {
      await answerAdmittedChat(exchange, ticket);
    } finally {
      ticket.finish();
      watcher.dispose();
    }
  } catch (error) {
    if (!isClientGone(error)) throw error;
    runtime.stats.clientDisconnects += 1;
  }
}
