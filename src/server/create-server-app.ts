/**
 * The HTTP API's core: one Hono app over an open Holocron. Every swappable part is its own piece —
 * auth and CSRF (`request-auth.ts`), the routes (one file per area in `routes/`), metrics
 * (`server-metrics.ts`), live events (`live-events.ts`), the dashboard (whatever src/dashboard mounts
 * at `/`) — and errors become `{ error: { code, message } }` once, at the edge (`error-edge.ts`).
 *
 *   const app = createServerApp({ holocron, auth: { token } });
 *   const response = await app.request('/api/stats');
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Holocron } from '../holocron.ts';
import { errorResponse } from './error-edge.ts';
import { HttpError } from './http-error.ts';
import { createLiveEvents, type LiveEvents } from './live-events.ts';
import { openApiDocument } from './openapi-document.ts';
import { refuseCrossSite, requireAccess, type ServerAuth } from './request-auth.ts';
import { attemptsRoutes } from './routes/attempts-routes.ts';
import { documentsRoutes } from './routes/documents-routes.ts';
import { evaluationsRoutes } from './routes/evaluations-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { jobsRoutes } from './routes/jobs-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { statsRoutes } from './routes/stats-routes.ts';
import type { RouteContext, ServerEnv } from './server-context.ts';
import { createServerMetrics } from './server-metrics.ts';

export interface ServerAppOptions {
  holocron: Holocron;
  auth?: ServerAuth;
  /** The pages, mounted at `/` (src/dashboard's `dashboardRoutes()`); absent: none. */
  dashboard?: Hono;
  version?: string;
  /** Where unexpected (500) errors are reported; default: stderr. */
  logError?: (error: unknown) => void;
  /** The stats poller behind `/api/events` (default: one of the app's own, every 2 s while anyone listens). */
  live?: LiveEvents;
  /** How often an event stream checks its watched jobs (default 1 s). */
  jobEventsIntervalMs?: number;
}

/** Largest request body (an enqueue of up to 1,000 jobs fits). */
export const maxBodyBytes = 8 * 1024 * 1024;

export function createServerApp(options: ServerAppOptions): Hono<ServerEnv> {
  const auth = options.auth ?? {};
  const version = options.version ?? '0.0.0';
  const context: RouteContext = { holocron: options.holocron, version };
  const logError = options.logError ?? ((error: unknown) => process.stderr.write(`holocron serve: ${(error as Error)?.stack ?? String(error)}\n`));
  const live = options.live ?? createLiveEvents(options.holocron, { onError: logError });
  const metrics = createServerMetrics(options.holocron.database);
  const app = new Hono<ServerEnv>();
  app.onError((error, c) => errorResponse(error, c, logError));
  app.notFound((c) => errorResponse(new HttpError(404, 'not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), c));
  app.use('/api/*', metrics.middleware);
  // Whatever acted successfully may have changed the stats: tell the live pages now.
  app.use('/api/*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 400) live.poke();
  });

  // Without a token: health (up or down, for load balancers), the sign-in, and the API's description.
  app.route('/api', healthRoutes(context));
  // The dashboard's sign-in (token → HttpOnly cookie) answers before the token check, like health.
  app.route('/api', sessionRoutes(auth));
  const document = openApiDocument(version);
  app.get('/openapi.json', (c) => c.json(document));

  const guard = [
    requireAccess(auth),
    refuseCrossSite(),
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new HttpError(413, 'payload_too_large', `The request body is over ${maxBodyBytes} bytes.`);
      },
    }),
  ] as const;
  app.use('/metrics', guard[0]);
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  const api = new Hono<ServerEnv>();
  api.use('*', ...guard);
  api.route('/', statsRoutes(context));
  api.route('/', jobsRoutes(context));
  api.route('/', attemptsRoutes(context));
  api.route('/', documentsRoutes(context));
  api.route('/', evaluationsRoutes(context));
  api.route('/', eventsRoutes(context, live, { jobIntervalMs: options.jobEventsIntervalMs }));
  app.route('/api', api);

  if (options.dashboard) app.route('/', options.dashboard);
  return app;
}
