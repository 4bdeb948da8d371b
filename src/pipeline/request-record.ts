/**
 * `request.json`, one shape for every attempt, whether its call succeeded, failed, or never went out:
 *
 *   { "version": 1,
 *     "endpoint": { "endpointId", "provider", "baseUrl" } | null,   // the endpoint that served (or failed) it
 *     "request":  { "model", "messages", "schema", "options"?, "providerOptions"? },  // the neutral request
 *     "wire":     { "url", "method", "headers", "body" } | null }   // the chat request exactly as sent
 *
 * `wire` is null when the chat request did not go out (the model lookup failed first, or no endpoint
 * serves the model); `endpoint` is null only when no endpoint was tried. Headers are redacted. One
 * reader, `parseRequestRecord`, understands every attempt's file (a replay tool sends `wire.body` to
 * `wire.url`, or the neutral `request` to any provider).
 */
import { z } from 'zod';
import type { ServedBy, StructuredChatRequest, WireRequest } from '../providers/llm-provider.ts';

export interface RequestRecord {
  version: 1;
  endpoint: ServedBy | null;
  request: StructuredChatRequest;
  wire: { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body: unknown } | null;
}

export function requestRecord(request: StructuredChatRequest, endpoint: ServedBy | null, wire: WireRequest | null): RequestRecord {
  return {
    version: 1,
    endpoint: endpoint === null ? null : { endpointId: endpoint.endpointId, provider: endpoint.provider, baseUrl: endpoint.baseUrl },
    request,
    wire: wire === null ? null : { url: wire.url, method: wire.method, headers: wire.requestHeaders, body: wire.requestBody },
  };
}

const requestRecordSchema = z
  .object({
    version: z.literal(1),
    endpoint: z.object({ endpointId: z.string(), provider: z.string(), baseUrl: z.string() }).strict().nullable(),
    request: z
      .object({
        model: z.string(),
        messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }).strict()),
        schema: z.record(z.unknown()),
        options: z.record(z.unknown()).optional(),
        providerOptions: z.record(z.record(z.unknown())).optional(),
      })
      .strict(),
    wire: z
      .object({ url: z.string(), method: z.enum(['GET', 'POST']), headers: z.record(z.string()), body: z.unknown() })
      .strict()
      .nullable(),
  })
  .strict();

/** Reads a `request.json`; throws naming what does not fit. */
export function parseRequestRecord(text: string): RequestRecord {
  const parsed = requestRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`not a request.json of version 1: ${problems.join('; ')}`);
  }
  return parsed.data as RequestRecord;
}
