/**
 * The endpoints a configuration defines: the `backends.endpoints` list, or — when it is empty, as it is
 * by default — one Ollama endpoint with id `default` at `ollama.baseUrl` (OLLAMA_BASE_URL,
 * --ollama-url), as the seed had it. Settings an endpoint leaves out come from the `ollama` section
 * when its backend kind is built (`src/providers/backend-kinds.ts`).
 */
import type { EndpointSetting, HolocronConfig } from './config-schema.ts';

export const defaultEndpointId = 'default';

export function configuredEndpoints(config: Pick<HolocronConfig, 'backends' | 'ollama'>): EndpointSetting[] {
  if (config.backends.endpoints.length > 0) return config.backends.endpoints;
  return [{ id: defaultEndpointId, kind: 'ollama', baseUrl: config.ollama.baseUrl }];
}
