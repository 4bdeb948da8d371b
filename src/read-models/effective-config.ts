/** `holocron config show --json`: the configuration in effect and where each value came from. */

export interface EffectiveSetting {
  /** The setting's value; secrets (passwords in URLs, keys, tokens) are redacted. */
  value: unknown;
  /** The layer that set it: `default` < `file` < `environment` < `flag`. */
  source: 'default' | 'file' | 'environment' | 'flag';
  /** What set it: the config file's path, the environment variable or the flag; null for a default. */
  from: string | null;
  /** The environment variable that can set it, if there is one. */
  environment: string | null;
}

export interface EffectiveConfig {
  /** The config file that was read, or null when there is none. */
  configFile: string | null;
  /** Every setting by its config path (`worker.concurrency`), in the order of `src/config/defaults.ts`. */
  settings: Record<string, EffectiveSetting>;
}
