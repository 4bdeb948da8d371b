/**
 * The OpenAI-compatible provider: an LlmProviderV2 over `POST {baseUrl}/chat/completions` and
 * `GET {baseUrl}/models`, for llama.cpp's llama-server, vLLM, LM Studio, Ollama's own `/v1` and hosted
 * OpenAI-compatible APIs. A factory over settings with an injectable `fetch` (node:http over a
 * keep-alive Agent otherwise), like the Ollama provider.
 *
 * The schema goes out in the nested form `response_format: {type: "json_schema", json_schema: {name,
 * schema, strict}}` (llama-server silently ignores the flat one); `seed`, `temperature`, `max_tokens`
 * are sent when set. Not streamed by default (the protocol's default); `stream: true` reads SSE.
 * `finish_reason: "length"` is reported as `length` (a truncation). The API key goes in the
 * Authorization header only: the wire record redacts it, and no message contains it.
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
  LlmProviderV2,
  ModelDescription,
  ServedBy,
  StructuredChatRequest,
  StructuredChatResult,
  WireExchange,
  WireRequest,
} from '../llm-provider.ts';
import { CallTimeouts } from '../ollama/call-timeouts.ts';
import { createCallError, failureCallError, type OllamaCallContext } from '../ollama/ollama-call-errors.ts';
import { defaultFirstByteTimeoutMs, defaultIdleTimeoutMs } from '../ollama/create-ollama-provider.ts';
import { exchangeText, readErrorText, readJsonBody, sendRequest } from '../http-call/http-exchange.ts';
import { createModelDescriptionCache } from '../http-call/model-description-cache.ts';
import { abbreviate, buildRequestHeaders, normalizeBaseUrl as checkBaseUrl, redactHeaders } from '../http-call/request-settings.ts';
import { openAiStatusCallError, readOpenAiErrorBody } from './openai-call-errors.ts';
import { openAiChatResponseSchema, openAiModelsResponseSchema, type OpenAiChatResponse } from './openai-wire-schemas.ts';
import { readSseStream } from './read-sse-stream.ts';
import { schemaSupportFor } from '../schema-support.ts';

/** Which server speaks the protocol: it decides what the schema check expects it to enforce (see schema-support.ts). */
export const openAiServerFlavors = ['llama-server', 'vllm', 'openai', 'ollama', 'other'] as const;
export type OpenAiServerFlavor = (typeof openAiServerFlavors)[number];

export interface OpenAiCompatibleProviderSettings {
  /** The API root including its version, e.g. `http://127.0.0.1:8080/v1` (a trailing slash is tolerated). */
  baseUrl: string;
  endpointId?: string;
  fetch?: typeof globalThis.fetch;
  /** Sent as `Authorization: Bearer …`; never recorded. */
  apiKey?: string;
  /** Where the key came from, for messages (e.g. `HOLOCRON_OPENAI_API_KEY`); never the key itself. */
  apiKeySource?: string;
  /** Ask for an SSE stream (`stream: true`); default false, the protocol's default. */
  stream?: boolean;
  /** `json_schema.strict` (default true; llama-server and Ollama ignore it). */
  strict?: boolean;
  server?: OpenAiServerFlavor;
  firstByteTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Extra headers; recorded redacted. */
  headers?: Record<string, string>;
}

/** What a call may set in `providerOptions.openai`. */
export interface OpenAiCallOptions {
  /** `json_schema.name` (`[A-Za-z0-9_-]`, at most 64); default: the schema's title, else `output`. */
  schemaName?: string;
  strict?: boolean;
}

/** A probe (`GET /models`) that gets no answer within this long counts as unreachable. */
export const openAiProbeTimeoutMs = 3_000;

const label = 'OpenAI-compatible';

