/**
 * Parses and validates a `POST /api/chat` body the way Ollama does, with Ollama's status codes and
 * messages: 400 for an empty or malformed body, bad field types, keep_alive, format or model name;
 * 404 for an unknown model; 500 for an option of the wrong type.
 */
import { compileSchemaCached, SchemaCompileError, type CompiledSchema } from './generate-from-schema.ts';
import { goJsonSyntaxError, goJsonTypeWord, goQuote, parseKeepAlive } from './go-formats.ts';
import type { CatalogModel, ModelCatalog } from './model-catalog.ts';
import { defaultKeepAliveMilliseconds } from './model-residency.ts';

export interface ChatMessage {
  role: string;
  content: string;
}

export type AnswerFormat =
  | { kind: 'text' }
  | { kind: 'json' }
  | { kind: 'schema'; schemaText: string; schema: CompiledSchema };

export interface ChatRequest {
  /** The model name exactly as the client sent it (Ollama echoes it back). */
  model: string;
  catalogModel: CatalogModel;
  messages: ChatMessage[];
  format: AnswerFormat;
  stream: boolean;
  /** Infinity = keep loaded forever; 0 = unload after the reply. */
  keepAliveMilliseconds: number;
  seed: number | undefined;
  numPredict: number | undefined;
  numCtx: number | undefined;
}

export interface ChatRequestError {
  status: number;
  error: string;
}

export type ChatRequestParse = { request: ChatRequest } | ChatRequestError;

type Body = Record<string, unknown>;

const integerOptions = new Set([
  'num_keep', 'seed', 'num_predict', 'top_k', 'repeat_last_n', 'num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread',
]);
const floatOptions = new Set(['top_p', 'min_p', 'typical_p', 'temperature', 'repeat_penalty', 'presence_penalty', 'frequency_penalty']);

function badRequest(error: string): ChatRequestError {
  return { status: 400, error };
}

function unmarshalError(value: unknown, field: string, goType: string): ChatRequestError {
  return badRequest(`json: cannot unmarshal ${goJsonTypeWord(value)} into Go struct field ChatRequest.${field} of type ${goType}`);
}

/** Parses the body text; `null` means the body is a JSON null (Go leaves the struct empty). */
function parseBodyJson(bodyText: string): Body | ChatRequestError {
  if (bodyText.trim() === '') return badRequest('missing request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch (error) {
    return badRequest(goJsonSyntaxError(bodyText, error));
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return badRequest(`json: cannot unmarshal ${goJsonTypeWord(parsed)} into Go value of type api.ChatRequest`);
  }
  return parsed as Body;
}

function isError(value: unknown): value is ChatRequestError {
  return typeof value === 'object' && value !== null && 'status' in value && 'error' in value;
}

function checkFieldTypes(body: Body): ChatRequestError | undefined {
  if (body.model != null && typeof body.model !== 'string') return unmarshalError(body.model, 'model', 'string');
  if (body.stream != null && typeof body.stream !== 'boolean') return unmarshalError(body.stream, 'stream', 'bool');
  if (body.options != null && (typeof body.options !== 'object' || Array.isArray(body.options))) {
    return unmarshalError(body.options, 'options', 'map[string]interface {}');
  }
  if (body.messages != null && !Array.isArray(body.messages)) return unmarshalError(body.messages, 'messages', '[]api.Message');
  return undefined;
}

function parseMessages(raw: unknown): ChatMessage[] | ChatRequestError {
  if (raw == null) return [];
  const messages: ChatMessage[] = [];
  for (const entry of raw as unknown[]) {
    if (entry === null) continue;
    if (typeof entry !== 'object' || Array.isArray(entry)) return unmarshalError(entry, 'messages', 'api.Message');
    const { role, content } = entry as Record<string, unknown>;
    if (role != null && typeof role !== 'string') return unmarshalError(role, 'messages.role', 'string');
    if (content != null && typeof content !== 'string') return unmarshalError(content, 'messages.content', 'string');
    messages.push({ role: (role ?? '').toLowerCase(), content: content ?? '' });
  }
  return messages;
}

