/**
 * The `ollama` backend kind: an endpoint `{ id, kind: 'ollama', baseUrl, stream?, keepAlive?, numCtx?,
 * timeoutSeconds?, firstByteTimeoutSeconds? }` becomes an Ollama provider; what it leaves out comes from
 * the configuration's `ollama` section (the OLLAMA_* variables).
 */
import type { BackendKind } from '../backend-kinds.ts';
import { createOllamaProvider } from './create-ollama-provider.ts';

export const ollamaBackendKind: BackendKind<'ollama'> = {
  kind: 'ollama',
  create(endpoint, { ollama }, options = {}) {
    const numCtx = endpoint.numCtx ?? ollama.numCtx ?? undefined;
    return createOllamaProvider({
      endpointId: endpoint.id,
      baseUrl: endpoint.baseUrl,
      stream: endpoint.stream ?? ollama.stream,
      keepAlive: endpoint.keepAlive ?? ollama.keepAlive,
      ...(numCtx === undefined ? {} : { numCtx }),
      firstByteTimeoutMs: (endpoint.firstByteTimeoutSeconds ?? ollama.firstByteTimeoutSeconds) * 1000,
      idleTimeoutMs: (endpoint.timeoutSeconds ?? ollama.timeoutSeconds) * 1000,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  },
};