export function createOpenAiCompatibleProvider(settings: OpenAiCompatibleProviderSettings): LlmProviderV2 {
  const baseUrl = normalizeBaseUrl(settings.baseUrl);
  const endpointId = settings.endpointId ?? 'default';
  const servedBy: ServedBy = Object.freeze({ endpointId, provider: 'openai', baseUrl });
  const stream = settings.stream ?? false;
  const strict = settings.strict ?? true;
  const firstByteTimeoutMs = settings.firstByteTimeoutMs ?? defaultFirstByteTimeoutMs;
  const idleTimeoutMs = settings.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const requestHeaders = buildRequestHeaders({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, settings.headers);
  if (settings.apiKey !== undefined && settings.apiKey !== '') requestHeaders.authorization = `Bearer ${settings.apiKey}`;
  const recordedHeaders = redactHeaders(requestHeaders);
  const apiKeyHint =
    settings.apiKey === undefined || settings.apiKey === ''
      ? `no API key was sent; set ${settings.apiKeySource ?? 'HOLOCRON_OPENAI_API_KEY'} if the server wants one`
      : `check the API key in ${settings.apiKeySource ?? 'the provider settings'}`;
  const chatUrl = `${baseUrl}/chat/completions`;
  const modelsUrl = `${baseUrl}/models`;
  const transport: HttpTransport = settings.fetch === undefined ? createNodeHttpTransport() : createFetchTransport(settings.fetch);
  const describe = createModelDescriptionCache(lookUpModel, (name) =>
    createCallError(callContext('GET', '/models', modelsUrl, name), 'aborted', `describing model "${name}" was aborted by the caller`),
  );

  function callContext(method: 'GET' | 'POST', route: string, url: string, model?: string): OllamaCallContext {
    return { servedBy, url, method, route, model, firstByteTimeoutMs, idleTimeoutMs, label };
  }

  async function chat(request: StructuredChatRequest, callOptions?: CallOptions): Promise<StructuredChatResult> {
    const requestBody = buildOpenAiChatRequestBody(request, { stream, strict });
    const wireRequest: WireRequest = { url: chatUrl, method: 'POST', requestHeaders: { ...recordedHeaders }, requestBody };
    const context: OllamaCallContext = { ...callContext('POST', '/chat/completions', chatUrl, request.model), request: wireRequest };
    const timeouts = new CallTimeouts(firstByteTimeoutMs, idleTimeoutMs, callOptions?.signal);
    const startedAt = performance.now();
    try {
      const response = await sendRequest(transport, context, timeouts, { method: 'POST', headers: requestHeaders, body: JSON.stringify(requestBody) });
      const timeToFirstByteMs = performance.now() - startedAt;
      if (response.status !== 200) {
        throw openAiStatusCallError(context, response.status, await readErrorText(response, context, timeouts), response.header('retry-after'), apiKeyHint);
      }
      const contentType = response.header('content-type') ?? '';
      const streamed = contentType.includes('text/event-stream');
      const { responseText, responseBody } = streamed
        ? await readStreamedCompletion(response, context, timeouts)
        : await readWholeCompletion(response, context, timeouts);

      const parsed = openAiChatResponseSchema.safeParse(responseBody);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
        throw createCallError(
          context,
          'invalid_response',
          `POST /chat/completions answered 200 with an object that is not a chat completion (missing or wrong: ${fields})`,
          { statusCode: 200, responseBody: responseText },
        );
      }
      const answer = parsed.data;
      const choice = answer.choices[0]!;
      const rawFinishReason = choice.finish_reason ?? undefined;
      const { usage, timings, serverTimings } = readFigures(answer);
      const wire: WireExchange = { ...wireRequest, status: response.status, streamed, responseBody, responseText };
      return {
        content: choice.message.content ?? '',
        finishReason: mapOpenAiFinishReason(rawFinishReason),
        ...(rawFinishReason === undefined ? {} : { rawFinishReason }),
        model: answer.model ?? request.model,
        usage,
        timings,
        ...(serverTimings === undefined ? {} : { serverTimings }),
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
    return describe(model.trim(), callOptions);
  }

  /**
   * `GET /models`: a listed model is described from its entry. A server that lists models but not this
   * one may still serve it (llama-server answers with its one model whatever the name), so an unlisted
   * model is not an error here: the chat call says so if the server cares (404).
   */
  async function lookUpModel(name: string): Promise<ModelDescription> {
    const context = callContext('GET', '/models', modelsUrl, name);
    const { status, text, retryAfter } = await exchangeText(transport, context, { method: 'GET', headers: requestHeaders });
    const tag = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : 'latest';
    const bare: ModelDescription = { name, tag, digest: null, servedBy };
    // Servers without a model list (some proxies) answer 404 or 405: the chat call finds out instead.
    if (status === 404 || status === 405) return bare;
    if (status !== 200) throw openAiStatusCallError(context, status, text, retryAfter, apiKeyHint);
    let listed: Record<string, unknown> | undefined;
    try {
      const parsed = openAiModelsResponseSchema.safeParse(JSON.parse(text));
      if (parsed.success) listed = parsed.data.data.find((entry) => entry.id === name || withLatest(entry.id) === withLatest(name));
    } catch {
      // Not JSON: nothing to describe from; the chat call tells.
    }
    if (listed === undefined) return bare;
    const { id: _id, object: _object, ...details } = listed;
    return { ...bare, details };
  }

  /**
   * `GET {baseUrl}/models`: the cheapest request every OpenAI-compatible server answers (no model run,
   * no slot; llama-server answers it even while loading). A 2xx is up; a server without the route
   * (404/405) answered too; anything else, or no answer within `probeTimeoutMs`, is an LlmCallError.
   */
  async function probe(callOptions?: CallOptions): Promise<void> {
    const context = { ...callContext('GET', '/models', modelsUrl), firstByteTimeoutMs: openAiProbeTimeoutMs, idleTimeoutMs: openAiProbeTimeoutMs };
    const { status, text, retryAfter } = await exchangeText(transport, context, { method: 'GET', headers: requestHeaders }, callOptions?.signal);
    if ((status >= 200 && status <= 299) || status === 404 || status === 405) return;
    throw openAiStatusCallError(context, status, text, retryAfter, apiKeyHint);
  }

  let closed: Promise<void> | undefined;
  return {
    specificationVersion: 'v2',
    provider: 'openai',
    endpointId,
    baseUrl,
    chat,
    describeModel,
    probe,
    close: () => (closed ??= transport.close()),
    schemaSupport: schemaSupportFor('openai', settings.server ?? 'other', strict),
  };
}

/** The `/chat/completions` body: only what is set is sent; the schema in the nested `json_schema` form. */
export function buildOpenAiChatRequestBody(request: StructuredChatRequest, settings: { stream: boolean; strict: boolean }): Record<string, unknown> {
  const own = readOpenAiCallOptions(request.providerOptions?.openai);
  const options = request.options ?? {};
  const body: Record<string, unknown> = { model: request.model, messages: request.messages, stream: settings.stream };
  if (settings.stream) body.stream_options = { include_usage: true };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.seed !== undefined) body.seed = options.seed;
  // Ollama's "-1 = no limit" has no OpenAI spelling: leave max_tokens out.
  if (options.maxOutputTokens !== undefined && options.maxOutputTokens > 0) body.max_tokens = options.maxOutputTokens;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stop !== undefined) body.stop = options.stop;
  if (options.topK !== undefined) body.top_k = options.topK; // llama-server, vLLM and Ollama read it; OpenAI ignores it
  if (request.schema !== undefined) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: own.schemaName ?? schemaNameOf(request.schema), schema: request.schema, strict: own.strict ?? settings.strict },
    };
  }
  return body;
}

