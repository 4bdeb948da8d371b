/**
 * Who may look and who may act.
 *
 * - No token configured (only allowed on a loopback address, `start-server.ts` refuses otherwise):
 *   every request may look and act, as a local CLI user could.
 * - `token` (HOLOCRON_API_TOKEN): required on every request (`Authorization: Bearer …`, or the
 *   `holocron_token` cookie that `POST /api/session` sets for the dashboard); 401 without it.
 * - `readToken` (HOLOCRON_API_READ_TOKEN): may look (GET, HEAD) but not act: 403 `read_only_token`.
 *
 * And no request from another site may act (CSRF): an unsafe method needs a JSON body
 * (`Content-Type: application/json`, which a cross-site form cannot send without a CORS preflight we
 * never answer), and is refused when `Sec-Fetch-Site` says another site or `Origin` names another host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HttpError } from './http-error.ts';

export interface ServerAuth {
  /** May look and act. */
  token?: string;
  /** May only look. */
  readToken?: string;
}

export type Access = 'read' | 'write';

export const sessionCookie = 'holocron_token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** What the presented credential allows, or null when it is missing or wrong. */
export function accessOf(auth: ServerAuth, presented: string | undefined): Access | null {
  if (auth.token === undefined && auth.readToken === undefined) return 'write';
  if (presented === undefined || presented === '') return null;
  if (auth.token !== undefined && sameSecret(presented, auth.token)) return 'write';
  if (auth.readToken !== undefined && sameSecret(presented, auth.readToken)) return 'read';
  return null;
}

function presentedToken(header: string | undefined, cookie: string | undefined): string | undefined {
  const bearer = header !== undefined ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
  return bearer ?? cookie;
}

/** Authentication and the read-only rule; sets `access` for the routes. */
export function requireAccess(auth: ServerAuth): MiddlewareHandler<{ Variables: { access: Access } }> {
  return async (context, next) => {
    const access = accessOf(auth, presentedToken(context.req.header('authorization'), getCookie(context, sessionCookie)));
    if (access === null) {
      context.header('WWW-Authenticate', 'Bearer realm="holocron"');
      throw new HttpError(401, 'unauthorized', 'A token is required: send Authorization: Bearer <HOLOCRON_API_TOKEN or HOLOCRON_API_READ_TOKEN>.');
    }
    if (access === 'read' && !safeMethods.has(context.req.method)) {
      throw new HttpError(403, 'read_only_token', 'The read-only token can look but not act: use HOLOCRON_API_TOKEN to change anything.');
    }
    context.set('access', access);
    await next();
  };
}

/** Cross-site requests cannot act; an unsafe request must carry JSON. */
export function refuseCrossSite(): MiddlewareHandler {
  return async (context, next) => {
    if (!safeMethods.has(context.req.method)) {
      const fetchSite = context.req.header('sec-fetch-site');
      if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
        throw new HttpError(403, 'csrf_refused', `Refused: the request came from another site (Sec-Fetch-Site: ${fetchSite}).`);
      }
      const origin = context.req.header('origin');
      if (origin !== undefined && origin !== 'null') {
        let originHost: string;
        try {
          originHost = new URL(origin).host;
        } catch {
          throw new HttpError(403, 'csrf_refused', `Refused: the Origin header "${origin}" is not a URL.`);
        }
        const host = context.req.header('host') ?? new URL(context.req.url).host;
        if (originHost !== host) throw new HttpError(403, 'csrf_refused', `Refused: the request came from ${origin}, not from this server (${host}).`);
      } else if (origin === 'null') {
        throw new HttpError(403, 'csrf_refused', 'Refused: the request came from an opaque origin.');
      }
      const type = context.req.header('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new HttpError(415, 'json_required', 'Requests that change anything must send a JSON body (Content-Type: application/json).');
      }
    }
    await next();
  };
}
