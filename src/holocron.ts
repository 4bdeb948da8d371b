/**
 * Holocron as a library: open it over a configuration, enqueue validated jobs, and run workers.
 * The CLI is a thin layer over this; so is the demo.
 *
 *   const holocron = await openHolocron(loadConfig().config);
 *   await holocron.enqueue([{ interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['…'] }]);
 *   await holocron.createWorker({ mode: 'drain' }).run();
 *   await holocron.close();
 */
import os from 'node:os';
import type { Logger } from 'pino';
import type { HolocronConfig } from './config/config-schema.ts';
import { openDatabase, type HolocronDatabase, type OpenDatabaseOptions } from './database/open-database.ts';
import { createDefaultRegistry, type InterrogationRegistry } from './interrogations/interrogation-registry.ts';
import { createLocalLake } from './lake/local-lake.ts';
import type { Lake } from './lake/lake.ts';
import { createInterrogationJobKind, fallbackModel } from './pipeline/create-interrogation-handler.ts';
import { createFailuresRecordHook } from './failures/failures-record-hook.ts';
import { schemaWarnings, type SchemaTarget, type SchemaWarning } from './schema-checks/schema-warnings.ts';
import { createDocumentsRecordHook } from './pipelines/documents-record-hook.ts';
import { generationOf } from './pipelines/current-definitions.ts';
import { createEvaluationRecordHook } from './evaluations/queue/evaluation-record-hook.ts';
import { createReplayJobKind } from './reproducibility/replay-attempt.ts';
import { composeRecordHooks, createReproducibilityRecordHook } from './reproducibility/reproducibility-record-hook.ts';
import { JobRequestError, prepareJobSpecs, type JobRequest, type LabelledRequest } from './pipeline/job-request.ts';
import { describeValue } from './pipeline/job-request-contract.ts';
import { configuredEndpoints } from './config/configured-endpoints.ts';
import type { LlmProvider } from './providers/llm-provider.ts';
import { createProviderSet, providerSetOf, type ProviderSet } from './providers/provider-factory.ts';
import { EndpointPool } from './providers/endpoint-pool.ts';
import { EndpointsUnreachableError } from './providers/endpoints-unreachable-error.ts';
import { hasQueuedWorkOfKinds } from './queue/has-queued-work.ts';
import { defaultJobKind } from './worker/job-kind-registry.ts';
import { EnqueueFailedError, enqueueJobs, type EnqueuedJob, type JobSpec } from './queue/enqueue-jobs.ts';
import { JobKindRegistry } from './worker/job-kind-registry.ts';
import { noopJobKind } from './worker/noop-job-kind.ts';
import { Worker, type WorkerMode, type WorkerOptions } from './worker/worker.ts';

export interface Holocron {
  readonly config: HolocronConfig;
  readonly database: HolocronDatabase;
  readonly registry: InterrogationRegistry;
  readonly lake: Lake;
  /**
   * One provider per configured endpoint, built on first use and shared by every worker this Holocron
   * creates; `close()` closes them.
   */
  readonly providers: ProviderSet;
  /**
   * The job kinds besides 'interrogation' (which every worker runs with its provider): 'noop' built in;
   * register more (`holocron.kinds.register(kind)`) before enqueueing them or creating workers.
   */
  readonly kinds: JobKindRegistry;
  /**
   * Validates every request, then enqueues all of them in one transaction, or none. Output-schema
   * keywords the target endpoints will not enforce are reported to `options.onSchemaWarnings`.
   */
  enqueue(requests: readonly (JobRequest | LabelledRequest)[], options?: EnqueueOptions): Promise<EnqueuedJob[]>;
  /**
   * The output-schema keywords the configured endpoints will not enforce while decoding (or will
   * refuse), for the given interrogations (default: every one with an output schema) and model (default:
   * each interrogation's, as a worker picks it).
   */
  schemaWarnings(options?: { interrogations?: readonly string[]; model?: string }): SchemaWarning[];
  createWorker(options?: CreateWorkerOptions): Worker;
  close(): Promise<void>;
}

export interface EnqueueOptions {
  /** For requests that name no interrogation. */
  defaultInterrogation?: string;
  onProgress?: (written: number, total: number) => void;
  /** Called once, after the jobs are stored, with the schema capability warnings for them (when there are any). */
  onSchemaWarnings?: (warnings: SchemaWarning[]) => void;
}

