/**
 * A Holocron over a test database, a lake folder and an LLM server (the simulator), with a worker tuned
 * for tests: four jobs at once, polling every 50 ms, retries after 10–50 ms. More settings override these.
 */
import { openHolocron, type Holocron } from '../../src/holocron.ts';
import { testConfig } from './test-config.ts';

export const quickWorkerSettings = {
  'worker.concurrency': 4,
  'worker.pollSeconds': 0.05,
  'retry.baseDelaySeconds': 0.01,
  'retry.maxDelaySeconds': 0.05,
} as const;

export function openTestHolocron(where: { databaseUrl: string; lakeRoot: string; llmUrl: string }, settings: Record<string, unknown> = {}): Promise<Holocron> {
  return openHolocron(testConfig({ 'database.url': where.databaseUrl, 'lake.root': where.lakeRoot, 'ollama.baseUrl': where.llmUrl, ...quickWorkerSettings, ...settings }));
}
