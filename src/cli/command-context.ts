/**
 * What every command needs from the global flags: the layered configuration, a logger, and an open
 * Holocron. Flags are mapped to configuration paths here, the only place that knows both.
 */
import type { Command } from 'commander';
import type { HolocronConfig } from '../config/config-schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { openHolocron, type Holocron, type OpenHolocronOptions } from '../holocron.ts';
import { createLogger, type Logger } from '../logging/create-logger.ts';

export interface GlobalFlags {
  config?: string;
  db?: string;
  lakeRoot?: string;
  evidenceRoot?: string;
  interrogations?: string;
  verbose?: boolean;
}

/** Flag name → configuration path, for flags any command may carry. */
const flagPaths: Record<string, { path: string; flag: string }> = {
  db: { path: 'database.url', flag: '--db' },
  lakeRoot: { path: 'lake.root', flag: '--lake-root' },
  evidenceRoot: { path: 'evidence.root', flag: '--evidence-root' },
  interrogations: { path: 'interrogations.directory', flag: '--interrogations' },
  concurrency: { path: 'worker.concurrency', flag: '--concurrency' },
  prefetch: { path: 'worker.prefetch', flag: '--prefetch' },
  workerId: { path: 'worker.id', flag: '--worker-id' },
  pollSeconds: { path: 'worker.pollSeconds', flag: '--poll-seconds' },
  leaseSeconds: { path: 'worker.leaseSeconds', flag: '--lease-seconds' },
  model: { path: 'ollama.model', flag: '--model' },
  ollamaUrl: { path: 'ollama.baseUrl', flag: '--ollama-url' },
  stream: { path: 'ollama.stream', flag: '--no-stream' },
};

export interface CommandContext {
  config: HolocronConfig;
  logger: Logger;
  verbose: boolean;
}

export function contextFrom(command: Command, only: string[] = Object.keys(flagPaths)): CommandContext {
  const options = command.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
  const flags: Record<string, { value: unknown; flag: string }> = {};
  for (const name of only) {
    const mapping = flagPaths[name];
    if (mapping && options[name] !== undefined) flags[mapping.path] = { value: options[name], flag: mapping.flag };
  }
  if (options.verbose) flags['log.level'] = { value: 'debug', flag: '--verbose' };
  const { config } = loadConfig({ flags, configFile: options.config });
  return { config, logger: createLogger(config.log.level), verbose: Boolean(options.verbose) };
}

/**
 * Opens Holocron for the command, runs it, and always closes it. Commands that write migrate the
 * schema on open (the default); commands that only read pass `{ migrate: 'check' }`.
 */
export async function withHolocron<T>(
  context: CommandContext,
  work: (holocron: Holocron) => Promise<T>,
  options: OpenHolocronOptions = {},
): Promise<T> {
  const holocron = await openHolocron(context.config, options);
  try {
    return await work(holocron);
  } finally {
    await holocron.close();
  }
}
