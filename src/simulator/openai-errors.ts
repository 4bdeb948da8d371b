/**
 * The error bodies of the OpenAI-compatible servers the simulator imitates, byte for byte in shape:
 * - openai: `{"error":{"message","type","param","code"}}`, all four keys, `code` a string or null;
 * - ollama (its /v1): the same four keys, `code` null, type invalid_request_error (400),
 *   not_found_error (404) or api_error, with the native message texts;
 * - llama-server: `{"error":{"code":<status>,"message","type"}}`, the integer status, no `param`;
 * - vllm: `{"error":{"message","type","param","code":<status>}}` with types such as BadRequestError.
 */
import type { ServerResponse } from 'node:http';
import { jsonContentType } from './http-replies.ts';
import type { OpenAiFlavor } from './simulator-options.ts';

/** Which server's shapes to use: an OpenAI-compatible flavour, or Ollama's /v1. */
export type OpenAiSide = OpenAiFlavor | 'ollama';

export interface OpenAiErrorSpec {
  status: number;
  message: string;
  /** llama-server's / OpenAI's type word; derived from the status when absent. */
  type?: string;
  param?: string | null;
  /** OpenAI's string code (e.g. `rate_limit_exceeded`). */
  code?: string | null;
}

const llamaServerTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'unavailable_error',
  500: 'server_error',
  501: 'not_supported_error',
  503: 'unavailable_error',
};

const vllmTypes: Record<number, string> = {
  400: 'BadRequestError',
  401: 'Unauthorized',
  404: 'NotFoundError',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

const openAiTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  404: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};

export function openAiErrorBody(side: OpenAiSide, spec: OpenAiErrorSpec): string {
  const { status, message } = spec;
  switch (side) {
    case 'llama-server':
      return JSON.stringify({ error: { code: status, message, type: spec.type ?? llamaServerTypes[status] ?? 'server_error' } });
    case 'vllm':
      return JSON.stringify({ error: { message, type: spec.type ?? vllmTypes[status] ?? 'InternalServerError', param: spec.param ?? null, code: status } });
    case 'ollama': {
      const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
      return JSON.stringify({ error: { message, type, param: null, code: null } });
    }
    case 'openai':
      return JSON.stringify({ error: { message, type: spec.type ?? openAiTypes[status] ?? 'server_error', param: spec.param ?? null, code: spec.code ?? null } });
  }
}

export function sendOpenAiError(response: ServerResponse, side: OpenAiSide, spec: OpenAiErrorSpec, headers: Record<string, string> = {}): void {
  const body = openAiErrorBody(side, spec);
  response.writeHead(spec.status, { ...headers, 'Content-Type': side === 'ollama' ? jsonContentType : 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/** The answer each side gives when it will not take more work (or is still loading its model). */
export function busySpec(side: OpenAiSide, loading: boolean): OpenAiErrorSpec {
  switch (side) {
    case 'llama-server':
      return { status: 503, message: 'Loading model', type: 'unavailable_error' };
    case 'ollama':
      return { status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' };
    case 'vllm':
      return { status: 503, message: loading ? 'The server is starting up' : 'The server is overloaded; too many requests are waiting' };
    case 'openai':
      return { status: 503, message: 'The server is overloaded or not ready yet.', type: 'server_error' };
  }
}

export function rateLimitSpec(side: OpenAiSide, model: string): OpenAiErrorSpec {
  if (side === 'openai') {
    return { status: 429, message: `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.`, type: 'requests', code: 'rate_limit_exceeded' };
  }
  return { status: 429, message: 'you have reached your rate limit, please try again later' };
}

export function modelNotFoundSpec(side: OpenAiSide, model: string): OpenAiErrorSpec {
  switch (side) {
    case 'ollama':
      return { status: 404, message: `model "${model}" not found, try pulling it first` };
    case 'vllm':
      return { status: 404, message: `The model \`${model}\` does not exist.`, param: 'model' };
    case 'openai':
      return { status: 404, message: `The model \`${model}\` does not exist or you do not have access to it.`, code: 'model_not_found' };
    case 'llama-server':
      return { status: 404, message: `model '${model}' not found`, type: 'not_found_error' };
  }
}
