/**
 * The interrogation handler's one reproducibility step, between building the request and calling the
 * model: it records which interrogation definition the attempt used, and the call's fingerprint; and,
 * when the job's cache mode reads, it serves an identical earlier call's answer instead of calling.
 *
 * A hit is an attempt of its own: its `runs` row says `source_kind = 'cache_hit'` and names the source
 * attempt, its artifacts are the source's files (same lake paths, same sha256s — no second copy), its
 * output is the source's validated output, and no chat request goes out. Only successful, validated
 * answers are entries (the record hook writes them with their attempt); calls that sample
 * (temperature > 0 without a seed) are served only with `cache.nondeterministic`.
 *
 * The lookup needs the model's identity (its digest), so the first endpoint that may serve the model
 * is asked to describe it — which providers cache per process: one model lookup, not one per job.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { Interrogation } from '../interrogations/interrogation.ts';
import type { LlmProvider, ProviderOptions, ServedBy, StructuredChatRequest } from '../providers/llm-provider.ts';
import type { ProviderSet } from '../providers/provider-factory.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { HandlerRecord, HandlerResult } from '../worker/job-handler.ts';
import { batchedCacheLookup, type CacheEntry } from './cache-entries.ts';
import { callFingerprint, isDeterministic, type CallFingerprint, type FingerprintFields } from './call-fingerprint.ts';
import { definitionOf, type StoredDefinition } from './interrogation-definition.ts';

export type CacheMode = 'off' | 'read' | 'write' | 'readwrite';

export interface CallCacheSettings {
  database: HolocronDatabase;
  /** The worker's mode; a job's own (`jobs.cache_mode`) wins. */
  mode: CacheMode;
  /** Serve calls that sample, too. */
  nondeterministic: boolean;
}

/** What the handler hands to the reproducibility record hook (in `record.hookData.reproducibility`). */
export interface ReproducibilityHookData {
  definition: StoredDefinition;
  fields?: FingerprintFields;
  /** Enter a success as a cache entry. */
  writes: boolean;
}

export interface CallStep {
  job: ClaimedJob;
  interrogation: Interrogation;
  request: StructuredChatRequest;
  record: HandlerRecord;
  providers: ProviderSet;
  signal: AbortSignal;
}

export const readsCache = (mode: CacheMode): boolean => mode === 'read' || mode === 'readwrite';
export const writesCache = (mode: CacheMode): boolean => mode === 'write' || mode === 'readwrite';

export async function callOrServeFromCache<Call extends { servedBy: ServedBy | null; wire: unknown }>(
  settings: CallCacheSettings | undefined,
  step: CallStep,
  makeCall: () => Promise<Call>,
): Promise<{ hit: HandlerResult; call?: undefined } | { hit?: undefined; call: Call }> {
  const { job, interrogation, request, record } = step;
  const definition = definitionOf(interrogation);
  const mode: CacheMode = job.cacheMode ?? settings?.mode ?? 'off';
  const data: ReproducibilityHookData = { definition, writes: writesCache(mode) };
  record.definitionHash = definition.hash;
  record.hookData = { ...record.hookData, reproducibility: data };

  if (settings && readsCache(mode) && (settings.nondeterministic || isDeterministic(request.options))) {
    const hit = await lookUp(settings, step);
    if (hit) return { hit };
  }

  const call = await makeCall();
  // The fingerprint of the call as made: the backend that served it and the model it described.
  if (call.wire !== null && call.servedBy !== null && record.modelName) {
    const made = fingerprintOf(step, call.servedBy.provider, record.modelName, record.modelDigest ?? null, endpointProvider(step.providers, call.servedBy.endpointId));
    record.fingerprint = made.fingerprint;
    data.fields = made.fields;
  }
  return { call };
}

function fingerprintOf(step: CallStep, backendKind: string, model: string, modelDigest: string | null, provider: LlmProvider | undefined): CallFingerprint {
  return callFingerprint({
    backendKind,
    model,
    modelDigest,
    messages: step.request.messages,
    schema: step.request.schema,
    options: step.request.options,
    providerOptions: withEndpointDefaults(step.request.providerOptions, provider?.defaultProviderOptions),
    repeatIndex: step.job.repeatIndex ?? 0,
  });
}

// One batching lookup per cache settings (one per worker): the lookups of a claimed batch share a query.
const lookups = new WeakMap<CallCacheSettings, (fingerprint: string) => Promise<CacheEntry | undefined>>();

function lookupOf(settings: CallCacheSettings) {
  let lookup = lookups.get(settings);
  if (!lookup) {
    lookup = batchedCacheLookup(settings.database.db, settings.database.adapter);
    lookups.set(settings, lookup);
  }
  return lookup;
}

/** The provider of the endpoint that served a call; none when the call came through one the set does not hold (a provider given to the worker directly). */
function endpointProvider(providers: ProviderSet, endpointId: string): LlmProvider | undefined {
  try {
    return providers.get(endpointId);
  } catch {
    return undefined;
  }
}

/** What the endpoint sends: the call's own provider options over the endpoint's defaults, kind by kind (as the providers merge them: a value the call leaves unset is the endpoint's). */
function withEndpointDefaults(own: ProviderOptions | undefined, defaults: ProviderOptions | undefined): ProviderOptions | undefined {
  if (!defaults) return own;
  const merged: ProviderOptions = {};
  for (const kind of new Set([...Object.keys(defaults), ...Object.keys(own ?? {})])) {
    const options: Record<string, unknown> = { ...defaults[kind] };
    for (const [key, value] of Object.entries(own?.[kind] ?? {})) if (value !== undefined && value !== null) options[key] = value;
    merged[kind] = options;
  }
  return merged;
}

async function lookUp(settings: CallCacheSettings, step: CallStep): Promise<HandlerResult | undefined> {
  const provider = step.providers.candidatesFor(step.request.model)[0];
  if (!provider) return undefined;
  let model;
  try {
    model = await provider.describeModel(step.request.model, { signal: step.signal });
  } catch {
    return undefined; // the call itself will meet and report the problem
  }
  const wanted = fingerprintOf(step, model.servedBy.provider, model.name, model.digest, provider);
  const entry = await lookupOf(settings)(wanted.fingerprint);
  if (!entry) return undefined;
  const record: HandlerRecord = {
    ...step.record,
    endpointId: null,
    provider: model.servedBy.provider,
    baseUrl: null,
    modelName: model.name,
    modelTag: model.tag,
    modelDigest: model.digest,
    promptTokens: null,
    completionTokens: null,
    lakeDir: entry.lakeDir,
    fingerprint: wanted.fingerprint,
    sourceRunId: entry.runId,
    sourceKind: 'cache_hit',
    metrics: { cache: { hit: true, sourceRunId: entry.runId, sourceJobId: entry.jobId } },
  };
  (record.hookData!.reproducibility as ReproducibilityHookData).fields = wanted.fields;
  return {
    kind: 'succeeded',
    record,
    artifacts: entry.artifacts,
    ...(entry.output === null ? {} : { output: JSON.parse(entry.output) as unknown }),
  };
}
