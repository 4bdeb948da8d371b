/**
 * Parses a `POST /v1/chat/completions` body into the simulator's chat request, as each side reads it:
 * `response_format` `json_schema` in the nested form (`json_schema.schema`); the flat form
 * (`{type:"json_schema", schema}`) is silently unconstrained on llama-server and Ollama and refused by
 * OpenAI and vLLM; OpenAI wants `json_schema.name` and, with `strict`, a schema strict mode accepts;
 * llama-server and Ollama refuse what their grammar converter cannot do. `max_tokens` (and, except on
 * Ollama, `max_completion_tokens`) caps the answer; `stream` defaults to false.
 */
import { compileSchemaCached, SchemaCompileError } from './generate-from-schema.ts';
import type { AnswerFormat, ChatMessage, ChatRequest } from './chat-request.ts';
import { grammarRefusalsOfText, strictModeRefusal } from './grammar-refusal.ts';
import type { ModelCatalog } from './model-catalog.ts';
import { defaultKeepAliveMilliseconds } from './model-residency.ts';
import { modelNotFoundSpec, type OpenAiErrorSpec, type OpenAiSide } from './openai-errors.ts';

export interface OpenAiChatRequest {
  chat: ChatRequest;
  /** `stream_options.include_usage`: a `choices: []` chunk with the usage before `[DONE]`. */
  includeUsage: boolean;
}

export type OpenAiChatParse = { request: OpenAiChatRequest } | { error: OpenAiErrorSpec };

function invalid(message: string, param: string | null = null): { error: OpenAiErrorSpec } {
  return { error: { status: 400, message, type: 'invalid_request_error', param } };
}

function parseMessages(raw: unknown): ChatMessage[] | { error: OpenAiErrorSpec } {
  if (!Array.isArray(raw) || raw.length === 0) return invalid("'messages' must be a non-empty array", 'messages');
  const messages: ChatMessage[] = [];
  for (const entry of raw) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return invalid("each of 'messages' must be an object", 'messages');
    const { role, content } = entry as Record<string, unknown>;
    if (typeof role !== 'string') return invalid("each message needs a 'role'", 'messages');
    let text: string;
    if (typeof content === 'string') text = content;
    else if (content === null || content === undefined) text = '';
    else if (Array.isArray(content)) {
      text = content.map((part) => (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '')).join('');
    } else return invalid("a message's 'content' must be a string or an array of parts", 'messages');
    messages.push({ role: role.toLowerCase(), content: text });
  }
  return messages;
}

function schemaFormat(side: OpenAiSide, schema: unknown): AnswerFormat | { error: OpenAiErrorSpec } {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return invalid("'response_format.json_schema.schema' must be an object", 'response_format');
  const schemaText = JSON.stringify(schema);
  if (side === 'llama-server' || side === 'ollama') {
    const refusals = grammarRefusalsOfText(schemaText);
    if (refusals.length > 0) {
      return side === 'ollama'
        ? { error: { status: 500, message: 'invalid JSON schema in format' } }
        : invalid(`"json_schema": JSON schema conversion failed:\n${refusals.join('\n')}`);
    }
  }
  try {
    return { kind: 'schema', schemaText, schema: compileSchemaCached(schemaText, schema) };
  } catch (error) {
    if (error instanceof SchemaCompileError) return invalid(`Invalid schema for response_format: ${error.message}`, 'response_format');
    throw error;
  }
}

function parseResponseFormat(side: OpenAiSide, raw: unknown): AnswerFormat | { error: OpenAiErrorSpec } {
  if (raw === undefined || raw === null) return { kind: 'text' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return invalid("'response_format' must be an object", 'response_format');
  const format = raw as Record<string, unknown>;
  switch (format.type) {
    case 'text':
      return { kind: 'text' };
    case 'json_object':
      // llama-server takes an optional sibling `schema` with json_object.
      if (side === 'llama-server' && format.schema !== undefined) return schemaFormat(side, format.schema);
      return { kind: 'json' };
    case 'json_schema': {
      const nested = format.json_schema;
      if (nested === undefined || nested === null || typeof nested !== 'object') {
        // The flat form: llama-server and Ollama fall back to an empty schema, i.e. unconstrained output.
        if (side === 'llama-server' || side === 'ollama') return { kind: 'text' };
        return invalid("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema');
      }
      const { name, schema, strict } = nested as Record<string, unknown>;
      if (side === 'openai') {
        if (typeof name !== 'string') return invalid("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name');
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) return invalid(`Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, 'response_format.json_schema.name');
        if (strict === true) {
          const refusal = strictModeRefusal(schema, name);
          if (refusal !== undefined) return invalid(refusal, 'response_format');
        }
      }
      if (schema === undefined) return side === 'openai' || side === 'vllm' ? invalid("Missing required parameter: 'response_format.json_schema.schema'.") : { kind: 'json' };
      return schemaFormat(side, schema);
    }
    default:
      if (side === 'ollama') return { kind: 'text' };
      if (side === 'llama-server') return invalid(`response_format type must be one of "text", "json_object" or "json_schema", but got: ${String(format.type)}`);
      return invalid(`Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`, 'response_format.type');
  }
}

function optionalInteger(body: Record<string, unknown>, key: string): number | undefined | { error: OpenAiErrorSpec } {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) return invalid(`'${key}' must be an integer`, key);
  return value;
}

function isError(value: unknown): value is { error: OpenAiErrorSpec } {
  return value !== null && typeof value === 'object' && 'error' in value && !Array.isArray(value);
}

export function parseOpenAiChatRequest(side: OpenAiSide, bodyText: string, catalog: ModelCatalog): OpenAiChatParse {
  if (bodyText.trim() === '') return invalid('missing request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return invalid('We could not parse the JSON body of your request.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid('the request body must be a JSON object');
  const body = parsed as Record<string, unknown>;

  const requested = typeof body.model === 'string' ? body.model : '';
  if (requested === '' && side !== 'llama-server') return invalid("you must provide a model parameter", 'model');
  // llama-server serves its one model whatever the request names.
  const catalogModel = side === 'llama-server' ? (catalog.find(requested) ?? catalog.list()[0]!) : catalog.find(requested);
  if (catalogModel === undefined) return { error: modelNotFoundSpec(side, requested) };

  const messages = parseMessages(body.messages);
  if (isError(messages)) return messages;
  const format = parseResponseFormat(side, body.response_format);
  if (isError(format)) return format;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') return invalid("'stream' must be a boolean", 'stream');
  const temperature = body.temperature;
  if (temperature !== undefined && temperature !== null && !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)) {
    return invalid("'temperature' must be a number from 0 to 2", 'temperature');
  }
  const seed = optionalInteger(body, 'seed');
  if (isError(seed)) return seed;
  const maxTokens = optionalInteger(body, 'max_tokens');
  if (isError(maxTokens)) return maxTokens;
  // Ollama's /v1 does not read max_completion_tokens.
  const maxCompletionTokens = side === 'ollama' ? undefined : optionalInteger(body, 'max_completion_tokens');
  if (isError(maxCompletionTokens)) return maxCompletionTokens;
  const streamOptions = body.stream_options;
  const includeUsage =
    streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as { include_usage?: unknown }).include_usage === true;

  return {
    request: {
      chat: {
        model: requested === '' ? catalogModel.name : requested,
        catalogModel,
        messages,
        format,
        stream: body.stream === true,
        keepAliveMilliseconds: defaultKeepAliveMilliseconds,
        seed,
        numPredict: maxCompletionTokens ?? maxTokens,
        numCtx: undefined,
      },
      includeUsage,
    },
  };
}
