/** The configuration contract (zod): what a config file, the environment and flags may set. */
import { z } from 'zod';
import { isGoDuration } from '../durations/go-duration.ts';
import { jobRequestBounds } from '../pipeline/job-request-contract.ts';

const positiveInteger = z.number().int().positive();
// Node's timers wait at most 2^31 - 1 ms (24.8 days; longer fires at once) and a lease or backoff this
// long becomes a database timestamp: every duration stops at 24 days.
const maxSeconds = 2_073_600;
const atMost = [maxSeconds, 'must be at most 2073600 (24 days)'] as const;
const seconds = z.number().positive().max(...atMost);
// z.string().url() alone takes "localhost:11434" (scheme "localhost:") and ftp:// or file:// URLs.
const httpUrl = z.string().url().regex(/^https?:\/\//i, 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434');
const modelName = z.string().trim().min(1, 'a model name, not blank');
// What Ollama reads: a Go duration ("5m", "1h30m") or seconds; negative keeps the model loaded.
const keepAliveDuration = z.union([z.number(), z.string().refine(isGoDuration, 'a duration such as "5m" or "1h30m", or a number of seconds')]);

/** What every endpoint has, whatever its backend kind. */
const endpointCommon = {
  /** Stable name of the endpoint: recorded with every attempt it serves, and the key of its in-flight limit. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" (at most 64), e.g. "gpu-1"'),
  baseUrl: httpUrl,
  /** The models it serves; absent: any (a model it lacks is then found out when asked). */
  models: z.array(modelName).min(1, 'list at least one model, or leave "models" out').optional(),
  /** The most requests in flight to it from one process (the ceiling of its adaptive limit); absent: no own limit. */
  maxInFlight: positiveInteger.optional(),
};

/** An Ollama server. Settings left out are taken from the `ollama` section. */
export const ollamaEndpointSchema = z
  .object({
    ...endpointCommon,
    kind: z.literal('ollama'),
    stream: z.boolean().optional(),
    keepAlive: keepAliveDuration.optional(),
    numCtx: positiveInteger.optional(),
    timeoutSeconds: seconds.optional(),
    firstByteTimeoutSeconds: seconds.optional(),
  })
  .strict();

/** Which server speaks the OpenAI-compatible protocol: decides what the schema check expects it to enforce. */
export const openAiServerFlavorSchema = z.enum(['llama-server', 'vllm', 'openai', 'ollama', 'other']);
/** The name of an environment variable (the API key is read from it, never written anywhere). */
const environmentVariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name, e.g. HOLOCRON_OPENAI_API_KEY');

/**
 * An OpenAI-compatible server (llama-server, vLLM, LM Studio, Ollama's /v1, hosted APIs): `baseUrl`
 * includes the version path (`http://host:8080/v1`). The API key is read from the environment variable
 * `apiKeyEnv` (default HOLOCRON_OPENAI_API_KEY) when the provider is built.
 */
export const openAiEndpointSchema = z
  .object({
    ...endpointCommon,
    kind: z.literal('openai'),
    apiKeyEnv: environmentVariableName.optional(),
    server: openAiServerFlavorSchema.optional(),
    stream: z.boolean().optional(),
    strict: z.boolean().optional(),
    timeoutSeconds: seconds.optional(),
    firstByteTimeoutSeconds: seconds.optional(),
  })
  .strict();

/** One configured endpoint; each backend kind adds its schema here and registers a factory in `src/providers/backend-kinds.ts`. */
export const endpointSchema = z.discriminatedUnion('kind', [ollamaEndpointSchema, openAiEndpointSchema]);

export type EndpointSetting = z.infer<typeof endpointSchema>;
export type EndpointKind = EndpointSetting['kind'];

export const configSchema = z
  .object({
    database: z.object({ url: z.string().min(1), poolSize: positiveInteger }).strict(),
    lake: z.object({ root: z.string().min(1) }).strict(),
    evidence: z
      .object({ root: z.string().min(1), maxItemChars: positiveInteger, maxTotalChars: positiveInteger })
      .strict(),
    interrogations: z.object({ directory: z.string().min(1).nullable() }).strict(),
    ollama: z
      .object({
        baseUrl: httpUrl,
        model: modelName.nullable(),
        temperature: z.number().min(0).max(2),
        seed: z.number().int().nullable(),
        numCtx: z.number().int().positive().nullable(),
        numPredict: z.number().int().min(-2).nullable(),
        timeoutSeconds: seconds,
        firstByteTimeoutSeconds: seconds,
        keepAlive: keepAliveDuration,
        stream: z.boolean(),
      })
      .strict(),
    backends: z
      .object({
        /** The backend kind of the default endpoint (used when `endpoints` is empty): `ollama` or `openai`. */
        kind: z.enum(['ollama', 'openai']),
        /** The default endpoint's URL; null: `ollama.baseUrl` for Ollama (an `openai` default endpoint needs one). */
        baseUrl: httpUrl.nullable(),
        /** For an `openai` default endpoint: the environment variable holding its API key. */
        apiKeyEnv: environmentVariableName,
        /** For an `openai` default endpoint: which server it is (what it enforces of a schema). */
        server: openAiServerFlavorSchema,
        /** Empty: one endpoint, `default`, built from the `ollama` section (OLLAMA_* variables, --ollama-url). */
        endpoints: z.array(endpointSchema).superRefine((endpoints, context) => {
          const seen = new Map<string, number>();
          endpoints.forEach((endpoint, index) => {
            const first = seen.get(endpoint.id);
            if (first === undefined) seen.set(endpoint.id, index);
            else context.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'id'], message: `the id "${endpoint.id}" is already used by endpoint ${first + 1}` });
          });
        }),
      })
      .strict(),
    worker: z
      .object({
        id: z.string().min(1).nullable(),
        concurrency: positiveInteger,
        prefetch: z.number().int().min(0).nullable(),
        pollSeconds: seconds,
        leaseSeconds: z.number().min(0.05).max(...atMost),
        shutdownGraceSeconds: z.number().min(0).max(...atMost),
      })
      .strict(),
    backpressure: z
      .object({
        /** A job whose calls find the server busy for longer than this, without a break, fails (busy_budget_exceeded). */
        busyBudgetSeconds: seconds,
      })
      .strict(),
    retry: z.object({ baseDelaySeconds: z.number().min(0).max(...atMost), maxDelaySeconds: z.number().min(0).max(...atMost) }).strict(),
    // The defaults of a job's priority and max_attempts, bounded as those are.
    queue: z
      .object({
        priority: z.number().int().min(jobRequestBounds.priority.min).max(jobRequestBounds.priority.max),
        maxAttempts: z.number().int().min(jobRequestBounds.maxAttempts.min).max(jobRequestBounds.maxAttempts.max),
      })
      .strict(),
    // Serving identical calls from the lake (src/reproducibility): off | read | write | readwrite.
    cache: z
      .object({ mode: z.enum(['off', 'read', 'write', 'readwrite']), nondeterministic: z.boolean() })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }).strict(),
  })
  .strict();

export type HolocronConfig = z.infer<typeof configSchema>;
