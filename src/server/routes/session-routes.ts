/**
 * The dashboard's sign-in: a browser cannot put a token in an EventSource's headers, so it trades the
 * token once for an HttpOnly, SameSite=Strict cookie that the API accepts like `Authorization: Bearer`.
 *
 * - `GET /api/session` (no token needed): whether the server wants a token, and what the presented one
 *   (header or cookie) may do — the pages hide their action buttons for a read-only token.
 * - `POST /api/session { token }`: checks the token (401 `unauthorized` when it is neither the token nor
 *   the read-only token) and sets the cookie; the CSRF rules of every unsafe request apply.
 * - `DELETE /api/session`: clears the cookie.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HttpError, invalidParameter } from '../http-error.ts';
import { jsonBody } from '../query-params.ts';
import { accessOf, refuseCrossSite, sessionCookie, type Access, type ServerAuth } from '../request-auth.ts';

export interface SessionView {
  tokenRequired: boolean;
  /** What the presented credential may do; null: none presented, or a wrong one. */
  access: Access | null;
  canAct: boolean;
}

export function sessionRoutes(auth: ServerAuth): Hono {
  const tokenRequired = auth.token !== undefined || auth.readToken !== undefined;
  const presented = (header: string | undefined, cookie: string | undefined) => (header ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined) ?? cookie;
  return new Hono()
    .get('/session', (context) => {
      const access = accessOf(auth, presented(context.req.header('authorization'), getCookie(context, sessionCookie)));
      const view: SessionView = { tokenRequired, access, canAct: access === 'write' };
      return context.json(view);
    })
    .post('/session', refuseCrossSite(), async (context) => {
      const body = (await jsonBody(context)) as { token?: unknown } | undefined;
      if (typeof body !== 'object' || body === null || typeof body.token !== 'string' || body.token === '') throw invalidParameter('token', 'must be a non-empty string');
      if (!tokenRequired) return context.body(null, 204);
      const access = accessOf(auth, body.token);
      if (access === null) throw new HttpError(401, 'unauthorized', 'That is not this server\'s token (HOLOCRON_API_TOKEN or HOLOCRON_API_READ_TOKEN).');
      setCookie(context, sessionCookie, body.token, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/api',
        secure: new URL(context.req.url).protocol === 'https:',
      });
      return context.body(null, 204);
    })
    .delete('/session', refuseCrossSite(), (context) => {
      deleteCookie(context, sessionCookie, { path: '/api' });
      return context.body(null, 204);
    });
}
