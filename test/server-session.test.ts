/**
 * The dashboard's sign-in (`/api/session`): a token traded once for an HttpOnly, SameSite=Strict cookie
 * that the API then accepts like the Authorization header; what a read-only token may do; CSRF; bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServerFixture, postJson, type ServerFixture } from './support/server-fixture.ts';

const token = 'write-token-0123456789abcdef';
const readToken = 'read-token-0123456789abcdef';

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** The cookie a Set-Cookie header sets, as a Cookie header. */
function cookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  return header.split(';')[0]!;
}

describe('dashboard sessions', () => {
  let fixture: ServerFixture;
  before(async () => {
    fixture = await createServerFixture('sqlite');
  });
  after(async () => {
    await fixture?.close();
  });

  it('without a token configured, anyone may act and signing in sets nothing', async () => {
    const app = fixture.app();
    assert.deepEqual(await (await app.request('/api/session')).json(), { tokenRequired: false, access: 'write', canAct: true });
    const signedIn = await app.request('/api/session', postJson({ token: 'whatever' }));
    assert.equal(signedIn.status, 204);
    assert.equal(signedIn.headers.get('set-cookie'), null);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie the API accepts; a wrong token gets 401 and no cookie', async () => {
    const app = fixture.app({ token, readToken });
    assert.deepEqual(await (await app.request('/api/session')).json(), { tokenRequired: true, access: null, canAct: false });
    const wrong = await app.request('/api/session', postJson({ token: 'not-the-token-0123456789' }));
    assert.equal(wrong.status, 401);
    assert.equal(await errorCode(wrong), 'unauthorized');
    assert.equal(wrong.headers.get('set-cookie'), null);

    const signedIn = await app.request('/api/session', postJson({ token }));
    assert.equal(signedIn.status, 204);
    const setCookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^holocron_token=/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\/api/);
    const cookie = cookieOf(signedIn);
    assert.deepEqual(await (await app.request('/api/session', { headers: { cookie } })).json(), { tokenRequired: true, access: 'write', canAct: true });
    assert.equal((await app.request('/api/stats', { headers: { cookie } })).status, 200);
    assert.equal((await app.request('/api/stats')).status, 401, 'without the cookie the API still wants the token');

    const signedOut = await app.request('/api/session', { method: 'DELETE', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(signedOut.status, 204);
    assert.match(signedOut.headers.get('set-cookie') ?? '', /holocron_token=;.*Max-Age=0/);
  });

  it('a read-only token signs in to look, not to act', async () => {
    const app = fixture.app({ token, readToken });
    const cookie = cookieOf(await app.request('/api/session', postJson({ token: readToken })));
    assert.deepEqual(await (await app.request('/api/session', { headers: { cookie } })).json(), { tokenRequired: true, access: 'read', canAct: false });
    assert.equal((await app.request('/api/jobs', { headers: { cookie } })).status, 200);
    const act = await app.request('/api/dead-letters/redrive', postJson({}, { cookie }));
    assert.equal(act.status, 403);
    assert.equal(await errorCode(act), 'read_only_token');
  });

  it('another site cannot sign a browser in (CSRF), and bad bodies are named', async () => {
    const app = fixture.app({ token, readToken });
    const crossSite = await app.request('/api/session', postJson({ token }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }));
    assert.equal(crossSite.status, 403);
    assert.equal(await errorCode(crossSite), 'csrf_refused');
    assert.equal(crossSite.headers.get('set-cookie'), null);
    const form = await app.request('/api/session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    assert.equal(form.status, 415);
    for (const body of [{}, { token: '' }, { token: 42 }, []]) {
      const response = await app.request('/api/session', postJson(body));
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(await errorCode(response), 'invalid_parameter');
    }
  });
});
