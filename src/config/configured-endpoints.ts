/**
 * The endpoints a configuration defines: the `backends.endpoints` list, or — when it is empty, as it is
 * by default — one Ollama endpoint with id `default` at `ollama.baseUrl` (OLLAMA_BASE_URL,
 * --ollama-url), as the seed had it, or of the kind `backends.kind` (--backend) at `backends.baseUrl`
 * (--base-url). Settings an endpoint leaves out come from the `ollama` section
 * when its backend kind is built (`src/providers/backend-kinds.ts`).
 */
import type { EndpointSetting, HolocronConfig } from './config-schema.ts';
import { ConfigError } from './load-config.ts';

export const defaultEndpointId = 'default';

export function configuredEndpoints(config: Pick<HolocronConfig, 'backends' | 'ollama'>): EndpointSetting[] {
  if (config.backends.endpoints.length > 0) return config.backends.endpoints;
  const { kind, baseUrl, apiKeyEnv, server } = config.backends;
  if (kind === 'openai') {
    if (baseUrl === null) throw new ConfigError('Invalid configuration:\n  backends.kind "openai" needs backends.baseUrl (--base-url), e.g. http://127.0.0.1:8080/v1');
    return [{ id: defaultEndpointId, kind: 'openai', baseUrl, apiKeyEnv, server }];
  }
  return [{ id: defaultEndpointId, kind: 'ollama', baseUrl: baseUrl ?? config.ollama.baseUrl }];
}
