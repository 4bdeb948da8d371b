/**
 * Backend kinds: how to build a provider for an endpoint of a given `kind` (`ollama` today). Each kind
 * is a factory registered here; the provider factory (`provider-factory.ts`) looks an endpoint's kind up
 * and calls it once per endpoint per process. A new backend (e.g. an OpenAI-compatible server) is a
 * folder under `src/providers/` with its provider, an endpoint schema added to the configuration's
 * `endpointSchema` union (`src/config/config-schema.ts`) and one `register` call in
 * `createDefaultBackendKinds`.
 */
import type { EndpointKind, EndpointSetting, HolocronConfig } from '../config/config-schema.ts';
import type { LlmProvider } from './llm-provider.ts';
import { ollamaBackendKind } from './ollama/ollama-backend-kind.ts';
import { openAiBackendKind } from './openai-compatible/openai-backend-kind.ts';

/** What a kind's factory may read besides its endpoint: the sections holding defaults for its settings. */
export type BackendDefaults = Pick<HolocronConfig, 'ollama'>;

export interface BackendKind<Kind extends EndpointKind = EndpointKind> {
  readonly kind: Kind;
  /** Builds the endpoint's provider; settings the endpoint leaves out come from `defaults`. */
  create(endpoint: Extract<EndpointSetting, { kind: Kind }>, defaults: BackendDefaults, options?: BackendCreateOptions): LlmProvider;
}

export interface BackendCreateOptions {
  /** An injected fetch for the provider's HTTP (tests, proxies, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /** Where API keys are read from (default process.env). */
  environment?: NodeJS.ProcessEnv;
}

export class BackendKindRegistry {
  readonly #kinds = new Map<string, BackendKind>();

  register<Kind extends EndpointKind>(kind: BackendKind<Kind>): this {
    if (this.#kinds.has(kind.kind)) throw new Error(`backend kind "${kind.kind}" is already registered`);
    this.#kinds.set(kind.kind, kind as unknown as BackendKind);
    return this;
  }

  has(kind: string): boolean {
    return this.#kinds.has(kind);
  }

  get(kind: string): BackendKind {
    const found = this.#kinds.get(kind);
    if (found === undefined) throw new Error(`no backend kind "${kind}" is registered (known: ${this.kinds().join(', ')})`);
    return found;
  }

  kinds(): string[] {
    return [...this.#kinds.keys()];
  }
}

export function createDefaultBackendKinds(): BackendKindRegistry {
  return new BackendKindRegistry().register(ollamaBackendKind).register(openAiBackendKind);
}
