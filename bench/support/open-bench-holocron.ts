/** A Holocron for a benchmark: its own SQLite file and lake in `directory`, quiet logs, this simulator. */
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import { openHolocron, type Holocron } from '../../src/holocron.ts';

export async function openBenchHolocron(options: {
  directory: string;
  simulatorUrl: string;
  concurrency: number;
  databaseUrl?: string;
}): Promise<Holocron> {
  const settings: Record<string, unknown> = {
    'database.url': options.databaseUrl ?? path.join(options.directory, 'bench.sqlite'),
    'lake.root': path.join(options.directory, 'lake'),
    'ollama.baseUrl': options.simulatorUrl,
    'worker.concurrency': options.concurrency,
    'log.level': 'warn',
  };
  const flags = Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, { value, flag: 'bench' }]));
  return openHolocron(loadConfig({ flags, environment: {}, cwd: options.directory }).config);
}
