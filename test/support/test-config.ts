/** A configuration for tests: defaults plus the given settings, never the developer's environment. */
import type { HolocronConfig } from '../../src/config/config-schema.ts';
import { loadConfig } from '../../src/config/load-config.ts';

export function testConfig(settings: Record<string, unknown>): HolocronConfig {
  const flags = Object.fromEntries(Object.entries(settings).map(([path, value]) => [path, { value, flag: path }]));
  return loadConfig({ flags, environment: {}, cwd: '/nonexistent-so-no-config-file' }).config;
}
