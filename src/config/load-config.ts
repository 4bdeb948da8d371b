/**
 * Builds the configuration from its layers — defaults → config file → environment → flags — and
 * validates the result. An invalid value is reported with where it came from (the file, the variable
 * or the flag), so the user knows what to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, type HolocronConfig } from './config-schema.ts';
import { defaults } from './defaults.ts';
import { parseKeepAliveText } from '../durations/go-duration.ts';

/** Environment variables, by config path. The seed's names are kept where they existed. */
export const environmentVariables: Record<string, { path: string; type: 'string' | 'number' | 'boolean' | 'duration' }> = {
  HOLOCRON_DB: { path: 'database.url', type: 'string' },
  HOLOCRON_DB_POOL_SIZE: { path: 'database.poolSize', type: 'number' },
  LAKE_ROOT: { path: 'lake.root', type: 'string' },
  HOLOCRON_EVIDENCE_ROOT: { path: 'evidence.root', type: 'string' },
  HOLOCRON_INTERROGATIONS_DIR: { path: 'interrogations.directory', type: 'string' },
  OLLAMA_BASE_URL: { path: 'ollama.baseUrl', type: 'string' },
  OLLAMA_MODEL: { path: 'ollama.model', type: 'string' },
  OLLAMA_TEMPERATURE: { path: 'ollama.temperature', type: 'number' },
  OLLAMA_SEED: { path: 'ollama.seed', type: 'number' },
  OLLAMA_NUM_CTX: { path: 'ollama.numCtx', type: 'number' },
  OLLAMA_NUM_PREDICT: { path: 'ollama.numPredict', type: 'number' },
  OLLAMA_TIMEOUT_SECONDS: { path: 'ollama.timeoutSeconds', type: 'number' },
  HOLOCRON_FIRST_BYTE_TIMEOUT_SECONDS: { path: 'ollama.firstByteTimeoutSeconds', type: 'number' },
  OLLAMA_KEEP_ALIVE: { path: 'ollama.keepAlive', type: 'duration' },
  HOLOCRON_BACKEND: { path: 'backends.kind', type: 'string' },
  HOLOCRON_BASE_URL: { path: 'backends.baseUrl', type: 'string' },
  HOLOCRON_OPENAI_SERVER: { path: 'backends.server', type: 'string' },
  WORKER_ID: { path: 'worker.id', type: 'string' },
  HOLOCRON_CONCURRENCY: { path: 'worker.concurrency', type: 'number' },
  POLL_SECONDS: { path: 'worker.pollSeconds', type: 'number' },
  HOLOCRON_LEASE_SECONDS: { path: 'worker.leaseSeconds', type: 'number' },
  HOLOCRON_BUSY_BUDGET_SECONDS: { path: 'backpressure.busyBudgetSeconds', type: 'number' },
  HOLOCRON_LOG_LEVEL: { path: 'log.level', type: 'string' },
  HOLOCRON_CACHE: { path: 'cache.mode', type: 'string' },
};

export const configFileName = 'holocron.config.json';

/** Settings that are paths: in a config file, a relative one means relative to the file's folder. */
const pathSettings = new Set(['database.url', 'lake.root', 'evidence.root', 'interrogations.directory']);

