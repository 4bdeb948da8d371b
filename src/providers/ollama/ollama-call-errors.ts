/**
 * Turns what went wrong in an Ollama HTTP call into an LlmCallError whose message is useful on its own
 * ("Ollama at http://…: model "x" not found, try pulling it first (404)"): HTTP statuses, network
 * failures, our own timeouts and the caller's abort.
 */
import { LlmCallError, type LlmErrorCode } from '../llm-call-error.ts';
import type { ServedBy, WireRequest } from '../llm-provider.ts';
import type { CallTimeouts } from './call-timeouts.ts';

/** What the error messages need to know about the call. */
export interface OllamaCallContext {
  /** The endpoint the call went to (its id and base URL name it in every message). */
  servedBy: ServedBy;
  /** The chat request as sent, kept on the error for the lake. */
  request?: WireRequest;
  url: string;
  method: 'GET' | 'POST';
  /** The path, e.g. `/api/chat`. */
  route: string;
  /** The model the call was about, when there is one. */
  model?: string;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  /** How messages name the server kind (default `Ollama`); the OpenAI-compatible backend reuses these helpers. */
  label?: string;
}

/** Response bodies kept on errors are cut to this many characters. */
export const maximumErrorBodyLength = 16_384;

/**
 * Network error codes that mean the connection was established and then lost (node:http reports a socket
 * closed before the headers as ECONNRESET "socket hang up", and mid-body as ECONNRESET "aborted").
 */
const droppedConnectionCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** undici's own timeouts (headersTimeout / bodyTimeout, 300 s by default). */
const undiciTimeoutCodes: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function createCallError(
  context: OllamaCallContext,
  code: LlmErrorCode,
  detail: string,
  extra: { statusCode?: number; responseBody?: string; retryAfterSeconds?: number; cause?: unknown } = {},
): LlmCallError {
  return new LlmCallError({
    code,
    message: `${context.label ?? 'Ollama'} endpoint "${context.servedBy.endpointId}" at ${context.servedBy.baseUrl}: ${detail}`,
    url: context.url,
    servedBy: context.servedBy,
    request: context.request,
    statusCode: extra.statusCode,
    responseBody: extra.responseBody === undefined ? undefined : truncateBody(extra.responseBody),
    retryAfterSeconds: extra.retryAfterSeconds,
    cause: extra.cause,
  });
}

/** A non-2xx answer. `bodyText` is the response body; `retryAfter` the raw `Retry-After` header. */
export function statusCallError(
  context: OllamaCallContext,
  status: number,
  bodyText: string,
  retryAfter: string | null,
): LlmCallError {
  const serverMessage = readServerErrorMessage(bodyText);
  const detail = serverMessage ?? summarizeBody(bodyText);
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  const extra = { statusCode: status, responseBody: bodyText, retryAfterSeconds };
  const forModel = context.model === undefined ? '' : ` for model "${context.model}"`;
  const call = `${context.method} ${context.route}`;

  if ((status === 400 || status === 500) && serverMessage !== undefined && /invalid JSON schema/i.test(serverMessage)) {
    // llama.cpp's schema-to-grammar converter refused the format (e.g. a pattern not anchored ^…$): every retry gets the same.
    return createCallError(context, 'schema_refused', `the server refused the output schema${forModel} (${status}): ${serverMessage}`, extra);
  }
  if (status === 404) {
    if (serverMessage !== undefined && /not found/i.test(serverMessage)) {
      const model = context.model ?? extractQuotedName(serverMessage) ?? '?';
      return createCallError(context, 'model_not_found', `model "${model}" not found, try pulling it first (404)`, extra);
    }
    return createCallError(
      context,
      'bad_request',
      `${context.method} ${context.url} answered 404 "${detail}": the URL does not look like an Ollama server ` +
        '(the base URL should be the server root, e.g. http://127.0.0.1:11434, with no path)',
      extra,
    );
  }
  if (status === 503) {
    return createCallError(context, 'server_busy', `server busy (503)${retryHint(retryAfterSeconds)}: ${detail}`, extra);
  }
  if (status === 429) {
    return createCallError(context, 'rate_limited', `rate limited (429)${retryHint(retryAfterSeconds)}: ${detail}`, extra);
  }
  if (status >= 500) {
    return createCallError(context, 'server_error', `server error${forModel} (${status}) on ${call}: ${detail}`, extra);
  }
  if (status === 401 || status === 403) {
    return createCallError(
      context,
      'bad_request',
      `${call} was refused (${status}): ${detail} (check the Authorization header given in the provider settings)`,
      extra,
    );
  }
  if (status >= 400) {
    return createCallError(context, 'bad_request', `bad request${forModel} (${status}) on ${call}: ${detail}`, extra);
  }
  return createCallError(context, 'invalid_response', `${call} answered an unexpected status ${status}: ${detail}`, extra);
}

