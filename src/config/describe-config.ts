/**
 * The configuration in effect as people read it (`holocron config show`): every setting with its value
 * and the layer that set it, secrets redacted.
 */
import type { EffectiveConfig, EffectiveSetting } from '../read-models/effective-config.ts';
import { environmentVariables, type LoadedConfig } from './load-config.ts';
import { redactSecret } from './redact-secret.ts';

export function describeConfig(loaded: LoadedConfig): EffectiveConfig {
  const variables = new Map(Object.entries(environmentVariables).map(([name, entry]) => [entry.path, name]));
  const settings: Record<string, EffectiveSetting> = {};
  for (const [path, value] of leaves(loaded.config as unknown as Record<string, unknown>)) {
    const source = sourceOf(loaded, path);
    settings[path] = {
      value: redactSecret(path, value),
      source: source.layer,
      from: source.layer === 'file' ? source.file : source.layer === 'environment' ? source.variable : source.layer === 'flag' ? source.flag : null,
      environment: variables.get(path) ?? null,
    };
  }
  return { configFile: loaded.configFile, settings };
}

/** The layer that set a path, or the nearest section above it (a whole section set in a file). */
function sourceOf(loaded: LoadedConfig, path: string): LoadedConfig['sources'][string] {
  for (let key = path; key !== ''; key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '') {
    const source = loaded.sources[key];
    if (source) return source;
  }
  return { layer: 'default' };
}

/** `{a: {b: 1}}` → `[['a.b', 1]]`; arrays and values are leaves. */
function leaves(value: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(value).flatMap(([key, child]): [string, unknown][] => {
    const path = prefix ? `${prefix}.${key}` : key;
    return child !== null && typeof child === 'object' && !Array.isArray(child) ? leaves(child as Record<string, unknown>, path) : [[path, child]];
  });
}
