import type { EndpointSetting } from './config-schema.ts';

/**
 * Every default in one place. Layers on top, each overriding the one before:
 * defaults → config file (holocron.config.json) → environment → command-line flags.
 */
export const defaults = {
  database: {
    /** A SQLite file path (the embedded default) or a postgres:// URL. */
    url: 'holocron.sqlite',
    /** PostgreSQL connections per process. */
    poolSize: 4,
  },
  lake: {
    /** Attempts land in `{root}/llm_runs/{yyyy}/{mm}/{dd}/{run_id}/`. */
    root: 'lake',
  },
  evidence: {
    /** Evidence file references are confined to this folder. */
    root: '.',
    maxItemChars: 20_000,
    maxTotalChars: 60_000,
  },
  interrogations: {
    /** A folder of user interrogations (`*.json`), loaded beside the built-in ones. */
    directory: null as string | null,
  },
  ollama: {
    baseUrl: 'http://127.0.0.1:11434',
    /** Used when a job has no model hint; null means the interrogation's default model. */
    model: null as string | null,
    temperature: 0,
    /** Sampling seed; null: the server's (random). Fix it for reproducible answers. */
    seed: null as number | null,
    /** Context window (num_ctx); null: the model's. Changing it makes Ollama reload the model. */
    numCtx: null as number | null,
    /** Most tokens to generate (num_predict); null: the server's budget. */
    numPredict: null as number | null,
    /** Seconds the stream may stay silent once the answer has started. */
    timeoutSeconds: 120,
    /** Seconds allowed until the first byte: model loading alone can take minutes (Ollama's own limit is 5m). */
    firstByteTimeoutSeconds: 330,
    keepAlive: '5m',
    /** Streaming is Ollama's default; it also lets us notice a stalled generation. */
    stream: true,
  },
  backends: {
    /** The default endpoint's backend kind: `ollama` (native API) or `openai` (any OpenAI-compatible server). */
    kind: 'ollama' as 'ollama' | 'openai',
    /** The default endpoint's URL; null: `ollama.baseUrl` (for `openai` give one, e.g. http://127.0.0.1:8080/v1). */
    baseUrl: null as string | null,
    /** The environment variable an `openai` endpoint's API key is read from (the key itself is never stored). */
    apiKeyEnv: 'HOLOCRON_OPENAI_API_KEY',
    /** Which OpenAI-compatible server the default endpoint is: llama-server, vllm, openai, ollama or other. */
    server: 'llama-server' as 'llama-server' | 'vllm' | 'openai' | 'ollama' | 'other',
    /**
     * LLM endpoints, each `{ id, kind: 'ollama', baseUrl, models?, maxInFlight?, … }`. Empty: one endpoint
     * with id `default`, built from the `ollama` section above.
     */
    endpoints: [] as EndpointSetting[],
  },
  worker: {
    /** Null: `{hostname}-{pid}`. */
    id: null as string | null,
    /** LLM calls in flight in one process. */
    concurrency: 4,
    /** Jobs claimed ahead of free slots (null: as many as `concurrency`). */
    prefetch: null as number | null,
    pollSeconds: 10,
    /**
     * A claimed job's lease, renewed every third of it (one statement for all held) while the attempt
     * runs, however long: a crashed worker's jobs are claimable again about this long after it died.
     */
    leaseSeconds: 6,
    /** On SIGINT/SIGTERM, how long attempts in flight may take to finish before they are cut off. */
    shutdownGraceSeconds: 30,
  },
  backpressure: {
    /**
     * A busy server (503, 429, restarting) slows the worker down and never spends a job's attempts; only
     * a job whose calls stay busy this long without a break fails, with busy_budget_exceeded.
     */
    busyBudgetSeconds: 600,
  },
  retry: {
    baseDelaySeconds: 2,
    maxDelaySeconds: 300,
  },
  queue: {
    priority: 100,
    maxAttempts: 3,
  },
  cache: {
    /**
     * `write` (default): successful, validated answers become cache entries, nothing is served;
     * `read`: identical calls are served from entries, new answers are not entered; `readwrite`: both;
     * `off`: neither. A job's own mode (`--cache` on eval run / pipeline run / enqueue) wins.
     */
    mode: 'write' as 'off' | 'read' | 'write' | 'readwrite',
    /** Serve calls that sample (temperature > 0 without a seed) too. */
    nondeterministic: false,
  },
  log: {
    level: 'info' as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent',
  },
};

export type Defaults = typeof defaults;
