/**
 * The Ollama provider: an LlmProviderV1 over Ollama's native API (`POST /api/chat` with a JSON Schema
 * as `format`, `GET /api/tags`, `POST /api/show`), built by a factory over settings with an injectable
 * `fetch`, in the style of vercel/ai's provider packages; without one it talks node:http over a
 * keep-alive Agent, which is much cheaper per request. Streams NDJSON by default, enforces a
 * first-byte and an idle timeout, maps every failure to an LlmCallError and records the exchange
 * (headers redacted) for the audit lake.
 */
import { createFetchTransport } from '../transport/create-fetch-transport.ts';
import { createNodeHttpTransport } from '../transport/create-node-http-transport.ts';
import type { HttpTransport, HttpTransportResponse } from '../transport/http-transport.ts';
import type { LlmCallError } from '../llm-call-error.ts';
import type {
  CallOptions,
  ChatTimings,
  ChatUsage,
  FinishReason,
  GenerationOptions,
  LlmProviderV2,
  ModelDescription,
  ServedBy,
  StructuredChatRequest,
  StructuredChatResult,
  WireExchange,
  WireRequest,
} from '../llm-provider.ts';
import { CallTimeouts } from './call-timeouts.ts';
import {
  createCallError,
  failureCallError,
  statusCallError,
  type OllamaCallContext,
} from './ollama-call-errors.ts';
import {
  ollamaChatResponseSchema,
  ollamaShowResponseSchema,
  ollamaTagsResponseSchema,
  type OllamaShowResponse,
  type OllamaTagsResponse,
} from './ollama-wire-schemas.ts';
import { readNdjsonStream } from './read-ndjson-stream.ts';
import { schemaSupportFor } from '../schema-support.ts';
import { exchangeText, readErrorText, readJsonBody, sendRequest } from '../http-call/http-exchange.ts';
import { createModelDescriptionCache } from '../http-call/model-description-cache.ts';
import { abbreviate, buildRequestHeaders, normalizeBaseUrl, redactHeaders } from '../http-call/request-settings.ts';

export interface OllamaProviderSettings {
  /** Server root, e.g. `http://127.0.0.1:11434` (a trailing slash is tolerated). */
  baseUrl: string;
  /** The configured endpoint's id, recorded with every call it serves. Default `default`. */
  endpointId?: string;
  /**
   * Injectable fetch (a proxy, instrumentation, a test double). Without it the provider uses node:http
   * (node:https) over its own keep-alive Agent, which costs far less CPU per request than fetch.
   */
  fetch?: typeof globalThis.fetch;
  /** Stream the answer as NDJSON (Ollama's default, true); false sends `stream:false`. */
  stream?: boolean;
  /**
   * Time allowed until the response headers arrive, which covers model loading (Ollama's own load
   * timeout is 5 min) and, when not streaming, the whole generation. Default 300_000. 0 disables it.
   */
  firstByteTimeoutMs?: number;
  /** Time allowed between stream chunks, or for the whole body once the headers are in. Default 120_000. 0 disables it. */
  idleTimeoutMs?: number;
  /** Extra headers (e.g. Authorization for a proxy). Recorded in the wire exchange only redacted. */
  headers?: Record<string, string>;
  /**
   * How long the server keeps the model loaded after a call (`keep_alive`): seconds, or a duration
   * string such as "10m". Unset: the server's default (5m). A call's `providerOptions.ollama.keepAlive`
   * overrides it.
   */
  keepAlive?: string | number;
  /**
   * Context window in tokens (`options.num_ctx`); unset: the model's. Changing it makes Ollama reload the
   * model. A call's `providerOptions.ollama.numCtx` overrides it.
   */
  numCtx?: number;
}

/** What a call may set in `providerOptions.ollama`. */
export interface OllamaCallOptions {
  keepAlive?: string | number;
  numCtx?: number;
}

export const defaultFirstByteTimeoutMs = 300_000;
export const defaultIdleTimeoutMs = 120_000;

