/**
 * The provider factory: builds ONE provider per configured endpoint per process, from the endpoint's
 * backend kind, shares them with every worker the process creates (one keep-alive connection pool per
 * server, one model-description cache) and closes them together. It also says which endpoints may serve
 * a model, in the order to try them: the decision whether a model missing on one endpoint dead-letters
 * the job or sends it elsewhere is taken where all the endpoints are known.
 */
import type { EndpointKind, EndpointSetting } from '../config/config-schema.ts';
import { createDefaultBackendKinds, type BackendCreateOptions, type BackendDefaults, type BackendKindRegistry } from './backend-kinds.ts';
import type { LlmProvider } from './llm-provider.ts';

/** What any part of Holocron may know about an endpoint (h4's in-flight limiter reads `maxInFlight`). */
export interface EndpointInfo {
  id: string;
  kind: EndpointKind | string;
  baseUrl: string;
  /** The models it is configured to serve; null: any. */
  models: readonly string[] | null;
  /** The most requests in flight to it from this process; null: no limit of its own. */
  maxInFlight: number | null;
}

export interface ProviderSet {
  readonly endpoints: readonly EndpointInfo[];
  /** The provider of an endpoint, by id. */
  get(endpointId: string): LlmProvider;
  providers(): LlmProvider[];
  /**
   * The providers that may serve `model`, in the order to try them: endpoints that list the model first,
   * then those that list no models, each group rotated call by call so work spreads over them. Empty
   * when every endpoint lists its models and none lists this one.
   */
  candidatesFor(model: string): LlmProvider[];
  /** Closes every provider it built (their connection pools). Idempotent. */
  close(): Promise<void>;
}

export interface CreateProviderSetOptions extends BackendCreateOptions {
  kinds?: BackendKindRegistry;
}

export function createProviderSet(
  endpoints: readonly EndpointSetting[],
  defaults: BackendDefaults,
  options: CreateProviderSetOptions = {},
): ProviderSet {
  if (endpoints.length === 0) throw new Error('no endpoints to build providers for');
  const kinds = options.kinds ?? createDefaultBackendKinds();
  const entries = endpoints.map((endpoint) => {
    const provider = kinds.get(endpoint.kind).create(endpoint, defaults, { fetch: options.fetch, environment: options.environment });
    const info: EndpointInfo = {
      id: endpoint.id,
      kind: endpoint.kind,
      baseUrl: provider.baseUrl,
      models: endpoint.models ?? null,
      maxInFlight: endpoint.maxInFlight ?? null,
    };
    return { info, provider };
  });
  return providerSet(entries, true);
}

/**
 * A set over providers built elsewhere (e.g. one injected into `createWorker`); they serve any model,
 * and closing the set leaves them open unless `owned`.
 */
export function providerSetOf(providers: readonly LlmProvider[], options: { owned?: boolean } = {}): ProviderSet {
  return providerSet(
    providers.map((provider) => ({
      info: { id: provider.endpointId, kind: provider.provider, baseUrl: provider.baseUrl, models: null, maxInFlight: null },
      provider,
    })),
    options.owned ?? false,
  );
}

function providerSet(entries: readonly { info: EndpointInfo; provider: LlmProvider }[], owned: boolean): ProviderSet {
  const byId = new Map(entries.map((entry) => [entry.info.id, entry.provider]));
  if (byId.size !== entries.length) throw new Error('two endpoints have the same id');
  let turn = 0;
  let closed: Promise<void> | undefined;

  return {
    endpoints: entries.map((entry) => entry.info),
    get(endpointId) {
      const provider = byId.get(endpointId);
      if (provider === undefined) throw new Error(`no endpoint "${endpointId}" (known: ${[...byId.keys()].join(', ')})`);
      return provider;
    },
    providers: () => entries.map((entry) => entry.provider),
    candidatesFor(model) {
      const listing: LlmProvider[] = [];
      const open: LlmProvider[] = [];
      for (const { info, provider } of entries) {
        if (info.models === null) open.push(provider);
        else if (info.models.some((listed) => modelNamesMatch(listed, model))) listing.push(provider);
      }
      const rotation = turn++;
      return [...rotate(listing, rotation), ...rotate(open, rotation)];
    },
    close() {
      if (!owned) return Promise.resolve();
      closed ??= Promise.all(entries.map((entry) => entry.provider.close())).then(() => undefined);
      return closed;
    },
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length < 2) return [...items];
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Equal names, or equal once an untagged name gets its implied `:latest` (`llama3.2` is `llama3.2:latest`). */
export function modelNamesMatch(a: string, b: string): boolean {
  return a.trim() === b.trim() || withImpliedTag(a) === withImpliedTag(b);
}

function withImpliedTag(model: string): string {
  const trimmed = model.trim();
  return trimmed.indexOf(':', trimmed.lastIndexOf('/') + 1) === -1 ? `${trimmed}:latest` : trimmed;
}
