/**
 * The LLM pipeline as a job handler: build the evidence bundle, render the prompt (telling the model
 * what was wrong with its previous answer, on a retry), call the model with the output schema, refuse a
 * truncated or invalid answer (fail closed), and keep everything — request, response, evidence, prompt,
 * output or error — in the lake, whatever the outcome.
 *
 * Endpoints: the job's model goes to the endpoints that may serve it (`ProviderSet.candidatesFor`), in
 * order. A model missing on one endpoint is final for that endpoint only: the next one is tried in the
 * same attempt, and only when none has it does the job dead-letter (with one endpoint: at once, the
 * error naming the endpoint and the model). The attempt records the endpoint that actually served its
 * call, read from the call's result or error.
 */
import { schemaHashOf, templateHashOf } from '../documents/interrogation-hashes.ts';
import { buildEvidenceBundle, type EvidenceBundle } from '../evidence/build-evidence-bundle.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { Interrogation } from '../interrogations/interrogation.ts';
import { renderPrompt, type PreviousFailure, type RenderedPrompt } from '../interrogations/render-prompt.ts';
import type { Lake, LakeFile } from '../lake/lake.ts';
import { LlmCallError } from '../providers/llm-call-error.ts';
import type {
  GenerationOptions,
  ModelDescription,
  ServedBy,
  StructuredChatRequest,
  StructuredChatResult,
  WireRequest,
} from '../providers/llm-provider.ts';
import { EndpointPool, EndpointsUnavailableError, type PooledCall } from '../providers/endpoint-pool.ts';
import type { ProviderSet } from '../providers/provider-factory.ts';
import type { LlmProvider } from '../providers/llm-provider.ts';
import { analyzeSchema, type SchemaAnalysis } from '../providers/schema-support.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { AttemptError } from '../queue/record-outcomes.ts';
import type { HandlerRecord, HandlerResult, JobHandler } from '../worker/job-handler.ts';
import { requestRecord } from './request-record.ts';
import { callOrServeFromCache, type CallCacheSettings } from '../reproducibility/call-or-serve-from-cache.ts';
import { defaultJobKind, type JobKind } from '../worker/job-kind-registry.ts';

export interface InterrogationHandlerOptions {
  registry: InterrogationRegistry;
  /** The endpoints' providers, shared by every worker of the process. */
  providers: ProviderSet;
  /**
   * Where calls go and how many are in flight to each endpoint (adaptive). Default: a pool of its own
   * over `providers`, with a ceiling of 64 calls per endpoint.
   */
  pool?: EndpointPool;
  lake: Lake;
  evidence: { root: string; maxItemChars: number; maxTotalChars: number };
  /** The model for jobs without a hint; null: the interrogation's default. */
  model: string | null;
  /** Generation options from the configuration; an interrogation's own defaults override them. */
  generation: GenerationOptions;
  /** The call cache (src/reproducibility); absent: no lookups, no entries (fingerprints still taken). */
  cache?: CallCacheSettings;
}

/** Used when neither the job, the configuration nor the interrogation names a model. */
export const fallbackModel = 'llama3.2';

interface Failure {
  error: AttemptError;
  retryable: boolean;
  retryAfterMs?: number;
  /** Backpressure: defer the job, do not spend an attempt. */
  busy?: boolean;
}

const retryPromptCodes: Record<string, PreviousFailure['kind']> = { invalid_output: 'invalid_output', truncated: 'truncated' };

/** The LLM pipeline as the 'interrogation' job kind (its requests are validated by job-request.ts). */
export function createInterrogationJobKind(options: InterrogationHandlerOptions): JobKind {
  return { kind: defaultJobKind, handle: createInterrogationHandler(options) };
}

