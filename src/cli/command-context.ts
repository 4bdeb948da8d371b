/**
 * What every command needs: the layered configuration (with the setting flags actually given to the
 * command, see `config-flags.ts`), a logger, and an open Holocron.
 */
import type { Command } from 'commander';
import type { HolocronConfig } from '../config/config-schema.ts';
import { loadConfig, type LoadedConfig } from '../config/load-config.ts';
import { openHolocron, type Holocron, type OpenHolocronOptions } from '../holocron.ts';
import { createLogger, type Logger } from '../logging/create-logger.ts';
import { configFlagValues } from './config-flags.ts';

export interface CommandContext {
  config: HolocronConfig;
  /** The configuration with where each setting came from (for `config show`). */
  loaded: LoadedConfig;
  logger: Logger;
  verbose: boolean;
}

export function contextFrom(command: Command): CommandContext {
  const flags = configFlagValues(command);
  const { config: configFile, verbose } = command.optsWithGlobals() as { config?: string; verbose?: boolean };
  const loaded = loadConfig({ flags, configFile });
  return { config: loaded.config, loaded, logger: createLogger(loaded.config.log.level), verbose: Boolean(verbose) };
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
