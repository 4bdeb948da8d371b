/**
 * The one small, versioned interface every LLM backend implements (Ollama native today; OpenAI-compatible
 * servers and pools of servers later). The worker only ever talks to this interface.
 *
 * Terminology:
 * - provider: a configured client for one LLM server (base URL + settings).
 * - structured chat: a chat request whose answer must be JSON matching `schema`.
 * - wire: the exact request and response bodies as they crossed HTTP, kept for the audit lake.
 */

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
  /** Context window in tokens (Ollama `num_ctx`). */
  numCtx?: number;
  /** Maximum tokens to generate (Ollama `num_predict`, OpenAI `max_tokens`). */
  numPredict?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
}

export interface StructuredChatRequest {
  model: string;
  messages: ChatMessage[];
  /** The JSON Schema the answer must satisfy (Ollama `format`, OpenAI `response_format.json_schema.schema`). */
  schema: JsonSchema;
  options?: GenerationOptions;
  /** How long the server keeps the model loaded afterwards: seconds, or a duration string such as "10m". */
  keepAlive?: string | number;
}

/** Why generation stopped, normalised across providers. `length` means the output may be cut off mid-JSON. */
export type FinishReason = 'stop' | 'length' | 'other' | 'unknown';

export interface ChatUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/** Server-reported timings, in nanoseconds (Ollama's unit). */
export interface ChatTimings {
  totalDurationNs?: number;
  loadDurationNs?: number;
  promptEvalDurationNs?: number;
  evalDurationNs?: number;
}

/** What crossed the wire, for the lake. Never contains secrets: headers are redacted. */
export interface WireExchange {
  url: string;
  method: 'POST' | 'GET';
  requestHeaders: Record<string, string>;
  requestBody: unknown;
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
  wire: WireExchange;
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
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface LlmProviderV1 {
  readonly specificationVersion: 'v1';
  /** e.g. `ollama`. */
  readonly provider: string;
  readonly baseUrl: string;
  chat(request: StructuredChatRequest, options?: CallOptions): Promise<StructuredChatResult>;
  /** Name, tag, digest and details of a model; implementations cache this per provider instance. */
  describeModel(model: string, options?: CallOptions): Promise<ModelDescription>;
}
