/**
 * The single error type LLM providers throw. It carries its context so callers (and the job's
 * `last_error`) can say exactly what happened, `isRetryable` so the queue knows whether to retry, and
 * which endpoint failed the call (`servedBy`), so the audit names the server that actually answered.
 */
import type { ServedBy, WireRequest } from './llm-provider.ts';

export type LlmErrorCode =
  | 'connection_failed' // refused, reset, DNS: the server could not be reached
  | 'connection_dropped' // the connection closed before the answer was complete
  | 'timeout' // no first byte in time (model loading), or the stream went idle
  | 'server_busy' // 503, e.g. Ollama's "maximum pending requests exceeded"
  | 'rate_limited' // 429
  | 'server_error' // 5xx other than 503, or an error line mid-stream
  | 'model_not_found' // 404 for the model: final for THIS endpoint (another one may have it)
  | 'bad_request' // 400: the request itself is wrong, final
  | 'schema_refused' // the server cannot turn the output schema into a grammar / refuses it: final, the same on every retry
  | 'invalid_response' // the server answered 200 with something that is not its protocol
  | 'aborted'; // the caller cancelled (lease lost, shutdown)

const retryableCodes: ReadonlySet<LlmErrorCode> = new Set([
  'connection_failed',
  'connection_dropped',
  'timeout',
  'server_busy',
  'rate_limited',
  'server_error',
  'invalid_response',
]);

export interface LlmCallErrorOptions {
  code: LlmErrorCode;
  message: string;
  url: string;
  statusCode?: number;
  responseBody?: string;
  /** Seconds the server asked us to wait (`Retry-After`), when it did. */
  retryAfterSeconds?: number;
  /** The endpoint the failed call went to. */
  servedBy?: ServedBy;
  /** The request that failed, as sent (chat calls). */
  request?: WireRequest;
  cause?: unknown;
}

export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';
  readonly code: LlmErrorCode;
  readonly url: string;
  readonly statusCode?: number;
  readonly responseBody?: string;
  readonly retryAfterSeconds?: number;
  /** False when retrying the same call on the same endpoint cannot help. */
  readonly isRetryable: boolean;
  readonly servedBy?: ServedBy;
  readonly request?: WireRequest;

  constructor(options: LlmCallErrorOptions) {
    super(options.message, { cause: options.cause });
    this.code = options.code;
    this.url = options.url;
    this.statusCode = options.statusCode;
    this.responseBody = options.responseBody;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.isRetryable = retryableCodes.has(options.code);
    this.servedBy = options.servedBy;
    this.request = options.request;
  }

  static isInstance(value: unknown): value is LlmCallError {
    return value instanceof LlmCallError;
  }
}
