/**
 * `holocron config show`: the configuration in effect — every setting, its value, and the layer that
 * set it (default, the config file, an environment variable or a flag), secrets redacted. It takes the
 * setting flags of the other commands, so `holocron config show --concurrency 8` shows what
 * `holocron work --concurrency 8` would run with. It touches neither the database nor the lake.
 */
import { Command } from 'commander';
import { describeConfig } from '../../config/describe-config.ts';
import { contextFrom } from '../command-context.ts';
import { addConfigFlags, backendFlags, generationFlags, ollamaFlags, workerFlags } from '../config-flags.ts';
import { formatTable } from '../format-table.ts';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('The configuration in effect');
  const show = config
    .command('show')
    .description('Every setting, its value and where it came from (default, config file, environment, flag); secrets redacted');
  addConfigFlags(show, [...workerFlags, ...ollamaFlags, ...backendFlags, ...generationFlags]);
  show.option('--json', 'print JSON').action((flags: { json?: boolean }, command: Command) => {
    const effective = describeConfig(contextFrom(command).loaded);
    if (flags.json) return void process.stdout.write(`${JSON.stringify(effective, null, 2)}\n`);
    const rows = Object.entries(effective.settings).map(([path, setting]) => [
      path,
      setting.value === null ? 'null' : typeof setting.value === 'string' ? setting.value : JSON.stringify(setting.value),
      setting.source === 'default' ? 'default' : `${setting.source} ${setting.from}`,
    ]);
    process.stdout.write(`Config file: ${effective.configFile ?? 'none'}\n\n${formatTable(['setting', 'value', 'from'], rows)}\n`);
  });
}