/**
 * A request or body read that threw: the caller's abort, one of our timeouts, or the network.
 * `phase` says whether the response headers had arrived (`body`) or not (`connect`).
 */
export function failureCallError(
  context: OllamaCallContext,
  error: unknown,
  timeouts: CallTimeouts,
  phase: 'connect' | 'body',
  partialBody?: string,
): LlmCallError {
  if (LlmCallError.isInstance(error)) return error;
  const call = `${context.method} ${context.route}`;
  const forModel = context.model === undefined ? '' : ` for model "${context.model}"`;
  const extra = { cause: error, responseBody: partialBody };
  switch (timeouts.stopReason) {
    case 'caller':
      return createCallError(context, 'aborted', `${call}${forModel} was aborted by the caller`, extra);
    case 'first_byte_timeout':
      return createCallError(
        context,
        'timeout',
        `no response headers within ${context.firstByteTimeoutMs} ms on ${call}${forModel} ` +
          '(a cold model load can take minutes; raise firstByteTimeoutMs if needed)',
        extra,
      );
    case 'idle_timeout':
      return createCallError(
        context,
        'timeout',
        `the response to ${call}${forModel} went idle: no data for ${context.idleTimeoutMs} ms`,
        extra,
      );
    case undefined:
      break;
  }
  const { code, message } = describeNetworkError(error);
  const reason = code === undefined ? message : `${code}: ${message}`;
  if (code !== undefined && undiciTimeoutCodes.has(code)) {
    return createCallError(context, 'timeout', `${call}${forModel} timed out in the HTTP client (${reason})`, extra);
  }
  if (phase === 'body' || (code !== undefined && droppedConnectionCodes.has(code))) {
    return createCallError(
      context,
      'connection_dropped',
      `the connection closed before the answer to ${call}${forModel} was complete (${reason})`,
      extra,
    );
  }
  return createCallError(context, 'connection_failed', `cannot connect (${reason}); is ${context.label === undefined ? 'Ollama' : `the ${context.label} server`} running at this address?`, extra);
}

/** The `error` text of an Ollama (`{"error":"…"}`) or OpenAI-style (`{"error":{"message":"…"}}`) body. */
export function readServerErrorMessage(bodyText: string): string | undefined {
  const trimmed = bodyText.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const body: unknown = JSON.parse(trimmed);
    if (body === null || typeof body !== 'object') return undefined;
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'string') return error;
    if (error !== null && typeof error === 'object') {
      const message = (error as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** A short, single-line rendering of a body for a message. */
export function summarizeBody(bodyText: string): string {
  const collapsed = bodyText.replace(/\s+/g, ' ').trim();
  if (collapsed.length === 0) return 'empty body';
  return collapsed.length > 200 ? `${collapsed.slice(0, 200)}…` : collapsed;
}

export function truncateBody(bodyText: string): string {
  return bodyText.length > maximumErrorBodyLength
    ? `${bodyText.slice(0, maximumErrorBodyLength)}… [${bodyText.length - maximumErrorBodyLength} more characters]`
    : bodyText;
}

function retryHint(retryAfterSeconds: number | undefined): string {
  return retryAfterSeconds === undefined ? '' : `, retry after ${retryAfterSeconds} s`;
}

function extractQuotedName(message: string): string | undefined {
  return /["']([^"']+)["']/.exec(message)?.[1];
}

/** The errno-style code and message of a transport failure (fetch wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof candidate.message === 'string' && candidate.message.length > 0) message = candidate.message;
    if (typeof candidate.code === 'string') return { code: candidate.code, message };
    // Happy-eyeballs connection attempts fail with an AggregateError of per-address errors.
    if (Array.isArray(candidate.errors) && candidate.errors.length > 0) {
      current = candidate.errors[0];
      continue;
    }
    current = candidate.cause;
  }
  return { code: undefined, message };
}
