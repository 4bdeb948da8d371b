/**
 * One HTTP exchange of an LLM provider, the same for every backend: send under the call's timeouts
 * (a failure before the headers is a connect failure), read the body (a failure then is a body
 * failure), each mapped to an LlmCallError that names the endpoint. The backends differ in routes,
 * bodies and error shapes, not in this.
 */
import type { LlmCallError } from '../llm-call-error.ts';
import { CallTimeouts } from '../ollama/call-timeouts.ts';
import { failureCallError, type OllamaCallContext as HttpCallContext } from '../ollama/ollama-call-errors.ts';
import type { HttpTransport, HttpTransportRequest, HttpTransportResponse } from '../transport/http-transport.ts';

export type { HttpCallContext };

/** Sends the request; resolves with the response once its headers are in (the timeouts are told). */
export async function sendRequest(
  transport: HttpTransport,
  context: HttpCallContext,
  timeouts: CallTimeouts,
  request: Omit<HttpTransportRequest, 'signal'>,
): Promise<HttpTransportResponse> {
  let response: HttpTransportResponse;
  try {
    response = await transport.request(context.url, { ...request, signal: timeouts.signal });
  } catch (error) {
    throw failureCallError(context, error, timeouts, 'connect');
  }
  timeouts.headersReceived();
  return response;
}

/** The whole body as text. */
export async function readBodyText(response: HttpTransportResponse, context: HttpCallContext, timeouts: CallTimeouts): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw failureCallError(context, error, timeouts, 'body');
  }
}

/** A non-2xx answer's (small) body for the error message: '' when it cannot be read, unless the caller gave up meanwhile. */
export async function readErrorText(response: HttpTransportResponse, context: HttpCallContext, timeouts: CallTimeouts): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (timeouts.stopReason === 'caller') throw failureCallError(context, error, timeouts, 'body');
    return '';
  }
}

/**
 * A whole JSON body: its text and the parsed value. `notJson` makes the error for a body that is not
 * JSON (each backend says which server it expected).
 */
export async function readJsonBody(
  response: HttpTransportResponse,
  context: HttpCallContext,
  timeouts: CallTimeouts,
  notJson: (responseText: string) => LlmCallError,
): Promise<{ responseText: string; responseBody: unknown }> {
  const responseText = await readBodyText(response, context, timeouts);
  try {
    return { responseText, responseBody: JSON.parse(responseText) };
  } catch {
    throw notJson(responseText);
  }
}

export interface TextExchange {
  status: number;
  text: string;
  retryAfter: string | null;
}

/**
 * One small request read whole (a model lookup, a probe) under its own timeouts, disposed after;
 * `signal` is the caller's, when the exchange is not shared between callers.
 */
export async function exchangeText(
  transport: HttpTransport,
  context: HttpCallContext,
  request: Omit<HttpTransportRequest, 'signal'>,
  signal?: AbortSignal,
): Promise<TextExchange> {
  const timeouts = new CallTimeouts(context.firstByteTimeoutMs, context.idleTimeoutMs, signal);
  try {
    const response = await sendRequest(transport, context, timeouts, request);
    const text = await readBodyText(response, context, timeouts);
    return { status: response.status, text, retryAfter: response.header('retry-after') };
  } finally {
    timeouts.dispose();
  }
}