const wireRoutes = { chat: '/api/chat', tags: '/api/tags', show: '/api/show', version: '/api/version' } as const;

/** A probe (`GET /api/version`) that gets no answer within this long counts as unreachable. */
export const probeTimeoutMs = 3_000;

/** Ollama reports durations in nanoseconds; the neutral interface speaks milliseconds. */
const nanosecondsPerMillisecond = 1e6;

export function createOllamaProvider(settings: OllamaProviderSettings): LlmProviderV2 {
  const baseUrl = normalizeBaseUrl(settings.baseUrl, 'Ollama');
  const endpointId = settings.endpointId ?? 'default';
  const servedBy: ServedBy = Object.freeze({ endpointId, provider: 'ollama', baseUrl });
  const defaultCallOptions: OllamaCallOptions = { keepAlive: settings.keepAlive, numCtx: settings.numCtx };
  const streamByDefault = settings.stream ?? true;
  const firstByteTimeoutMs = settings.firstByteTimeoutMs ?? defaultFirstByteTimeoutMs;
  const idleTimeoutMs = settings.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const requestHeaders = buildRequestHeaders({ 'content-type': 'application/json' }, settings.headers);
  const recordedHeaders = redactHeaders(requestHeaders);
  const chatUrl = baseUrl + wireRoutes.chat;
  const tagsUrl = baseUrl + wireRoutes.tags;
  const showUrl = baseUrl + wireRoutes.show;
  const transport: HttpTransport = settings.fetch === undefined ? createNodeHttpTransport() : createFetchTransport(settings.fetch);
  /** Model descriptions by normalised name, one shared lookup each. */
  const describe = createModelDescriptionCache(lookUpModel, (name) =>
    createCallError(callContext('POST', wireRoutes.show, showUrl, name), 'aborted', `describing model "${name}" was aborted by the caller`),
  );

  function callContext(method: 'GET' | 'POST', route: string, url: string, model?: string): OllamaCallContext {
    return { servedBy, url, method, route, model, firstByteTimeoutMs, idleTimeoutMs };
  }

  async function chat(request: StructuredChatRequest, callOptions?: CallOptions): Promise<StructuredChatResult> {
    const requestBody = buildChatRequestBody(request, streamByDefault, defaultCallOptions);
    const wireRequest: WireRequest = { url: chatUrl, method: 'POST', requestHeaders: { ...recordedHeaders }, requestBody };
    const context: OllamaCallContext = { ...callContext('POST', wireRoutes.chat, chatUrl, request.model), request: wireRequest };
    const timeouts = new CallTimeouts(firstByteTimeoutMs, idleTimeoutMs, callOptions?.signal);
    const startedAt = performance.now();
    try {
      const response = await sendRequest(transport, context, timeouts, { method: 'POST', headers: requestHeaders, body: JSON.stringify(requestBody) });
      const timeToFirstByteMs = performance.now() - startedAt;

      if (response.status !== 200) {
        throw statusCallError(context, response.status, await readErrorText(response, context, timeouts), response.header('retry-after'));
      }

      const contentType = response.header('content-type') ?? '';
      const streamed = contentType.includes('ndjson') || (requestBody.stream && contentType === '');
      const { responseText, responseBody } = streamed
        ? await readStreamedChat(response, context, timeouts)
        : await readWholeChat(response, context, timeouts);

      const parsed = ollamaChatResponseSchema.safeParse(responseBody);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
        throw createCallError(
          context,
          'invalid_response',
          `POST /api/chat answered 200 with an object that is not a chat response (missing or wrong: ${fields})`,
          { statusCode: 200, responseBody: responseText },
        );
      }
      const answer = parsed.data;
      if (answer.done !== true) {
        throw createCallError(context, 'invalid_response', 'POST /api/chat answered 200 with a response that is not done', {
          statusCode: 200,
          responseBody: responseText,
        });
      }

      // Ollama omits zero metrics; so do we (no keys holding undefined).
      const usage: ChatUsage = {};
      if (answer.prompt_eval_count !== undefined) usage.promptTokens = answer.prompt_eval_count;
      if (answer.eval_count !== undefined) usage.completionTokens = answer.eval_count;
      const timings: ChatTimings = {};
      if (answer.total_duration !== undefined) timings.totalDurationMs = answer.total_duration / nanosecondsPerMillisecond;
      if (answer.load_duration !== undefined) timings.loadDurationMs = answer.load_duration / nanosecondsPerMillisecond;
      if (answer.prompt_eval_duration !== undefined) timings.promptEvalDurationMs = answer.prompt_eval_duration / nanosecondsPerMillisecond;
      if (answer.eval_duration !== undefined) timings.evalDurationMs = answer.eval_duration / nanosecondsPerMillisecond;

      const wire: WireExchange = {
        ...wireRequest,
        status: response.status,
        streamed,
        responseBody,
        responseText,
      };
      return {
        content: answer.message.content,
        finishReason: mapFinishReason(answer.done_reason),
        ...(answer.done_reason === undefined ? {} : { rawFinishReason: answer.done_reason }),
        model: answer.model,
        usage,
        timings,
        timeToFirstByteMs,
        elapsedMs: performance.now() - startedAt,
        servedBy,
        wire,
      };
    } finally {
      timeouts.dispose();
    }
  }

  function describeModel(model: string, callOptions?: CallOptions): Promise<ModelDescription> {
    return describe(normalizeModelName(model), callOptions);
  }

  async function lookUpModel(name: string): Promise<ModelDescription> {
    const tagsContext = callContext('GET', wireRoutes.tags, tagsUrl, name);
    const showContext = callContext('POST', wireRoutes.show, showUrl, name);
    const [tags, show] = await Promise.all([
      exchangeJson(tagsContext, undefined),
      exchangeJson(showContext, { model: name, verbose: false }),
    ]);

    if (tags.status !== 200) throw statusCallError(tagsContext, tags.status, tags.text, tags.retryAfter);
    const tagsBody = parseWireJson(tagsContext, tags.text, ollamaTagsResponseSchema);
    const listed = findListedModel(tagsBody, name);

    let showBody: OllamaShowResponse | undefined;
    if (show.status === 200) {
      showBody = parseWireJson(showContext, show.text, ollamaShowResponseSchema);
    } else {
      const error = statusCallError(showContext, show.status, show.text, show.retryAfter);
      // Listed in /api/tags but unknown to /api/show: keep what the tags say.
      if (!(error.code === 'model_not_found' && listed !== undefined)) throw error;
    }

    const details = showBody?.details ?? listed?.details;
    return {
      name,
      tag: name.slice(name.lastIndexOf(':') + 1),
      digest: normalizeDigest(listed?.digest),
      ...(listed?.size === undefined ? {} : { sizeBytes: listed.size }),
      ...(details === undefined ? {} : { details }),
      ...(showBody?.parameters === undefined ? {} : { parameters: showBody.parameters }),
      ...(showBody?.capabilities === undefined ? {} : { capabilities: showBody.capabilities }),
      servedBy,
    };
  }

  /** One small JSON request/response (tags, show) under the same timeouts; no caller signal (shared lookups). */
  function exchangeJson(context: OllamaCallContext, body: unknown) {
    return exchangeText(transport, context, { method: context.method, headers: requestHeaders, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  /** `GET /api/version`: the cheapest call Ollama answers (no model, no slot); any 2xx means it is up. */
  async function probe(callOptions?: CallOptions): Promise<void> {
    const context = { ...callContext('GET', wireRoutes.version, baseUrl + wireRoutes.version), firstByteTimeoutMs: probeTimeoutMs, idleTimeoutMs: probeTimeoutMs };
    const answer = await exchangeText(transport, context, { method: 'GET', headers: requestHeaders }, callOptions?.signal);
    if (answer.status < 200 || answer.status > 299) throw statusCallError(context, answer.status, answer.text, answer.retryAfter);
  }

  let closed: Promise<void> | undefined;
  return {
    specificationVersion: 'v2',
    provider: 'ollama',
    endpointId,
    baseUrl,
    chat,
    describeModel,
    probe,
    close: () => (closed ??= transport.close()),
    schemaSupport: schemaSupportFor('ollama'),
    defaultProviderOptions: Object.freeze({ ollama: Object.freeze(definedOnly(defaultCallOptions)) }),
  };
}

function definedOnly(options: OllamaCallOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined && value !== null));
}