export interface CreateWorkerOptions {
  mode?: WorkerMode;
  logger?: Logger;
  /** Another LLM backend than the configured endpoints (it stays open after `close()`: its owner closes it). */
  provider?: LlmProvider;
  /** `drain`: the longest it waits for jobs in RETRY; past that it stops with work left (`stoppedWithWorkLeft`). */
  maxWaitSeconds?: number;
  /** Probe the LLM servers before claiming (default true): unreachable, `once`/`drain` stop with an error. */
  preflight?: boolean;
  onRecorded?: WorkerOptions['onRecorded'];
}

export interface OpenHolocronOptions {
  /**
   * Bring the database schema up to date on open (default true); `'check'`: change nothing and refuse
   * a missing or older schema (what reading commands do); false: neither.
   */
  migrate?: OpenDatabaseOptions['migrate'];
  /** Stop statements that run longer (PostgreSQL; see `OpenDatabaseOptions.statementTimeoutMs`): what `holocron serve` sets. */
  statementTimeoutMs?: number;
  /** The fetch every configured endpoint's provider uses (instrumentation, a proxy); default node:http. */
  fetch?: typeof globalThis.fetch;
}

export async function openHolocron(config: HolocronConfig, options: OpenHolocronOptions = {}): Promise<Holocron> {
  const registry = createDefaultRegistry();
  if (config.interrogations.directory) await registry.loadFolder(config.interrogations.directory);
  const database = await openDatabase(config.database.url, { poolSize: config.database.poolSize, migrate: options.migrate, statementTimeoutMs: options.statementTimeoutMs });
  const lake = createLocalLake(config.lake.root);
  let providers: ProviderSet | undefined;
  const sharedProviders = () =>
    (providers ??= createProviderSet(configuredEndpoints(config), config, options.fetch === undefined ? {} : { fetch: options.fetch }));
  // Built in: the no-op, and the replay of a recorded attempt's request (holocron replay).
  const kinds = new JobKindRegistry([noopJobKind, createReplayJobKind({ database, lake, registry })]);
  /** The model a worker gives a job: its own, the configured default, the interrogation's, or the fallback. */
  const modelFor = (key: string, modelHint: string | null): string =>
    modelHint ?? config.ollama.model ?? (registry.has(key) ? registry.get(key).defaults.model : undefined) ?? fallbackModel;
  // One pool per process over the shared providers: each endpoint's adaptive in-flight window is the
  // process's, whatever the number of workers.
  let pool: EndpointPool | undefined;
  const sharedPool = () => (pool ??= new EndpointPool(sharedProviders(), { ceiling: config.worker.concurrency }));

  return {
    config,
    database,
    registry,
    lake,
    get providers() {
      return sharedProviders();
    },
    kinds,

    async enqueue(requests, enqueueOptions = {}) {
      if (!Array.isArray(requests)) {
        throw new JobRequestError([{ where: 'enqueue', field: '', message: `takes an array of jobs, got ${describeValue(requests)}` }]);
      }
      const labelled: LabelledRequest[] = requests.map((request, index) =>
        isLabelled(request) ? request : { where: `job ${index + 1}`, request },
      );
      const specs = await prepareJobSpecs(labelled, {
        registry,
        evidenceRoot: config.evidence.root,
        defaultInterrogation: enqueueOptions.defaultInterrogation,
        defaults: config.queue,
        kinds,
      });
      await checkParentsExist(database, specs, labelled);
      let enqueued: EnqueuedJob[];
      try {
        enqueued = await enqueueJobs(database, specs, { onProgress: enqueueOptions.onProgress });
      } catch (error) {
        // Every value was bounded above, so this is the database itself (gone, full, locked): say so in our words.
        throw new EnqueueFailedError(error);
      }
      if (enqueueOptions.onSchemaWarnings !== undefined) {
        const targets = new Map<string, SchemaTarget>();
        for (const spec of specs) {
          if ((spec.kind ?? 'interrogation') !== 'interrogation' || !registry.has(spec.interrogationKey)) continue;
          const model = modelFor(spec.interrogationKey, spec.modelHint ?? null);
          targets.set(`${spec.interrogationKey}\u0000${model}`, { interrogation: spec.interrogationKey, model });
        }
        const warnings = schemaWarnings(registry, sharedProviders(), [...targets.values()]);
        if (warnings.length > 0) enqueueOptions.onSchemaWarnings(warnings);
      }
      return enqueued;
    },

    schemaWarnings(options = {}) {
      const keys = options.interrogations ?? registry.list().filter((interrogation) => interrogation.outputSchema !== undefined).map((interrogation) => interrogation.key);
      return schemaWarnings(registry, sharedProviders(), keys.map((key) => ({ interrogation: key, model: options.model ?? modelFor(key, null) })));
    },

    createWorker(workerOptions = {}) {
      const workerPool =
        workerOptions.provider === undefined ? sharedPool() : new EndpointPool(providerSetOf([workerOptions.provider]), { ceiling: config.worker.concurrency });
      const interrogation = createInterrogationJobKind({
        registry,
        providers: workerPool.providers,
        pool: workerPool,
        lake,
        evidence: config.evidence,
        model: config.ollama.model,
        generation: generationOf(config),
        cache: { database, mode: config.cache.mode, nondeterministic: config.cache.nondeterministic },
      });
      const onRecorded = composeRecordHooks(
        createDocumentsRecordHook({ registry, evidenceRoot: config.evidence.root, defaults: config.queue }),
        createEvaluationRecordHook({ registry, lakeRoot: lake.location, evidenceRoot: config.evidence.root, defaults: config.queue }),
        createReproducibilityRecordHook(),
        createFailuresRecordHook(),
      );
      return new Worker({
        database,
        // Its attempts' documents, its pipelines' hand-offs, its evaluations' scores, the definitions
        // used, the cache entries and the failure ledger's rows are written with the attempts, atomically, by any worker.
        kinds: kinds.with([{ ...interrogation, onRecorded }]),
        workerId: config.worker.id ?? defaultWorkerId(),
        mode: workerOptions.mode ?? 'loop',
        concurrency: config.worker.concurrency,
        prefetch: config.worker.prefetch ?? undefined,
        pollMs: config.worker.pollSeconds * 1000,
        leaseMs: config.worker.leaseSeconds * 1000,
        backoff: { baseDelayMs: config.retry.baseDelaySeconds * 1000, maxDelayMs: config.retry.maxDelaySeconds * 1000 },
        shutdownGraceMs: config.worker.shutdownGraceSeconds * 1000,
        logger: workerOptions.logger,
        onRecorded: workerOptions.onRecorded,
        busyBudgetMs: config.backpressure.busyBudgetSeconds * 1000,
        ...(workerOptions.maxWaitSeconds === undefined ? {} : { maxWaitMs: workerOptions.maxWaitSeconds * 1000 }),
        endpointLevels: () => workerPool.levels(),
        // Only when LLM work is queued: a worker over other kinds' jobs needs no LLM server.
        ...(workerOptions.preflight === false
          ? {}
          : {
              preflight: async () => {
                if (!(await hasQueuedWorkOfKinds(database, [defaultJobKind]))) return;
                const result = await workerPool.preflight();
                if (result.reachable.length === 0) throw new EndpointsUnreachableError(result.unreachable);
                for (const endpoint of result.unreachable) {
                  workerOptions.logger?.warn({ endpoint: endpoint.endpointId, reason: endpoint.message }, 'endpoint not answering at start: left out of the pool until it answers');
                }
              },
            }),
      });
    },

    async close() {
      pool?.close();
      try {
        await providers?.close();
      } finally {
        await database.close();
      }
    },
  };
}