export function createInterrogationHandler(options: InterrogationHandlerOptions): JobHandler {
  const { registry, lake } = options;
  const pool = options.pool ?? new EndpointPool(options.providers, { ceiling: 64 });
  /** Schema analyses by interrogation and server profile (the same for every attempt). */
  const enforcement = new Map<string, SchemaAnalysis>();

  return async function handleInterrogation(job: ClaimedJob, context): Promise<HandlerResult> {
    const startedAt = new Date();
    // The evidence and the prompt are the folder's first files, serialised only when the attempt writes
    // one (a cache hit's files are its source's): `files` holds what comes after them.
    let bundle: EvidenceBundle | undefined;
    let prompt: RenderedPrompt | undefined;
    const files: LakeFile[] = [];
    const record: HandlerRecord = {};
    let failure: Failure | null = null;
    let output: unknown;
    let freeText = false;
    let parsed = false;

    try {
      const interrogation = resolveInterrogation(registry, job);
      freeText = !interrogation.outputSchema;
      parsed = freeText && interrogation.parser !== undefined;
      bundle = await buildBundle(job, options);

      const previousFailure = previousFailureOf(job);
      prompt = renderPrompt(interrogation, { input: job.input, bundle, previousFailure });

      const providerOptions = interrogation.defaults.providerOptions;
      const request: StructuredChatRequest = {
        model: job.modelHint ?? options.model ?? interrogation.defaults.model ?? fallbackModel,
        messages: prompt.messages,
        schema: interrogation.outputSchema,
        options: generationOptions(interrogation, options.generation),
        ...(providerOptions === undefined ? {} : { providerOptions }),
      };
      record.modelName = request.model;
      record.options = recordedOptions(interrogation, options.generation);

      // Reproducibility: the definition and fingerprint of the call, or an identical call's answer from the cache.
      const step = { job, interrogation, request, record, providers: pool.providers, signal: context.signal };
      const served = await callOrServeFromCache(options.cache, step, () => callSomeEndpoint(pool, request, context.signal, record));
      if (served.hit) return served.hit;
      const call = served.call;
      files.push(jsonFile('request.json', 'request', requestRecord(request, call.servedBy, call.wire)));
      noteSchemaEnforcement(record, interrogation, call.provider, enforcement);
      if (call.servedBy !== null) {
        record.endpointId = call.servedBy.endpointId;
        record.provider = call.servedBy.provider;
        record.baseUrl = call.servedBy.baseUrl;
      }
      if (call.result === undefined) {
        const error = call.error;
        if (LlmCallError.isInstance(error) && error.responseBody !== undefined) {
          files.push(jsonFile('response.json', 'response', { status: error.statusCode ?? null, body: error.responseBody }));
        }
        if (call.busy) throw new BusyCallError(error, call.busy.retryAfterMs);
        throw error;
      }
      const result = call.result;

      files.push(jsonFile('response.json', 'response', {
        status: result.wire.status,
        streamed: result.wire.streamed,
        body: result.wire.responseBody,
      }));
      if (result.wire.streamed) files.push({ name: 'response.ndjson', type: 'response_stream', content: result.wire.responseText });
      // The answer exactly as it came, and what made it: the attempt's folder is its document's folder.
      files.push({ name: 'raw.txt', type: 'raw', content: result.content });
      files.push(jsonFile('metadata.json', 'metadata', documentMetadata(interrogation, request, result)));
      record.promptTokens = result.usage.promptTokens ?? null;
      record.completionTokens = result.usage.completionTokens ?? null;
      record.metrics = {
        ...(record.metrics as object | undefined),
        ...result.timings,
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
        ...(result.usage.cachedPromptTokens === undefined ? {} : { cachedPromptTokens: result.usage.cachedPromptTokens }),
        // The server's own figures (llama-server's timings), as it reported them.
        ...(result.serverTimings === undefined ? {} : { serverTimings: result.serverTimings }),
        timeToFirstByteMs: result.timeToFirstByteMs,
        elapsedMs: result.elapsedMs,
        finishReason: result.rawFinishReason ?? null,
        answerChars: result.content.length,
      };

      if (result.finishReason === 'length') {
        noteOutputFailures(record, [{ kind: 'truncated', field: '/', keyword: null, message: `cut off at the output limit after ${result.usage.completionTokens ?? '?'} tokens` }]);
        failure = {
          error: {
            code: 'truncated',
            message:
              `the answer was cut off at the output limit (${result.servedBy.provider === 'ollama' ? 'done_reason' : 'finish_reason'} "length" after ${result.usage.completionTokens ?? '?'} tokens); ` +
              'it is not complete JSON for the schema',
          },
          retryable: true,
        };
      } else {
        const validation = registry.validateOutput(interrogation.key, result.content);
        if (validation.ok) output = validation.value;
        else {
          noteOutputFailures(
            record,
            (validation.issues ?? [{ field: '/', keyword: null, message: validation.message }]).map((issue) => ({ kind: validation.kind, ...issue })),
          );
          failure = {
            error: {
              code: 'invalid_output',
              message:
                validation.kind === 'parse_error'
                  ? validation.message
                  : `the answer ${validation.kind === 'invalid_json' ? 'is not valid JSON' : 'does not match the output schema'}:\n- ${validation.errors.join('\n- ')}`,
            },
            retryable: true,
          };
        }
      }
    } catch (error) {
      failure = classifyFailure(error);
    }

    if (failure) files.push(jsonFile('error.json', 'error', failure.error));
    else if (!freeText) files.push(jsonFile('output.json', 'output', output));
    else {
      // A free-text answer through a parser: what it took (parsed.txt). Without one, raw.txt is the answer.
      const text = typeof output === 'string' ? output : `${JSON.stringify(output, null, 2)}\n`;
      if (parsed) files.push({ name: 'parsed.txt', type: 'output', content: text });
      record.metrics = { ...(record.metrics as object | undefined), parsedChars: text.length };
    }

    const leading: LakeFile[] = [];
    if (bundle !== undefined) leading.push(jsonFile('evidence.json', 'evidence', bundle));
    if (prompt !== undefined) leading.push({ name: 'prompt.txt', type: 'prompt', content: prompt.promptText });
    try {
      const written = await lake.writeAttempt(job.runId, startedAt, [...leading, ...files]);
      record.lakeDir = written.directory;
      return failure
        ? { kind: 'failed', record, artifacts: written.artifacts, ...failure }
        : { kind: 'succeeded', record, artifacts: written.artifacts, output };
    } catch (error) {
      const lakeFailure: AttemptError = { code: 'lake_error', message: `could not write the attempt to the lake: ${(error as Error).message}` };
      return { kind: 'failed', record, artifacts: [], error: lakeFailure, retryable: true };
    }
  };
}