/**
 * The `/api/chat` body: camelCase options mapped to Ollama's snake_case; only what is set is sent.
 * `keep_alive` and `num_ctx` come from the call's `providerOptions.ollama`, else the endpoint's settings.
 */
export function buildChatRequestBody(request: StructuredChatRequest, stream: boolean, settings: OllamaCallOptions = {}) {
  const own = readOllamaCallOptions(request.providerOptions?.ollama);
  const keepAlive = own.keepAlive ?? settings.keepAlive;
  const options = mapGenerationOptions(request.options, own.numCtx ?? settings.numCtx);
  return {
    model: request.model,
    messages: request.messages,
    format: request.schema,
    stream,
    ...(options === undefined ? {} : { options }),
    ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
  };
}

/** The Ollama part of a call's providerOptions; a value of the wrong type is a caller's bug, said plainly. */
function readOllamaCallOptions(options: Record<string, unknown> | undefined): OllamaCallOptions {
  if (options === undefined) return {};
  const { keepAlive, numCtx } = options;
  if (keepAlive !== undefined && typeof keepAlive !== 'string' && typeof keepAlive !== 'number') {
    throw new TypeError(`providerOptions.ollama.keepAlive must be a duration string or a number of seconds, not ${JSON.stringify(keepAlive)}`);
  }
  if (numCtx !== undefined && !(typeof numCtx === 'number' && Number.isInteger(numCtx) && numCtx > 0)) {
    throw new TypeError(`providerOptions.ollama.numCtx must be a positive integer, not ${JSON.stringify(numCtx)}`);
  }
  return { keepAlive, numCtx };
}