function parseFormat(raw: unknown): AnswerFormat | ChatRequestError {
  if (raw === undefined || raw === null || raw === '') return { kind: 'text' };
  if (raw === 'json') return { kind: 'json' };
  const rawText = JSON.stringify(raw);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return badRequest(`invalid format: ${goQuote(rawText)}; expected "json" or a valid JSON Schema object`);
  }
  try {
    return { kind: 'schema', schemaText: rawText, schema: compileSchemaCached(rawText, raw) };
  } catch (error) {
    if (error instanceof SchemaCompileError) return badRequest('invalid JSON schema in format');
    throw error;
  }
}

/** Ollama's Options.FromMap: unknown keys are ignored, a known key of the wrong type is a 500. */
function checkOptions(options: Record<string, unknown>): ChatRequestError | undefined {
  for (const [key, value] of Object.entries(options)) {
    if (value === null) continue;
    if (integerOptions.has(key) && typeof value !== 'number') return { status: 500, error: `option ${goQuote(key)} must be of type integer` };
    if (floatOptions.has(key) && typeof value !== 'number') return { status: 500, error: `option ${goQuote(key)} must be of type float32` };
    if (key === 'stop') {
      if (!Array.isArray(value)) return { status: 500, error: `option ${goQuote(key)} must be of type array` };
      if (value.some((item) => typeof item !== 'string')) return { status: 500, error: `option ${goQuote(key)} must be of an array of strings` };
    }
  }
  return undefined;
}

function integerOption(options: Record<string, unknown>, key: string): number | undefined {
  const value = options[key];
  return typeof value === 'number' ? Math.trunc(value) : undefined;
}

function checkCapabilities(body: Body, model: string): ChatRequestError | undefined {
  const think = body.think;
  if (think === true || (typeof think === 'string' && think !== '')) return badRequest(`${goQuote(model)} does not support thinking`);
  if (Array.isArray(body.tools) && body.tools.length > 0) return badRequest(`${goQuote(model)} does not support tools`);
  const topLogprobs = body.top_logprobs;
  if (typeof topLogprobs === 'number' && (topLogprobs < 0 || topLogprobs > 20)) return badRequest('top_logprobs must be between 0 and 20');
  return undefined;
}

export function parseChatRequest(bodyText: string, catalog: ModelCatalog): ChatRequestParse {
  const body = parseBodyJson(bodyText);
  if (isError(body)) return body;
  const typeError = checkFieldTypes(body);
  if (typeError !== undefined) return typeError;
  const messages = parseMessages(body.messages);
  if (isError(messages)) return messages;
  const keepAlive = parseKeepAlive(body.keep_alive, defaultKeepAliveMilliseconds);
  if ('error' in keepAlive) return badRequest(keepAlive.error);
  const format = parseFormat(body.format);
  if (isError(format)) return format;

  const model = (body.model as string | undefined) ?? '';
  if (model === '') return badRequest('model is required');
  const catalogModel = catalog.find(model);
  if (catalogModel === undefined) return { status: 404, error: `model ${goQuote(model)} not found, try pulling it first` };
  const capabilityError = checkCapabilities(body, model);
  if (capabilityError !== undefined) return capabilityError;
  const options = (body.options ?? {}) as Record<string, unknown>;
  const optionError = checkOptions(options);
  if (optionError !== undefined) return optionError;

  return {
    request: {
      model,
      catalogModel,
      messages,
      format,
      stream: body.stream !== false,
      keepAliveMilliseconds: keepAlive.milliseconds,
      seed: integerOption(options, 'seed'),
      numPredict: integerOption(options, 'num_predict'),
      numCtx: integerOption(options, 'num_ctx'),
    },
  };
}
