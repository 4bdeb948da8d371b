/**
 * Loose zod schemas for the Ollama responses we read: only the fields we use, everything else passes
 * through untouched. Used once per response (the final chat object, /api/tags, /api/show), never per
 * stream chunk: chunks are read with plain JSON.parse on the hot path.
 */
import { z } from 'zod';

const optionalCount = z.number().optional();

/** A non-streamed `/api/chat` answer, or a streamed one merged into the same shape. */
export const ollamaChatResponseSchema = z
  .object({
    model: z.string(),
    created_at: z.string().optional(),
    message: z
      .object({
        role: z.string(),
        content: z.string(),
        thinking: z.string().optional(),
      })
      .passthrough(),
    done: z.boolean(),
    done_reason: z.string().optional(),
    total_duration: optionalCount,
    load_duration: optionalCount,
    prompt_eval_count: optionalCount,
    prompt_eval_duration: optionalCount,
    eval_count: optionalCount,
    eval_duration: optionalCount,
  })
  .passthrough();

export type OllamaChatResponse = z.infer<typeof ollamaChatResponseSchema>;

/** Ollama's error body: `{"error":"<message>"}`. */
export const ollamaErrorBodySchema = z.object({ error: z.string() }).passthrough();

/** `GET /api/tags`: the locally available models; the only source of a model's digest. */
export const ollamaTagsResponseSchema = z
  .object({
    models: z.array(
      z
        .object({
          name: z.string(),
          model: z.string().optional(),
          size: z.number().optional(),
          digest: z.string().optional(),
          details: z.record(z.unknown()).optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export type OllamaTagsResponse = z.infer<typeof ollamaTagsResponseSchema>;

/** `POST /api/show`: details, Modelfile parameters and capabilities (no digest, no size). */
export const ollamaShowResponseSchema = z
  .object({
    parameters: z.string().optional(),
    details: z.record(z.unknown()).optional(),
    capabilities: z.array(z.string()).optional(),
  })
  .passthrough();

export type OllamaShowResponse = z.infer<typeof ollamaShowResponseSchema>;