function mapGenerationOptions(options: GenerationOptions | undefined, numCtx: number | undefined): Record<string, unknown> | undefined {
  if (options === undefined && numCtx === undefined) return undefined;
  const mapped: Record<string, unknown> = {};
  options ??= {};
  if (options.temperature !== undefined) mapped.temperature = options.temperature;
  if (options.seed !== undefined) mapped.seed = options.seed;
  if (numCtx !== undefined) mapped.num_ctx = numCtx;
  if (options.maxOutputTokens !== undefined) mapped.num_predict = options.maxOutputTokens;
  if (options.topP !== undefined) mapped.top_p = options.topP;
  if (options.topK !== undefined) mapped.top_k = options.topK;
  if (options.stop !== undefined) mapped.stop = options.stop;
  return Object.keys(mapped).length === 0 ? undefined : mapped;
}

/** Reads an NDJSON chat stream: content deltas concatenated, the final `done:true` chunk merged with them. */
async function readStreamedChat(
  response: HttpTransportResponse,
  context: OllamaCallContext,
  timeouts: CallTimeouts,
): Promise<{ responseText: string; responseBody: Record<string, unknown> }> {
  let responseText = '';
  let content = '';
  let thinking = '';
  let finalChunk: Record<string, unknown> | undefined;
  try {
    await readNdjsonStream(response, {
      onText(text) {
        responseText += text;
        timeouts.activity();
      },
      onLine(line) {
        if (finalChunk !== undefined) return;
        let chunk: unknown;
        try {
          chunk = JSON.parse(line);
        } catch {
          throw notProtocolError(context, `a stream line that is not JSON: ${abbreviate(line)}`, responseText);
        }
        if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
          throw notProtocolError(context, `a stream line that is not an object: ${abbreviate(line)}`, responseText);
        }
        const fields = chunk as { error?: unknown; message?: { content?: unknown; thinking?: unknown }; done?: unknown };
        if (fields.error !== undefined) {
          const message = typeof fields.error === 'string' ? fields.error : JSON.stringify(fields.error);
          throw createCallError(
            context,
            'server_error',
            `error mid-stream for model "${context.model}" (200): ${message}`,
            { statusCode: 200, responseBody: responseText },
          );
        }
        const message = fields.message;
        if (message !== undefined && message !== null) {
          if (typeof message.content === 'string') content += message.content;
          if (typeof message.thinking === 'string') thinking += message.thinking;
        }
        if (fields.done === true) finalChunk = chunk as Record<string, unknown>;
      },
    });
  } catch (error) {
    throw failureCallError(context, error, timeouts, 'body', responseText);
  }
  if (finalChunk === undefined) {
    throw createCallError(
      context,
      'connection_dropped',
      `the stream for model "${context.model}" ended without a done:true line (after ${responseText.length} characters)`,
      { statusCode: 200, responseBody: responseText },
    );
  }
  const finalMessage = finalChunk.message;
  const mergedMessage: Record<string, unknown> =
    finalMessage !== null && typeof finalMessage === 'object' ? { ...finalMessage } : { role: 'assistant' };
  mergedMessage.content = content;
  if (thinking.length > 0) mergedMessage.thinking = thinking;
  return { responseText, responseBody: { ...finalChunk, message: mergedMessage } };
}