function readOpenAiCallOptions(options: Record<string, unknown> | undefined): OpenAiCallOptions {
  if (options === undefined) return {};
  const { schemaName, strict } = options;
  if (schemaName !== undefined && !(typeof schemaName === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(schemaName))) {
    throw new TypeError(`providerOptions.openai.schemaName must be 1 to 64 letters, digits, "_" or "-", not ${JSON.stringify(schemaName)}`);
  }
  if (strict !== undefined && typeof strict !== 'boolean') throw new TypeError(`providerOptions.openai.strict must be a boolean, not ${JSON.stringify(strict)}`);
  return { schemaName: schemaName as string | undefined, strict: strict as boolean | undefined };
}

/** `json_schema.name` must be `[A-Za-z0-9_-]{1,64}`: the schema's title made to fit, else `output`. */
export function schemaNameOf(schema: Record<string, unknown>): string {
  const title = typeof schema.title === 'string' ? schema.title.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64) : '';
  return title === '' ? 'output' : title;
}

export function mapOpenAiFinishReason(reason: string | undefined): FinishReason {
  if (reason === undefined || reason === '') return 'unknown';
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

function readFigures(answer: OpenAiChatResponse): { usage: ChatUsage; timings: ChatTimings; serverTimings?: Record<string, number> } {
  const usage: ChatUsage = {};
  const reported = answer.usage ?? undefined;
  if (typeof reported?.prompt_tokens === 'number') usage.promptTokens = reported.prompt_tokens;
  if (typeof reported?.completion_tokens === 'number') usage.completionTokens = reported.completion_tokens;
  const cached = reported?.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') usage.cachedPromptTokens = cached;
  const timings: ChatTimings = {};
  const server = answer.timings ?? undefined;
  if (server === undefined) return { usage, timings };
  // llama-server's timings are milliseconds already.
  if (typeof server.prompt_ms === 'number') timings.promptEvalDurationMs = server.prompt_ms;
  if (typeof server.predicted_ms === 'number') timings.evalDurationMs = server.predicted_ms;
  if (usage.promptTokens === undefined && typeof server.prompt_n === 'number') usage.promptTokens = server.prompt_n;
  if (usage.completionTokens === undefined && typeof server.predicted_n === 'number') usage.completionTokens = server.predicted_n;
  const serverTimings = Object.fromEntries(Object.entries(server).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  return { usage, timings, serverTimings };
}

/** A non-streamed completion: one JSON object (an `error` object in a 200 is the server's error). */
async function readWholeCompletion(
  response: HttpTransportResponse,
  context: OllamaCallContext,
  timeouts: CallTimeouts,
): Promise<{ responseText: string; responseBody: unknown }> {
  const { responseText, responseBody } = await readJsonBody(response, context, timeouts, (text) =>
    notProtocolError(context, `a body that is not JSON: ${abbreviate(text)}`, text),
  );
  throwIfErrorObject(context, responseBody, responseText);
  return { responseText, responseBody };
}

/**
 * An SSE stream of `chat.completion.chunk`s: content deltas concatenated, the last finish_reason, and
 * the usage chunk (`choices: []`) and llama-server's `timings` merged into one completion object. Ends
 * at `data: [DONE]`; a stream that ends without it, or without a finish_reason, was cut off.
 */
async function readStreamedCompletion(
  response: HttpTransportResponse,
  context: OllamaCallContext,
  timeouts: CallTimeouts,
): Promise<{ responseText: string; responseBody: Record<string, unknown> }> {
  let responseText = '';
  let content = '';
  let role = 'assistant';
  let finishReason: string | null = null;
  let done = false;
  const merged: Record<string, unknown> = {};
  try {
    await readSseStream(response, {
      onText(text) {
        responseText += text;
        timeouts.activity();
      },
      onData(data) {
        if (done) return;
        if (data.trim() === '[DONE]') {
          done = true;
          return;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch {
          throw notProtocolError(context, `a stream event that is not JSON: ${abbreviate(data)}`, responseText);
        }
        if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
          throw notProtocolError(context, `a stream event that is not an object: ${abbreviate(data)}`, responseText);
        }
        const fields = chunk as Record<string, unknown>;
        if (fields.error !== undefined) {
          const message = readOpenAiErrorBody(data)?.message ?? JSON.stringify(fields.error);
          throw createCallError(context, 'server_error', `error mid-stream for model "${context.model}" (200): ${message}`, {
            statusCode: 200,
            responseBody: responseText,
          });
        }
        for (const key of ['id', 'model', 'created', 'system_fingerprint', 'usage', 'timings']) {
          if (fields[key] !== undefined && fields[key] !== null) merged[key] = fields[key];
        }
        const choices = Array.isArray(fields.choices) ? (fields.choices as Record<string, unknown>[]) : [];
        const choice = choices[0];
        if (choice === undefined) return;
        const delta = (choice.delta ?? {}) as Record<string, unknown>;
        if (typeof delta.role === 'string') role = delta.role;
        if (typeof delta.content === 'string') content += delta.content;
        if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      },
    });
  } catch (error) {
    throw failureCallError(context, error, timeouts, 'body', responseText);
  }
  if (!done && finishReason === null) {
    throw createCallError(
      context,
      'connection_dropped',
      `the stream for model "${context.model}" ended without a finish_reason or [DONE] (after ${responseText.length} characters)`,
      { statusCode: 200, responseBody: responseText },
    );
  }
  return {
    responseText,
    responseBody: { ...merged, object: 'chat.completion', choices: [{ index: 0, message: { role, content }, finish_reason: finishReason }] },
  };
}

function throwIfErrorObject(context: OllamaCallContext, body: unknown, responseText: string): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const record = body as Record<string, unknown>;
  if (record.error === undefined && record.object !== 'error') return;
  const message = readOpenAiErrorBody(responseText)?.message ?? abbreviate(responseText);
  throw createCallError(context, 'server_error', `error for model "${context.model}" (200): ${message}`, { statusCode: 200, responseBody: responseText });
}

function notProtocolError(context: OllamaCallContext, what: string, responseText: string): LlmCallError {
  return createCallError(context, 'invalid_response', `${context.method} ${context.route} answered 200 with ${what} (is this an OpenAI-compatible server?)`, {
    statusCode: 200,
    responseBody: responseText,
  });
}

function withLatest(name: string): string {
  return name.indexOf(':', name.lastIndexOf('/') + 1) === -1 ? `${name}:latest` : name;
}

function normalizeBaseUrl(baseUrl: string): string {
  const normalized = checkBaseUrl(baseUrl, label);
  const url = new URL(normalized);
  if (url.username !== '' || url.password !== '') throw new TypeError('an OpenAI-compatible baseUrl must not include credentials (use apiKeyEnv)');
  return normalized;
}
