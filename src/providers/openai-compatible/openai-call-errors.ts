/**
 * Turns a non-2xx answer of an OpenAI-compatible server into an LlmCallError. Three error bodies are
 * understood: OpenAI's `{"error":{"message","type","param","code"}}` (code a string or null; Ollama's
 * /v1 too), llama-server's `{"error":{"code":400,"message","type"}}` (code the integer status, no
 * param) and vLLM's (`{"error":{…,"code":400}}`, or the older flat `{"object":"error","message",…}`).
 * Network failures and timeouts reuse the Ollama helpers (`failureCallError`), labelled for this kind.
 */
import type { LlmCallError } from '../llm-call-error.ts';
import { createCallError, parseRetryAfter, summarizeBody, type OllamaCallContext } from '../ollama/ollama-call-errors.ts';

/** What an error body said, whichever server shape it came in. */
export interface OpenAiErrorBody {
  message: string;
  type?: string;
  /** A string (OpenAI: `rate_limit_exceeded`), the integer status (llama-server, vLLM) or absent. */
  code?: string | number;
  param?: string;
}

export function readOpenAiErrorBody(bodyText: string): OpenAiErrorBody | undefined {
  const trimmed = bodyText.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return { message: error };
  const source = error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : record.object === 'error' ? record : undefined;
  if (source === undefined) {
    // FastAPI's own validation answers: {"detail": "..."} or {"detail": [{msg, loc}]}.
    if (typeof record.detail === 'string') return { message: record.detail };
    if (Array.isArray(record.detail)) return { message: JSON.stringify(record.detail) };
    return undefined;
  }
  if (typeof source.message !== 'string') return undefined;
  return {
    message: source.message,
    ...(typeof source.type === 'string' ? { type: source.type } : {}),
    ...(typeof source.code === 'string' || typeof source.code === 'number' ? { code: source.code } : {}),
    ...(typeof source.param === 'string' ? { param: source.param } : {}),
  };
}

/** A message says the server could not use the output schema (a grammar conversion failed, strict mode refused it). */
const schemaRefusalPattern = /json[ _-]?schema|response_format|grammar|invalid schema/i;

export function openAiStatusCallError(
  context: OllamaCallContext,
  status: number,
  bodyText: string,
  retryAfter: string | null,
  apiKeyHint: string,
): LlmCallError {
  const body = readOpenAiErrorBody(bodyText);
  const detail = body === undefined ? summarizeBody(bodyText) : `${body.message}${body.type === undefined ? '' : ` [${body.type}]`}`;
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  const extra = { statusCode: status, responseBody: bodyText, retryAfterSeconds };
  const forModel = context.model === undefined ? '' : ` for model "${context.model}"`;
  const call = `${context.method} ${context.route}`;
  const retryHint = retryAfterSeconds === undefined ? '' : `, retry after ${retryAfterSeconds} s`;

  if ((status === 400 || status === 422 || status === 500) && body !== undefined && schemaRefusalPattern.test(body.message)) {
    return createCallError(context, 'schema_refused', `the server refused the output schema${forModel} (${status}): ${detail}`, extra);
  }
  if (status === 401 || status === 403) {
    return createCallError(context, 'bad_request', `${call} was refused (${status}): ${detail} (${apiKeyHint})`, extra);
  }
  if (status === 404) {
    const aboutModel =
      body !== undefined && (body.code === 'model_not_found' || body.param === 'model' || /model/i.test(body.message));
    if (aboutModel) return createCallError(context, 'model_not_found', `model "${context.model ?? '?'}" not found (404): ${detail}`, extra);
    return createCallError(
      context,
      'bad_request',
      `${context.method} ${context.url} answered 404 "${detail}": the URL does not look like an OpenAI-compatible server ` +
        '(the base URL should end with /v1, e.g. http://127.0.0.1:8080/v1)',
      extra,
    );
  }
  if (status === 503) return createCallError(context, 'server_busy', `server busy (503)${retryHint}: ${detail}`, extra);
  if (status === 429) return createCallError(context, 'rate_limited', `rate limited (429)${retryHint}: ${detail}`, extra);
  if (status === 408) return createCallError(context, 'timeout', `the server timed out the request (408)${forModel}: ${detail}`, extra);
  if (status >= 500) return createCallError(context, 'server_error', `server error${forModel} (${status}) on ${call}: ${detail}`, extra);
  if (status >= 400) return createCallError(context, 'bad_request', `bad request${forModel} (${status}) on ${call}: ${detail}`, extra);
  return createCallError(context, 'invalid_response', `${call} answered an unexpected status ${status}: ${detail}`, extra);
}