export function defaultWorkerId(): string {
  return `${os.hostname()}-${process.pid}`;
}

/** A parent link must name an existing job (there is no foreign key to say so). */
async function checkParentsExist(database: HolocronDatabase, specs: readonly JobSpec[], labelled: readonly LabelledRequest[]): Promise<void> {
  const parents = [...new Set(specs.map((spec) => spec.parentJobId).filter((id): id is number => typeof id === 'number'))];
  if (parents.length === 0) return;
  const found = new Set<number>();
  for (let start = 0; start < parents.length; start += 1000) {
    const rows = await database.db.selectFrom('jobs').select('id').where('id', 'in', parents.slice(start, start + 1000)).execute();
    for (const row of rows) found.add(Number(row.id));
  }
  const problems = specs.flatMap((spec, index) =>
    typeof spec.parentJobId === 'number' && !found.has(spec.parentJobId)
      ? [{ where: labelled[index]!.where, ...(labelled[index]!.line !== undefined ? { line: labelled[index]!.line } : {}), field: labelled[index]!.fieldNames?.parent_job_id ?? 'parent_job_id', message: `no job has the id ${spec.parentJobId}` }]
      : [],
  );
  if (problems.length > 0) throw new JobRequestError(problems);
}

function isLabelled(request: JobRequest | LabelledRequest): request is LabelledRequest {
  return typeof request === 'object' && request !== null && typeof (request as LabelledRequest).where === 'string' && 'request' in request;
}