/** Reads a non-streamed chat answer: one JSON object. */
async function readWholeChat(
  response: HttpTransportResponse,
  context: OllamaCallContext,
  timeouts: CallTimeouts,
): Promise<{ responseText: string; responseBody: unknown }> {
  const { responseText, responseBody } = await readJsonBody(response, context, timeouts, (text) =>
    notProtocolError(context, `a body that is not JSON: ${abbreviate(text)}`, text),
  );
  const error = responseBody !== null && typeof responseBody === 'object' ? (responseBody as { error?: unknown }).error : undefined;
  if (error !== undefined) {
    const message = typeof error === 'string' ? error : JSON.stringify(error);
    throw createCallError(context, 'server_error', `error for model "${context.model}" (200): ${message}`, {
      statusCode: 200,
      responseBody: responseText,
    });
  }
  return { responseText, responseBody };
}

function notProtocolError(context: OllamaCallContext, what: string, responseText: string): LlmCallError {
  return createCallError(
    context,
    'invalid_response',
    `${context.method} ${context.route} answered 200 with ${what} (is this an Ollama server?)`,
    { statusCode: 200, responseBody: responseText },
  );
}

function parseWireJson<T>(
  context: OllamaCallContext,
  text: string,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } },
): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notProtocolError(context, `a body that is not JSON: ${abbreviate(text)}`, text);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw notProtocolError(context, `an unexpected object: ${abbreviate(text)}`, text);
  return parsed.data;
}

function findListedModel(tags: OllamaTagsResponse, name: string): OllamaTagsResponse['models'][number] | undefined {
  return tags.models.find((entry) => normalizeModelName(entry.name) === name || entry.model === name);
}

export function mapFinishReason(doneReason: string | undefined): FinishReason {
  if (doneReason === undefined || doneReason === '') return 'unknown';
  if (doneReason === 'stop') return 'stop';
  if (doneReason === 'length') return 'length';
  return 'other';
}

/** `llama3.2` → `llama3.2:latest`; a name that has a tag (after the last `/`) is kept as is. */
export function normalizeModelName(model: string): string {
  const trimmed = model.trim();
  const lastSlash = trimmed.lastIndexOf('/');
  return trimmed.indexOf(':', lastSlash + 1) === -1 ? `${trimmed}:latest` : trimmed;
}

/** 64 lowercase hex characters, or null (tolerates a `sha256:` prefix and upper case). */
function normalizeDigest(digest: string | undefined): string | null {
  if (digest === undefined) return null;
  const bare = digest.toLowerCase().replace(/^sha256:/, '');
  return /^[0-9a-f]{64}$/.test(bare) ? bare : null;
}