/** Backpressure met by the call (carried to classifyFailure). */
class BusyCallError extends Error {
  constructor(
    readonly reason: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super((reason as Error)?.message ?? String(reason));
  }
}

class PermanentJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function resolveInterrogation(registry: InterrogationRegistry, job: ClaimedJob): Interrogation {
  try {
    return registry.get(job.interrogationKey);
  } catch (error) {
    throw new PermanentJobError('unknown_interrogation', `this worker has no interrogation "${job.interrogationKey}": ${(error as Error).message}`);
  }
}

async function buildBundle(job: ClaimedJob, options: InterrogationHandlerOptions): Promise<EvidenceBundle> {
  const input = job.input as { extra_params?: { evidence?: unknown } } | null;
  const inline = Array.isArray(input?.extra_params?.evidence) ? input!.extra_params!.evidence : [];
  try {
    return await buildEvidenceBundle({
      inline: inline as never,
      refs: job.evidenceRefs,
      evidenceRoot: options.evidence.root,
      maxItemChars: options.evidence.maxItemChars,
      maxTotalChars: options.evidence.maxTotalChars,
    });
  } catch (error) {
    throw new PermanentJobError('evidence_error', `cannot build the evidence bundle: ${(error as Error).message}`);
  }
}

function previousFailureOf(job: ClaimedJob): PreviousFailure | undefined {
  const kind = job.previousError ? retryPromptCodes[job.previousError.code] : undefined;
  return kind ? { kind, message: job.previousError!.message } : undefined;
}

function generationOptions(interrogation: Interrogation, generation: GenerationOptions): GenerationOptions {
  const configured = Object.fromEntries(Object.entries(generation).filter(([, value]) => value !== undefined));
  return { ...configured, ...interrogation.defaults.options };
}

/**
 * The options an attempt of this interrogation records (`runs.options`; their hash is a document's
 * `options_hash`): the configuration's generation options under the interrogation's own, and its
 * provider options. Staleness compares a document's with what this gives now.
 */
export function recordedOptions(interrogation: Interrogation, generation: GenerationOptions): unknown {
  const options = generationOptions(interrogation, generation);
  const providerOptions = interrogation.defaults.providerOptions;
  return providerOptions === undefined ? options : { ...options, providerOptions };
}

