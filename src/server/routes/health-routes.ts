/** `GET /api/health`: is the server up, is the database reachable and its schema current. */
import { Hono } from 'hono';
import { sql } from 'kysely';
import { assertSchemaCurrent } from '../../database/migrate.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

export interface Health {
  ok: boolean;
  version: string;
  database: { dialect: 'sqlite' | 'postgres'; reachable: boolean; schemaCurrent: boolean; problem: string | null };
  lake: { root: string };
}

export function healthRoutes({ holocron, version }: RouteContext): Hono<ServerEnv> {
  return new Hono<ServerEnv>().get('/health', async (context) => {
    const { database } = holocron;
    let reachable = false;
    let schemaCurrent = false;
    let problem: string | null = null;
    try {
      await sql`select 1`.execute(database.db);
      reachable = true;
      await assertSchemaCurrent(database);
      schemaCurrent = true;
    } catch (error) {
      problem = (error as Error).message;
    }
    const health: Health = {
      ok: reachable && schemaCurrent,
      version,
      database: { dialect: database.adapter.name, reachable, schemaCurrent, problem },
      lake: { root: holocron.lake.location },
    };
    return context.json(health, health.ok ? 200 : 503);
  });
}
