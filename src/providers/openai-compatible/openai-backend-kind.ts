/**
 * The `openai` backend kind: an endpoint `{ id, kind: 'openai', baseUrl, apiKeyEnv?, server?, stream?,
 * strict?, timeoutSeconds?, firstByteTimeoutSeconds? }` becomes an OpenAI-compatible provider. The API
 * key is read from the environment variable `apiKeyEnv` (default HOLOCRON_OPENAI_API_KEY) here, when the
 * provider is built: it lives in the process's memory and the Authorization header only.
 */
import type { BackendKind } from '../backend-kinds.ts';
import { createOpenAiCompatibleProvider } from './create-openai-compatible-provider.ts';

export const defaultApiKeyVariable = 'HOLOCRON_OPENAI_API_KEY';

export const openAiBackendKind: BackendKind<'openai'> = {
  kind: 'openai',
  create(endpoint, { ollama }, options = {}) {
    const apiKeySource = endpoint.apiKeyEnv ?? defaultApiKeyVariable;
    const apiKey = (options.environment ?? process.env)[apiKeySource];
    return createOpenAiCompatibleProvider({
      endpointId: endpoint.id,
      baseUrl: endpoint.baseUrl,
      ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
      apiKeySource,
      server: endpoint.server ?? 'llama-server',
      stream: endpoint.stream ?? false,
      strict: endpoint.strict ?? true,
      firstByteTimeoutMs: (endpoint.firstByteTimeoutSeconds ?? ollama.firstByteTimeoutSeconds) * 1000,
      idleTimeoutMs: (endpoint.timeoutSeconds ?? ollama.timeoutSeconds) * 1000,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  },
};