function describeInto(record: HandlerRecord, model: ModelDescription): void {
  record.modelName = model.name;
  record.modelTag = model.tag;
  record.modelDigest = model.digest;
  record.metrics = { ...(record.metrics as object | undefined), model: { details: model.details ?? null, capabilities: model.capabilities ?? null } };
}

/** The answer's problems, for the failure ledger (src/failures): kept in the attempt's metrics as `outputFailures`. */
function noteOutputFailures(record: HandlerRecord, failures: readonly { kind: string; field: string; keyword: string | null; message: string }[]): void {
  record.metrics = { ...(record.metrics as object | undefined), outputFailures: failures };
}

type EndpointCall =
  | { result: StructuredChatResult; error?: undefined; servedBy: ServedBy; wire: WireRequest; provider: LlmProvider }
  | { result?: undefined; error: unknown; servedBy: ServedBy | null; wire: WireRequest | null; provider?: LlmProvider; busy?: Busy };

/**
 * Which keywords of the output schema the serving endpoint's decoder enforced, and which were only
 * checked afterwards (or refused), in the attempt's metrics: `schemaEnforcement`.
 */
function noteSchemaEnforcement(record: HandlerRecord, interrogation: Interrogation, provider: LlmProvider | undefined, cache: Map<string, SchemaAnalysis>): void {
  const support = provider?.schemaSupport;
  if (interrogation.outputSchema === undefined || support === undefined) return;
  const key = `${interrogation.key}\u0000${interrogation.source}\u0000${support.server}`;
  let analysis = cache.get(key);
  if (analysis === undefined) {
    analysis = analyzeSchema(interrogation.outputSchema, support);
    cache.set(key, analysis);
  }
  record.metrics = {
    ...(record.metrics as object | undefined),
    schemaEnforcement: { server: analysis.server, enforced: analysis.enforced, checkedAfter: analysis.checkedAfter, refused: analysis.refused },
  };
}
/** The call met backpressure: the job goes back to the queue without spending an attempt. */
interface Busy {
  retryAfterMs?: number;
}

/** Answers that mean the server is busy (its queue is full, it rate limits). */
const busyCodes: ReadonlySet<string> = new Set(['server_busy', 'rate_limited']);
/** Failures that mean the server is not answering at all (down, restarting): it is taken out of the pool. */
const goneCodes: ReadonlySet<string> = new Set(['connection_failed', 'connection_dropped']);

/**
 * Describes the model and calls it through the endpoint pool: the call waits for a place in the window
 * of an endpoint that may serve the model and goes to the one with the most room. A model missing on an
 * endpoint moves on to the next candidate; a server that stopped answering is taken out and the call
 * goes to another one that is in, if any; a busy answer (503, 429) or no endpoint answering is
 * backpressure; any other failure ends the attempt there. Who served (or failed) the call is read from
 * its result or error, never assumed from the provider asked.
 */
