/**
 * Safe by default: tokens (look and act, look only), CSRF (another site cannot act), and the refusal
 * to serve beyond loopback without a token — through app.request(), and once as `holocron serve`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dashboardRoutes } from '../src/dashboard/dashboard-routes.ts';
import { checkServeSafety, isLoopbackHost, ServeRefusedError, startServer } from '../src/server/start-server.ts';
import { createServerFixture, postJson, type ServerFixture } from './support/server-fixture.ts';
import { dialects, makeTempDirectory } from './support/test-databases.ts';

const token = 'write-token-0123456789abcdef';
const readToken = 'read-token-0123456789abcdef';
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

for (const dialect of dialects) {
describe(`HTTP API auth and CSRF on ${dialect}`, () => {
  let fixture: ServerFixture;
  before(async () => {
    fixture = await createServerFixture(dialect);
  });
  after(async () => {
    await fixture?.close();
  });

  it('needs a token when one is configured; the read-only token can look but not act', async () => {
    const app = fixture.app({ token, readToken });
    const anonymous = await app.request('/api/stats');
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'unauthorized');
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.equal((await app.request('/api/stats', { headers: bearer('wrong-token-0123456789') })).status, 401);
    assert.equal((await app.request('/api/health')).status, 200, 'health tells up or down to anyone');

    assert.equal((await app.request('/api/stats', { headers: bearer(readToken) })).status, 200);
    assert.equal((await app.request('/api/jobs', { headers: bearer(readToken) })).status, 200);
    const readOnly = await app.request('/api/jobs', postJson({ kind: 'noop' }, bearer(readToken)));
    assert.equal(readOnly.status, 403);
    assert.equal(((await readOnly.json()) as { error: { code: string } }).error.code, 'read_only_token');
    assert.equal((await fixture.holocron.database.db.selectFrom('jobs').select('id').execute()).length, 0);

    const acted = await app.request('/api/jobs', postJson({ kind: 'noop' }, bearer(token)));
    assert.equal(acted.status, 201);
    const viaCookie = await app.request('/api/jobs', postJson({ kind: 'noop' }, { cookie: `holocron_token=${token}` }));
    assert.equal(viaCookie.status, 201, 'the dashboard\'s session cookie');
  });

  it('refuses actions from another site, and actions without a JSON body', async () => {
    const app = fixture.app();
    const crossSite = await app.request('/api/jobs', postJson({ kind: 'noop' }, { 'sec-fetch-site': 'cross-site' }));
    assert.equal(crossSite.status, 403);
    assert.equal(((await crossSite.json()) as { error: { code: string } }).error.code, 'csrf_refused');
    assert.equal((await app.request('/api/jobs', postJson({ kind: 'noop' }, { 'sec-fetch-site': 'same-site' }))).status, 403);
    const otherOrigin = await app.request('http://127.0.0.1:8080/api/jobs', postJson({ kind: 'noop' }, { origin: 'http://evil.example', host: '127.0.0.1:8080' }));
    assert.equal(otherOrigin.status, 403);
    assert.equal((await app.request('http://127.0.0.1:8080/api/jobs', postJson({ kind: 'noop' }, { origin: 'null', host: '127.0.0.1:8080' }))).status, 403);
    const form = await app.request('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'kind=noop' });
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as { error: { code: string } }).error.code, 'json_required');
    const plain = await app.request('/api/jobs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"kind":"noop"}' });
    assert.equal(plain.status, 415);
    const before = (await fixture.holocron.database.db.selectFrom('jobs').select('id').execute()).length;
    const sameOrigin = await app.request(
      'http://127.0.0.1:8080/api/jobs',
      postJson({ kind: 'noop' }, { origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }),
    );
    assert.equal(sameOrigin.status, 201);
    assert.equal((await fixture.holocron.database.db.selectFrom('jobs').select('id').execute()).length, before + 1, 'only the same-origin request acted');
  });
});
}

describe('serving safely', () => {
  let fixture: ServerFixture;
  before(async () => {
    fixture = await createServerFixture('sqlite');
  });
  after(async () => {
    await fixture?.close();
  });

  it('knows loopback addresses and refuses any other without a token', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
    assert.throws(() => checkServeSafety('0.0.0.0', {}), ServeRefusedError);
    assert.throws(() => checkServeSafety('0.0.0.0', { token: 'short' }), /at least 16/);
    assert.throws(() => checkServeSafety('127.0.0.1', { readToken }), /without HOLOCRON_API_TOKEN/);
    assert.doesNotThrow(() => checkServeSafety('0.0.0.0', { token }));
    assert.doesNotThrow(() => checkServeSafety('127.0.0.1', {}));
  });

  it('serves over real HTTP on a free port, the dashboard at / and the API beside it', async () => {
    const server = await startServer({ holocron: fixture.holocron, port: 0, dashboard: dashboardRoutes(), logError: () => undefined });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/api/health`);
      assert.equal(health.status, 200);
      const page = await fetch(`${server.url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const events = await fetch(`${server.url}/api/events`);
      assert.equal(events.status, 200);
      void events.body?.cancel();
    } finally {
      await server.close();
    }
    await assert.rejects(startServer({ holocron: fixture.holocron, host: '0.0.0.0', port: 0 }), ServeRefusedError);
  });

  it('`holocron serve --host 0.0.0.0` without a token refuses to start, exit 2', async () => {
    const directory = makeTempDirectory('serve-refuse');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'run-cli.ts'), 'serve', '--host', '0.0.0.0', '--port', '0', '--db', path.join(directory, 'h.sqlite')], {
      env: { ...process.env, HOLOCRON_API_TOKEN: '', HOLOCRON_API_READ_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /Refusing to serve on 0\.0\.0\.0 without a token/);
  });
});
