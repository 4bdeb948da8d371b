/**
 * Loose zod schemas for the OpenAI-compatible responses we read (`/v1/chat/completions`, `/v1/models`):
 * only the fields we use, everything else passes through. llama-server adds `timings` (milliseconds)
 * and `usage.prompt_tokens_details.cached_tokens`; Ollama's /v1 and vLLM add nothing we need.
 */
import { z } from 'zod';

const optionalNumber = z.number().optional().nullable();

export const openAiUsageSchema = z
  .object({
    prompt_tokens: optionalNumber,
    completion_tokens: optionalNumber,
    total_tokens: optionalNumber,
    prompt_tokens_details: z.object({ cached_tokens: optionalNumber }).passthrough().optional().nullable(),
  })
  .passthrough();

/** llama-server's `timings`, all durations in milliseconds. */
export const llamaServerTimingsSchema = z
  .object({
    cache_n: optionalNumber,
    prompt_n: optionalNumber,
    prompt_ms: optionalNumber,
    prompt_per_token_ms: optionalNumber,
    prompt_per_second: optionalNumber,
    predicted_n: optionalNumber,
    predicted_ms: optionalNumber,
    predicted_per_token_ms: optionalNumber,
    predicted_per_second: optionalNumber,
  })
  .passthrough();

export const openAiChatResponseSchema = z
  .object({
    id: z.string().optional(),
    object: z.string().optional(),
    model: z.string().optional(),
    choices: z
      .array(
        z
          .object({
            index: z.number().optional(),
            message: z
              .object({
                role: z.string().optional(),
                content: z.string().nullable().optional(),
                refusal: z.string().nullable().optional(),
              })
              .passthrough(),
            finish_reason: z.string().nullable().optional(),
          })
          .passthrough(),
      )
      .min(1),
    usage: openAiUsageSchema.optional().nullable(),
    timings: llamaServerTimingsSchema.optional().nullable(),
  })
  .passthrough();

export type OpenAiChatResponse = z.infer<typeof openAiChatResponseSchema>;

export const openAiModelsResponseSchema = z
  .object({
    data: z.array(z.object({ id: z.string() }).passthrough()),
  })
  .passthrough();

export type OpenAiModelsResponse = z.infer<typeof openAiModelsResponseSchema>;
