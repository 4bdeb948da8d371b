/**
 * The dashboard as a user gets it, for browser tests and screenshots: the demo's data (jobs with retries
 * and a dead letter against the simulator, a pipeline's documents with lineage, two evaluation runs)
 * seeded through the library into a real SQLite file and lake, then `holocron serve`'s own app (the
 * HTTP API with the dashboard mounted) on a free loopback port.
 */
import path from 'node:path';
import type { HolocronConfig } from '../../src/config/config-schema.ts';
import { dashboardRoutes } from '../../src/dashboard/dashboard-routes.ts';
import { runDemo } from '../../src/demo/run-demo.ts';
import { openHolocron, type Holocron } from '../../src/holocron.ts';
import { createLogger } from '../../src/logging/create-logger.ts';
import { startServer } from '../../src/server/start-server.ts';
import { testConfig } from './test-config.ts';

/** The configuration `holocron serve` would have over the demo folder. */
export function demoConfig(directory: string, settings: Record<string, unknown> = {}): HolocronConfig {
  return testConfig({
    'database.url': path.join(directory, 'holocron.sqlite'),
    'lake.root': path.join(directory, 'lake'),
    'evidence.root': path.join(directory, 'evidence'),
    ...settings,
  });
}

/** Runs the demo into `directory` (emptied first), quietly; a few seconds. Returns what it printed. */
export async function seedDemo(directory: string, latencyMs = 20): Promise<string> {
  let printed = '';
  // Nothing answers at this address, so the demo uses its bundled simulator even where an Ollama runs.
  const code = await runDemo(demoConfig(directory, { 'ollama.baseUrl': 'http://127.0.0.1:9' }), { directory, faults: true, latencyMs, logger: createLogger('silent'), write: (text) => (printed += text) });
  if (code !== 0) throw new Error(`The demo failed (exit code ${code}):\n${printed}`);
  return printed;
}

export interface DashboardServer {
  url: string;
  holocron: Holocron;
  close(): Promise<void>;
}

export async function startDashboardServer(directory: string, auth: { token?: string; readToken?: string } = {}): Promise<DashboardServer> {
  const holocron = await openHolocron(demoConfig(directory));
  const server = await startServer({ holocron, host: '127.0.0.1', port: 0, auth, dashboard: dashboardRoutes(), logError: () => {} });
  return {
    url: server.url,
    holocron,
    async close() {
      await server.close();
      await holocron.close();
    },
  };
}
