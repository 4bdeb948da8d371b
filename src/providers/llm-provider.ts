/**
 * The one small, versioned interface every LLM backend implements (Ollama native today; OpenAI-compatible
 * servers and pools of servers later). The worker's pipeline only ever talks to this interface.
 *
 * Terminology:
 * - endpoint: one configured LLM server (`backends.endpoints[]` in the configuration, or the default one
 *   built from `ollama.*`), named by a stable `endpointId`.
 * - provider: the client object for one endpoint, built once per process by the provider factory
 *   (`provider-factory.ts`) from the endpoint's backend kind (`backend-kinds.ts`).
 * - structured chat: a chat request whose answer must be JSON matching `schema`.
 * - wire: the exact request and response bodies as they crossed HTTP, kept for the audit lake.
 *
 * Units: every duration in this interface is in **milliseconds** (a float; sub-millisecond precision
 * is kept). Providers convert their servers' units (Ollama reports nanoseconds).
 *
 * Versions: v2 (this one) removed Ollama-only notions from the request (keep-alive and context size are
 * Ollama settings now, or per-call `providerOptions.ollama`), renamed `numPredict` to
 * `maxOutputTokens`, moved timings from nanoseconds to milliseconds, and added `endpointId`, the
 * served-by record on results and errors, and `close()`. Additions within v2 (optional, so every v2
 * provider stays one): `usage.cachedPromptTokens`, `serverTimings`, the provider's `schemaSupport`, and `probe()`.
 */

import type { SchemaSupport } from './schema-support.ts';

/** A JSON Schema document (draft 2020-12 or 07), kept as plain data. */
export type JsonSchema = Record<string, unknown>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Provider-neutral generation options; each provider maps them to its wire names. */
export interface GenerationOptions {
  temperature?: number;
  seed?: number;
  /** Most tokens to generate (Ollama `num_predict`, OpenAI `max_tokens`). */
  maxOutputTokens?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
}

/**
 * Per-call options for one backend kind, keyed by the kind (`{ ollama: { numCtx: 8192 } }`), in the
 * style of vercel/ai's `providerOptions`. A provider reads only its own key and ignores the others, so
 * one request can carry options for several kinds.
 */
export type ProviderOptions = Record<string, Record<string, unknown>>;

export interface StructuredChatRequest {
  model: string;
  messages: ChatMessage[];
  /**
   * The JSON Schema the answer must satisfy (Ollama `format`, OpenAI `response_format.json_schema.schema`).
   * Absent: a free-text answer (no format sent).
   */
  schema?: JsonSchema;
  options?: GenerationOptions;
  providerOptions?: ProviderOptions;
}

/** Why generation stopped, normalised across providers. `length` means the output may be cut off mid-JSON. */
export type FinishReason = 'stop' | 'length' | 'other' | 'unknown';

export interface ChatUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** Prompt tokens served from the server's cache (llama-server's `prompt_tokens_details.cached_tokens`). */
  cachedPromptTokens?: number;
}

/** Server-reported timings, in milliseconds (absent when the server does not report them). */
export interface ChatTimings {
  /** The whole request on the server, model loading included. */
  totalDurationMs?: number;
  /** Loading the model into memory. */
  loadDurationMs?: number;
  /** Evaluating the prompt. */
  promptEvalDurationMs?: number;
  /** Generating the answer. */
  evalDurationMs?: number;
}

/** Which endpoint served a call (or failed it): the audit records this, not the provider it was asked of. */
export interface ServedBy {
  endpointId: string;
  /** The backend kind, e.g. `ollama`. */
  provider: string;
  baseUrl: string;
}

/** A request as it went out on the wire. Never contains secrets: headers are redacted. */
export interface WireRequest {
  url: string;
  method: 'POST' | 'GET';
  requestHeaders: Record<string, string>;
  requestBody: unknown;
}

/** What crossed the wire, for the lake. */
export interface WireExchange extends WireRequest {
  status: number;
  streamed: boolean;
  /** For a streamed answer: the chunks merged into one final response object (content concatenated). */
  responseBody: unknown;
  /** The response body exactly as received (NDJSON text when streamed). */
  responseText: string;
}

export interface StructuredChatResult {
  /** The model's answer text (should be JSON; the caller validates it). */
  content: string;
  finishReason: FinishReason;
  /** The provider's own word for it (`done_reason`, `finish_reason`). */
  rawFinishReason?: string;
  /** The model name as the server reported it. */
  model: string;
  usage: ChatUsage;
  timings: ChatTimings;
  /** Milliseconds from sending the request to the first response byte (includes model loading). */
  timeToFirstByteMs: number;
  /** Milliseconds from sending the request to the end of the answer. */
  elapsedMs: number;
  servedBy: ServedBy;
  wire: WireExchange;
  /**
   * The server's own figures as it reported them, beyond `timings` (llama-server's `timings`: prompt_n,
   * prompt_ms, predicted_per_second, cache_n, … in its units); absent when it reports none.
   */
  serverTimings?: Record<string, number>;
}

export interface ModelDescription {
  /** Full name with tag, e.g. `llama3.2:latest`. */
  name: string;
  tag: string;
  /** Content digest (64 hex chars) when the server exposes one; null otherwise. */
  digest: string | null;
  sizeBytes?: number;
  details?: Record<string, unknown>;
  parameters?: string;
  capabilities?: string[];
  /** The endpoint that described it. */
  servedBy: ServedBy;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface LlmProviderV2 {
  readonly specificationVersion: 'v2';
  /** The backend kind, e.g. `ollama`. */
  readonly provider: string;
  /** The configured endpoint's id (`default` for the one built from `ollama.*`); stable for the process. */
  readonly endpointId: string;
  readonly baseUrl: string;
  chat(request: StructuredChatRequest, options?: CallOptions): Promise<StructuredChatResult>;
  /** Name, tag, digest and details of a model; implementations cache this per provider instance. */
  describeModel(model: string, options?: CallOptions): Promise<ModelDescription>;
  /**
   * Resolves when the server answers its cheapest request (Ollama `GET /api/version`), within a few
   * seconds; throws an LlmCallError otherwise. The worker asks it before claiming, and the endpoint pool
   * to tell when a server taken out is back. Optional: without it, a server is assumed up.
   */
  probe?(options?: CallOptions): Promise<void>;
  /** Lets go of pooled connections; calls after it fail. Idempotent. */
  close(): Promise<void>;
  /** What the server enforces of a JSON Schema while decoding (schema-support.ts); absent: unknown. */
  readonly schemaSupport?: SchemaSupport;
  /**
   * The per-call options this endpoint sends when a call's `providerOptions` gives none (Ollama: the
   * endpoint's `numCtx` and `keepAlive`), keyed by kind as `providerOptions` is. A call's fingerprint
   * takes them in (those that change the answer), so two endpoints with different context sizes do not
   * share cached answers. Absent: none.
   */
  readonly defaultProviderOptions?: ProviderOptions;
}

/** The interface's current version, for code that does not care which. */
export type LlmProvider = LlmProviderV2;