function resolveFilePath(key: string, value: unknown, directory: string): unknown {
  if (!pathSettings.has(key) || typeof value !== 'string' || value === '' || path.isAbsolute(value)) return value;
  if (key === 'database.url' && (/^[a-z]+:/i.test(value) || value === ':memory:')) return value;
  return path.resolve(directory, value);
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Values from command-line flags, by config path (e.g. `{'worker.concurrency': 8}`), labelled by flag name. */
  flags?: Record<string, { value: unknown; flag: string }>;
  /** An explicit config file (`--config`); otherwise HOLOCRON_CONFIG, then ./holocron.config.json if present. */
  configFile?: string;
  environment?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Where a setting's value came from; settings no layer set are `{ layer: 'default' }`. */
export type SettingSource =
  | { layer: 'default' }
  | { layer: 'file'; file: string }
  | { layer: 'environment'; variable: string }
  | { layer: 'flag'; flag: string };

export interface LoadedConfig {
  config: HolocronConfig;
  /** The config file that was read, if any. */
  configFile: string | null;
  /** Where each setting that is not a default came from, by config path (e.g. `worker.concurrency`). */
  sources: Record<string, SettingSource>;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const environment = options.environment ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const merged = structuredClone(defaults) as Record<string, unknown>;
  const sources = new Map<string, string>();
  const origins: Record<string, SettingSource> = {};

  const configFile = findConfigFile(options.configFile ?? environment.HOLOCRON_CONFIG, cwd);
  if (configFile) {
    const fromFile = readConfigFile(configFile);
    const unknownKeys: string[] = [];
    for (const [key, value] of flatten(fromFile, defaults, unknownKeys)) {
      setPath(merged, key, resolveFilePath(key, value, path.dirname(configFile)));
      sources.set(key, `${configFile} (${key})`);
      origins[key] = { layer: 'file', file: configFile };
    }
    if (unknownKeys.length > 0) {
      throw new ConfigError(`Config file ${configFile}: unknown key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((key) => `"${key}"`).join(', ')}`);
    }
  }
  for (const [name, variable] of Object.entries(environmentVariables)) {
    const raw = environment[name];
    if (raw === undefined || raw === '') continue;
    setPath(merged, variable.path, convert(raw, variable.type));
    sources.set(variable.path, `environment variable ${name}`);
    origins[variable.path] = { layer: 'environment', variable: name };
  }
  for (const [key, { value, flag }] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    setPath(merged, key, value);
    sources.set(key, `flag ${flag}`);
    origins[key] = { layer: 'flag', flag };
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const endpoint = describeEndpointIssue(merged, issue.path);
      if (endpoint) return `${(sources.get('backends.endpoints') ?? 'configuration').replace(/ \(backends\.endpoints\)$/, '')}: ${endpoint}${issue.message}${givenValue(getPath(merged, issue.path.join('.')))}`;
      const key = issue.path.join('.');
      const source = sources.get(key) ?? (key ? `setting ${key}` : 'configuration');
      return `${source}: ${issue.message}${givenValue(getPath(merged, key))}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const ollamaUrlSource = ['ollama.baseUrl', 'backends.baseUrl', 'backends.kind'].map((key) => sources.get(key)).find((source) => source?.startsWith('flag '));
  if (parsed.data.backends.endpoints.length > 0 && ollamaUrlSource?.startsWith('flag ')) {
    const ids = parsed.data.backends.endpoints.map((endpoint) => `"${endpoint.id}"`).join(', ');
    throw new ConfigError(
      `Invalid configuration:\n  ${ollamaUrlSource}: it sets the default endpoint, but the configuration lists its endpoints ` +
        `(${ids} in ${(sources.get('backends.endpoints') ?? 'configuration').replace(/ \(backends\.endpoints\)$/, '')}); change the list instead`,
    );
  }
  const backends = parsed.data.backends;
  if (backends.endpoints.length === 0 && backends.kind === 'openai' && backends.baseUrl === null) {
    throw new ConfigError(
      `Invalid configuration:\n  ${sources.get('backends.kind') ?? 'backends.kind'}: the "openai" backend needs its server's URL ` +
        '(--base-url, HOLOCRON_BASE_URL or backends.baseUrl), e.g. http://127.0.0.1:8080/v1',
    );
  }
  return { config: parsed.data, configFile, sources: origins };
}

function givenValue(given: unknown): string {
  return given !== undefined && given !== null && typeof given !== 'object' ? ` (got ${JSON.stringify(given)})` : '';
}

/** `endpoint "gpu-2" (backends.endpoints[1]) baseUrl: ` for an issue inside the endpoint list, else ''. */
function describeEndpointIssue(merged: Record<string, unknown>, issuePath: readonly (string | number)[]): string {
  if (issuePath[0] !== 'backends' || issuePath[1] !== 'endpoints' || typeof issuePath[2] !== 'number') return '';
  const index = issuePath[2];
  const endpoint = (getPath(merged, 'backends.endpoints') as unknown[] | undefined)?.[index];
  const id = endpoint !== null && typeof endpoint === 'object' ? (endpoint as { id?: unknown }).id : undefined;
  const name = typeof id === 'string' && id !== '' ? `endpoint "${id}" (backends.endpoints[${index}])` : `endpoint ${index + 1} (backends.endpoints[${index}])`;
  const field = issuePath.slice(3).join('.');
  return `${name}${field ? ` ${field}` : ''}: `;
}

function findConfigFile(explicit: string | undefined, cwd: string): string | null {
  if (explicit) {
    const resolved = path.resolve(cwd, explicit);
    if (!fs.existsSync(resolved)) throw new ConfigError(`Config file not found: ${resolved}`);
    return resolved;
  }
  const candidate = path.join(cwd, configFileName);
  return fs.existsSync(candidate) ? candidate : null;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${file} must hold a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * `{a: {b: 1}}` → `[['a.b', 1]]`, following the shape of `known` (the defaults): objects are descended
 * only where the defaults hold a section, anything else is a leaf for the schema to judge. Keys the
 * defaults do not have (`__proto__` included) are collected in `unknownKeys`, never merged.
 */
function flatten(value: Record<string, unknown>, known: Record<string, unknown>, unknownKeys: string[], prefix = ''): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const [key, child] of Object.entries(value)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (!Object.hasOwn(known, key)) {
      unknownKeys.push(full);
      continue;
    }
    const section = known[key];
    if (isPlainObject(child) && isPlainObject(section)) entries.push(...flatten(child, section, unknownKeys, full));
    else entries.push([full, child]);
  }
  return entries;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function getPath(target: Record<string, unknown>, key: string): unknown {
  let node: unknown = target;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function convert(raw: string, type: 'string' | 'number' | 'boolean' | 'duration'): unknown {
  // A number is seconds, as Ollama's own OLLAMA_KEEP_ALIVE reads it; anything else is for the schema to judge.
  if (type === 'duration') return parseKeepAliveText(raw) ?? raw;
  if (type === 'number') {
    const number = Number(raw);
    return Number.isFinite(number) && raw.trim() !== '' ? number : raw;
  }
  if (type === 'boolean') return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  return raw;
}
