/** A Holocron over a fresh test database and lake, and the HTTP API's app over it, for app.request() tests. */
import type { Hono } from 'hono';
import { openHolocron, type Holocron } from '../../src/holocron.ts';
import { createServerApp } from '../../src/server/create-server-app.ts';
import type { ServerAuth } from '../../src/server/request-auth.ts';
import { createTestDatabase, makeTempDirectory, type TestDatabase } from './test-databases.ts';
import { testConfig } from './test-config.ts';

export interface ServerFixture {
  test: TestDatabase;
  holocron: Holocron;
  lakeRoot: string;
  app(auth?: ServerAuth): Hono<any>;
  close(): Promise<void>;
}

export async function createServerFixture(dialect: 'sqlite' | 'postgres', settings: Record<string, unknown> = {}): Promise<ServerFixture> {
  const test = await createTestDatabase(dialect);
  const lakeRoot = makeTempDirectory('server-lake');
  const holocron = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, ...settings }), { statementTimeoutMs: 10_000 });
  return {
    test,
    holocron,
    lakeRoot,
    app: (auth = {}) => createServerApp({ holocron, auth, version: 'test', logError: () => undefined }),
    async close() {
      await holocron.close();
      await test.destroy();
    },
  };
}

/** A JSON POST as a same-origin page would send it. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
