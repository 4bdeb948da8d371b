/**
 * The dashboard's routes, mounted by the server at `/` (src/server/create-server-app.ts). A
 * placeholder until the dashboard lands (owner: ui): the page says where the API is.
 */
import { Hono } from 'hono';

export function dashboardRoutes(): Hono {
  return new Hono().get('/', (context) =>
    context.html(
      '<!doctype html><html><head><meta charset="utf-8"><title>Holocron</title></head><body>' +
        '<h1>Holocron</h1><p>The dashboard is not built yet. The HTTP API is at <a href="/api/stats">/api/stats</a>; ' +
        'its description at <a href="/openapi.json">/openapi.json</a>.</p></body></html>',
    ),
  );
}