async function callSomeEndpoint(
  pool: EndpointPool,
  request: StructuredChatRequest,
  signal: AbortSignal,
  record: HandlerRecord,
): Promise<EndpointCall> {
  const providers = pool.providers;
  let candidates = providers.candidatesFor(request.model);
  if (candidates.length === 0) {
    const served = providers.endpoints.map((endpoint) => `"${endpoint.id}" (${endpoint.models?.join(', ') ?? 'any'})`).join(', ');
    return {
      error: new PermanentJobError('model_not_found', `no endpoint is configured to serve model "${request.model}"; endpoints and their models: ${served}`),
      servedBy: null,
      wire: null,
    };
  }
  const lacking: LlmCallError[] = [];
  const total = candidates.length;
  // Each endpoint may be tried once after it failed to answer (taken out); the model-lacking ones drop out.
  for (let tries = 0; tries <= 2 * total; tries++) {
    let pooled: PooledCall;
    try {
      pooled = await pool.acquire(candidates, signal);
    } catch (error) {
      if (error instanceof EndpointsUnavailableError) return { error, servedBy: null, wire: null, busy: {} };
      return { error, servedBy: null, wire: null };
    }
    const { provider, permit } = pooled;
    let servedBy: ServedBy = { endpointId: provider.endpointId, provider: provider.provider, baseUrl: provider.baseUrl };
    try {
      const model = await provider.describeModel(request.model, { signal });
      servedBy = model.servedBy;
      describeInto(record, model);
      const result = await provider.chat(request, { signal });
      permit.succeeded();
      record.callMs = result.elapsedMs;
      record.inFlightLimit = pooled.limit;
      noteLacking(record, lacking);
      return { result, servedBy: result.servedBy, wire: result.wire, provider };
    } catch (error) {
      const callError = LlmCallError.isInstance(error) ? error : undefined;
      const failedAt = callError?.servedBy ?? servedBy;
      const wire = callError?.request ?? null;
      record.inFlightLimit = pooled.limit;
      if (callError && busyCodes.has(callError.code)) {
        const retryAfterMs = callError.retryAfterSeconds !== undefined ? callError.retryAfterSeconds * 1000 : undefined;
        permit.busy(retryAfterMs);
        noteLacking(record, lacking);
        return { error, servedBy: failedAt, wire, provider, busy: { retryAfterMs } };
      }
      if (callError && goneCodes.has(callError.code) && pool.hasAnswered(provider.endpointId)) {
        // It answered before and now does not: restarting or gone. Take it out; another may serve the call.
        permit.release();
        pool.takeOut(provider.endpointId, callError);
        if (candidates.some((candidate) => pool.isIn(candidate.endpointId))) continue;
        noteLacking(record, lacking);
        return { error, servedBy: failedAt, wire, provider, busy: {} };
      }
      permit.release();
      if (callError?.code === 'model_not_found') lacking.push(callError);
      noteLacking(record, lacking);
      if (callError?.code !== 'model_not_found') return { error, servedBy: failedAt, wire, provider };
      if (lacking.length === total) {
        // Every endpoint that may serve the model lacks it: final for the job.
        const finalError =
          lacking.length === 1
            ? callError
            : new PermanentJobError('model_not_found', `model "${request.model}" is on none of the endpoints that may serve it: ${lacking.map((each) => each.message).join('; ')}`);
        return { error: finalError, servedBy: failedAt, wire };
      }
      candidates = candidates.filter((candidate) => candidate.endpointId !== provider.endpointId);
      clearModel(record, request.model);
    }
  }
  return { error: new EndpointsUnavailableError(candidates.map((candidate) => candidate.endpointId)), servedBy: null, wire: null, busy: {} };
}

/** The endpoints tried first that lacked the model, kept in the attempt's metrics. */
function noteLacking(record: HandlerRecord, lacking: readonly LlmCallError[]): void {
  if (lacking.length === 0) return;
  record.metrics = {
    ...(record.metrics as object | undefined),
    endpointsWithoutModel: lacking.map((error) => error.servedBy?.endpointId ?? error.url),
  };
}

function clearModel(record: HandlerRecord, model: string): void {
  record.modelName = model;
  delete record.modelTag;
  delete record.modelDigest;
}

function classifyFailure(error: unknown): Failure {
  if (error instanceof BusyCallError) {
    const reason = error.reason as { code?: string; message?: string };
    const code = LlmCallError.isInstance(reason) ? reason.code : (reason?.code ?? 'server_busy');
    return {
      error: { code, message: reason?.message ?? String(reason) },
      retryable: true,
      busy: true,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error instanceof PermanentJobError) return { error: { code: error.code, message: error.message }, retryable: false };
  if (LlmCallError.isInstance(error)) {
    return {
      error: { code: error.code, message: error.message },
      retryable: error.isRetryable,
      retryAfterMs: error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined,
    };
  }
  return { error: { code: 'internal_error', message: `internal error: ${(error as Error)?.message ?? String(error)}` }, retryable: true };
}

/** The document's metadata.json: what made the answer, beside it in the attempt's folder. */
function documentMetadata(interrogation: Interrogation, request: StructuredChatRequest, result: StructuredChatResult) {
  return {
    interrogation: interrogation.key,
    template_hash: templateHashOf(interrogation),
    schema_hash: schemaHashOf(interrogation),
    parser: interrogation.parser ?? null,
    model: request.model,
    options: request.options ?? null,
    finish_reason: result.rawFinishReason ?? null,
    usage: result.usage,
    timings: result.timings,
    time_to_first_byte_ms: result.timeToFirstByteMs,
    elapsed_ms: result.elapsedMs,
  };
}

function jsonFile(name: string, type: LakeFile['type'], value: unknown): LakeFile {
  return { name, type, content: `${JSON.stringify(value, null, 2)}\n` };
}
