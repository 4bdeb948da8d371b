/**
 * Configuration of the Ollama server simulator: the public option types, their zod schema and defaults.
 * `parseSimulatorOptions` turns a partial, untrusted input (CLI flags, test code) into complete options.
 */
import { z } from 'zod';

/** Probabilities (0..1) of each fault, drawn per valid `/api/chat` request from a seeded sequence. */
export interface FaultRates {
  /** 500 `{"error":"..."}` once a generation slot is held. */
  serverError: number;
  /** The socket is destroyed mid-response (after some chunks when streaming, before any byte otherwise). */
  dropConnection: number;
  /** `content` is not valid JSON, with `done_reason: "stop"`. */
  invalidJson: number;
  /** `content` is valid JSON that breaks the request's schema (only when `format` is a schema). */
  schemaViolation: number;
  /** `done_reason: "length"` with the content cut off mid-way. */
  truncated: number;
  /** 404 `model "x" not found, try pulling it first`. */
  modelNotFound: number;
  /** Streaming only: some chunks, then an `{"error":...}` line and no `done:true`. */
  streamError: number;
  /** 429 with `Retry-After` (hosted OpenAI-compatible APIs; Ollama passes a cloud model's through). Drawn only when above 0. */
  rateLimited: number;
}

/** Which wire protocol the simulator speaks at its root. The `ollama` one also serves Ollama's `/v1`. */
export const simulatorProtocols = ['ollama', 'openai'] as const;
export type SimulatorProtocol = (typeof simulatorProtocols)[number];
/** Which OpenAI-compatible server `protocol: 'openai'` imitates (error shapes, extras such as `timings`, `/health`). */
export const openAiFlavors = ['llama-server', 'vllm', 'openai'] as const;
export type OpenAiFlavor = (typeof openAiFlavors)[number];

export interface SimulatorOptions {
  /** `ollama` (default): Ollama's native API, and its `/v1`; `openai`: an OpenAI-compatible server of `flavor`. */
  protocol: SimulatorProtocol;
  flavor: OpenAiFlavor;
  /** The `Retry-After` seconds of 429 answers (and of OpenAI-side 503s). */
  retryAfterSeconds: number;
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /** Installed models; bare names mean `:latest`. */
  models: string[];
  /** Generation time per request once a slot is held (ignored when `tokensPerSecond` is set). */
  latencyMs: number;
  /** When set, generation time = completion tokens / rate (plus prompt processing at 20x that rate). */
  tokensPerSecond?: number;
  /** Delay before the first byte when the requested model is not loaded. */
  loadMs: number;
  /** Requests generating at once (`OLLAMA_NUM_PARALLEL`). */
  parallel: number;
  /** Requests allowed to wait beyond `parallel` (`OLLAMA_MAX_QUEUE`); more get 503. */
  maxQueue: number;
  faults: FaultRates;
  faultSeed: number;
  /**
   * Known answers keyed by a string that identifies the item in the prompt (`--answers FILE`): a request
   * whose last user message names a key is answered with that answer (see answer-book.ts).
   */
  answers: { key: string; answer?: unknown }[];
  /** Per model (full name), the probability that each field of a known answer is right (default 1). */
  accuracy: Record<string, number>;
}

/** What `startSimulator` accepts: any subset of the options, faults included. */
export type SimulatorStartOptions = Partial<Omit<SimulatorOptions, 'faults'>> & { faults?: Partial<FaultRates> };

export const defaultModels: readonly string[] = ['llama3.2:latest', 'qwen2.5:7b'];

const probabilitySchema = z.number().min(0).max(1).default(0);

export const faultRatesSchema = z
  .object({
    serverError: probabilitySchema,
    dropConnection: probabilitySchema,
    invalidJson: probabilitySchema,
    schemaViolation: probabilitySchema,
    truncated: probabilitySchema,
    modelNotFound: probabilitySchema,
    streamError: probabilitySchema,
    rateLimited: probabilitySchema,
  })
  .strict();

export const simulatorOptionsSchema = z
  .object({
    protocol: z.enum(simulatorProtocols).default('ollama'),
    flavor: z.enum(openAiFlavors).default('llama-server'),
    retryAfterSeconds: z.number().int().min(0).default(1),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(0),
    models: z
      .array(z.string().trim().min(1))
      .min(1)
      .default(() => [...defaultModels]),
    latencyMs: z.number().min(0).finite().default(0),
    tokensPerSecond: z.number().positive().finite().optional(),
    loadMs: z.number().min(0).finite().default(0),
    parallel: z.number().int().min(1).default(4),
    maxQueue: z.number().int().min(0).default(512),
    faults: faultRatesSchema.default({}),
    faultSeed: z.number().int().default(1),
    answers: z.array(z.object({ key: z.string().min(1), answer: z.unknown() }).strict()).default([]),
    accuracy: z.record(z.number().min(0).max(1)).default({}),
  })
  .strict();

// Compile-time guarantee that the schema produces exactly the documented interface.
const schemaMatchesInterface: z.ZodType<SimulatorOptions, z.ZodTypeDef, unknown> = simulatorOptionsSchema;
void schemaMatchesInterface;

/** Validates and completes options; throws a ZodError naming the offending option paths. */
export function parseSimulatorOptions(input: SimulatorStartOptions = {}): SimulatorOptions {
  return simulatorOptionsSchema.parse(input);
}
