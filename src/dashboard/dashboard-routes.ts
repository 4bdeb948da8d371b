/**
 * The dashboard's HTTP side: the page (`GET /`) and its static files (`GET /ui/*`). The pages are plain
 * ES modules (preact + htm, uPlot for charts) loaded through an import map, so `npm ci` is the whole
 * build: the browser code lives in src/dashboard/ (shipped with the package) and the three libraries are
 * served from node_modules. Only files with a known type under the dashboard folder, and the listed vendor
 * files, are ever served; nothing the page fetches holds data — that comes from /api, behind its auth.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/** src/dashboard, from src/dashboard (tsx) and from dist/dashboard (the built package) alike. */
export const dashboardFolder = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'src/dashboard');

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.html': 'text/html; charset=utf-8',
};

/** `/ui/vendor/<name>` → [package, file inside the package]. */
const vendorFiles: Record<string, [string, string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.module.js'],
  'uplot.mjs': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

const require = createRequire(import.meta.url);

function packageFolder(name: string): string {
  const entry = require.resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`Cannot find the folder of the package ${name} (resolved to ${entry}).`);
  return entry.slice(0, at + marker.length - 1);
}

export interface DashboardOptions {
  /** Where the browser code is (default: src/dashboard of this package). */
  folder?: string;
}

export function dashboardRoutes(options: DashboardOptions = {}): Hono {
  const folder = path.resolve(options.folder ?? dashboardFolder);
  const app = new Hono();
  const headers = (type: string) => ({
    'Content-Type': type,
    // Always revalidate: a new version of the package shows at once.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });

  const page = async () => {
    const html = await fs.promises.readFile(path.join(folder, 'index.html'), 'utf8');
    return new Response(html, {
      headers: {
        ...headers(contentTypes['.html']!),
        'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'same-origin',
      },
    });
  };
  app.get('/', page);
  app.get('/index.html', page);

  app.get('/ui/vendor/:name', async (c) => {
    const entry = vendorFiles[c.req.param('name')];
    if (!entry) return c.json({ error: { code: 'not_found', message: `No dashboard file ${c.req.path}.` } }, 404);
    const file = path.join(packageFolder(entry[0]), entry[1]);
    return new Response(await fs.promises.readFile(file), { headers: headers(contentTypes[path.extname(file)]!) });
  });

  app.get('/ui/*', async (c) => {
    const relative = decodeURIComponent(c.req.path.slice('/ui/'.length));
    const file = path.resolve(folder, relative);
    const type = contentTypes[path.extname(file)];
    const inside = file.startsWith(folder + path.sep);
    if (!type || !inside || relative.includes('\0') || /\.test\.[cm]?js$/.test(file) || path.basename(file).startsWith('.')) {
      return c.json({ error: { code: 'not_found', message: `No dashboard file ${c.req.path}.` } }, 404);
    }
    try {
      return new Response(await fs.promises.readFile(file), { headers: headers(type) });
    } catch {
      return c.json({ error: { code: 'not_found', message: `No dashboard file ${c.req.path}.` } }, 404);
    }
  });
  return app;
}
