/**
 * `--endpoint <spec>`, repeatable: one endpoint of the pool per flag, the same fields as an entry of
 * `backends.endpoints` in the configuration. The spec is a URL alone (an Ollama server, id `endpoint-N`)
 * or comma-separated `key=value` pairs:
 *
 *   --endpoint id=gpu-1,url=http://gpu-1:11434,models=llama3.2+qwen2.5:7b,max-in-flight=4
 *   --endpoint id=llama,kind=openai,url=http://box:8080/v1,server=llama-server
 *
 * Keys: id, url (or baseUrl), kind (ollama | openai, default ollama), models (joined by `+`),
 * max-in-flight, server and api-key-env (openai). The values are checked by the configuration's
 * contract, which names the flag and the endpoint in its message.
 */
import { InvalidArgumentError } from 'commander';

const keys: Record<string, string> = {
  id: 'id',
  url: 'baseUrl',
  baseurl: 'baseUrl',
  'base-url': 'baseUrl',
  kind: 'kind',
  models: 'models',
  'max-in-flight': 'maxInFlight',
  maxinflight: 'maxInFlight',
  server: 'server',
  'api-key-env': 'apiKeyEnv',
};

export function endpointOption(value: string, previous: unknown): Record<string, unknown>[] {
  const list = Array.isArray(previous) ? (previous as Record<string, unknown>[]) : [];
  const endpoint: Record<string, unknown> = {};
  const text = value.trim();
  if (/^https?:\/\//i.test(text) && !text.includes(',')) endpoint.baseUrl = text;
  else {
    for (const part of text.split(',')) {
      const equals = part.indexOf('=');
      if (equals <= 0) throw new InvalidArgumentError(`"${part}" is not key=value (keys: ${[...new Set(Object.values(keys))].join(', ')}), or give a URL alone`);
      const key = keys[part.slice(0, equals).trim().toLowerCase()];
      const raw = part.slice(equals + 1).trim();
      if (key === undefined) throw new InvalidArgumentError(`unknown key "${part.slice(0, equals).trim()}" (keys: id, url, kind, models, max-in-flight, server, api-key-env)`);
      if (key in endpoint) throw new InvalidArgumentError(`"${key}" is given twice`);
      endpoint[key] = key === 'models' ? raw.split('+').map((model) => model.trim()) : key === 'maxInFlight' ? (/^\d+$/.test(raw) ? Number(raw) : raw) : raw;
    }
  }
  if (endpoint.baseUrl === undefined) throw new InvalidArgumentError('an endpoint needs its url (url=http://host:port)');
  endpoint.id ??= `endpoint-${list.length + 1}`;
  endpoint.kind ??= 'ollama';
  return [...list, endpoint];
}
