/**
 * An attempt's lake files over HTTP: served only after their sha256 matches the recorded one, and no
 * request — nor a tampered row or a planted link — can reach a file outside the lake.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { createServerFixture, type ServerFixture } from './support/server-fixture.ts';
import { dialects, makeTempDirectory } from './support/test-databases.ts';

interface Details {
  job: { id: number; status: string };
  attempts: { id: string; artifacts: { lakePath: string; sha256: string; bytes: number; type: string }[] }[];
}

for (const dialect of dialects) {
  describe(`HTTP API attempt files on ${dialect}`, () => {
    let simulator: RunningSimulator;
    let fixture: ServerFixture;
    let details: Details;
    before(async () => {
      simulator = await startSimulator();
      fixture = await createServerFixture(dialect, { 'ollama.baseUrl': simulator.url, 'ollama.seed': 7 });
      const [job] = await fixture.holocron.enqueue([
        { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['Luke Skywalker was a human male Jedi from Tatooine.'] },
      ]);
      await fixture.holocron.createWorker({ mode: 'drain' }).run();
      details = (await (await fixture.app().request(`/api/jobs/${job!.id}`)).json()) as Details;
    });
    after(async () => {
      await fixture?.close();
      await simulator?.close();
    });

    const url = (name: string, attempt = details.attempts[0]!.id) => `/api/jobs/${details.job.id}/attempts/${attempt}/files/${name}`;

    it('serves every recorded file, its bytes matching the recorded sha256, inert', async () => {
      assert.equal(details.job.status, 'SUCCEEDED');
      const artifacts = details.attempts[0]!.artifacts;
      assert.ok(artifacts.some((artifact) => artifact.type === 'request') && artifacts.some((artifact) => artifact.type === 'output'), JSON.stringify(artifacts));
      for (const artifact of artifacts) {
        const response = await fixture.app().request(url(path.posix.basename(artifact.lakePath)));
        assert.equal(response.status, 200, artifact.lakePath);
        const bytes = Buffer.from(await response.arrayBuffer());
        assert.equal(createHash('sha256').update(bytes).digest('hex'), artifact.sha256);
        assert.equal(bytes.length, artifact.bytes);
        assert.equal(response.headers.get('x-holocron-sha256'), artifact.sha256);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
        assert.doesNotMatch(response.headers.get('content-type') ?? '', /html/);
      }
    });

    it('never reaches outside the lake from the request: ../, encoded dots, absolute paths', async () => {
      const app = fixture.app();
      const attacks = [
        '..',
        '..%2F..%2F..%2Fetc%2Fpasswd',
        '%2e%2e',
        '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '..%5C..%5Cetc%5Cpasswd',
        '%2Fetc%2Fpasswd',
        'request.json%00.txt',
      ];
      for (const attack of attacks) {
        const response = await app.request(url(attack));
        assert.ok(response.status === 400 || response.status === 404, `${attack}: ${response.status}`);
        const body = (await response.json()) as { error: { code: string } };
        assert.ok(['invalid_parameter', 'file_not_found', 'not_found'].includes(body.error.code), `${attack}: ${body.error.code}`);
      }
      for (const raw of [`/api/jobs/${details.job.id}/attempts/${details.attempts[0]!.id}/files/../../../../etc/passwd`, `/api/jobs/${details.job.id}/attempts/..%2F..%2F/files/request.json`, `/api/jobs/${details.job.id}/attempts/${details.attempts[0]!.id}/files//etc/passwd`]) {
        const response = await app.request(raw);
        assert.ok(response.status === 400 || response.status === 404, `${raw}: ${response.status}`);
        assert.doesNotMatch(await response.text(), /root:/);
      }
    });

    it('refuses a recorded path or a link that leads out of the lake, and bytes that do not match their hash', async () => {
      const app = fixture.app();
      const { db } = fixture.holocron.database;
      const artifact = details.attempts[0]!.artifacts.find((row) => row.type === 'request')!;
      const name = path.posix.basename(artifact.lakePath);
      const lakeFile = path.join(fixture.lakeRoot, artifact.lakePath);
      const original = fs.readFileSync(lakeFile);
      const outside = path.join(makeTempDirectory('outside'), 'secret.json');
      fs.writeFileSync(outside, original); // same bytes, same hash: only the path check can stop it

      const setPath = (lakePath: string) => db.updateTable('artifacts').set({ lake_path: lakePath }).where('lake_path', '=', artifact.lakePath).execute();
      const restore = () => db.updateTable('artifacts').set({ lake_path: artifact.lakePath }).where('sha256', '=', artifact.sha256).execute();
      for (const tampered of [path.relative(fixture.lakeRoot, outside), outside]) {
        await setPath(tampered);
        const response = await app.request(url(path.posix.basename(tampered)));
        assert.equal(response.status, 403, tampered);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'lake_path_refused');
        await restore();
      }

      fs.rmSync(lakeFile);
      fs.symlinkSync(outside, lakeFile);
      const linked = await app.request(url(name));
      assert.equal(linked.status, 403, 'a planted symbolic link');
      assert.equal(((await linked.json()) as { error: { code: string } }).error.code, 'lake_path_refused');
      fs.rmSync(lakeFile);

      fs.writeFileSync(lakeFile, Buffer.concat([original, Buffer.from(' ')]));
      const damaged = await app.request(url(name));
      assert.equal(damaged.status, 409);
      const body = (await damaged.json()) as { error: { code: string; expectedSha256: string } };
      assert.equal(body.error.code, 'integrity_error');
      assert.equal(body.error.expectedSha256, artifact.sha256);

      fs.rmSync(lakeFile);
      assert.equal((await app.request(url(name))).status, 404, 'recorded but gone from the lake');
      fs.writeFileSync(lakeFile, original);
      assert.equal((await app.request(url(name))).status, 200, 'restored');
      assert.equal((await app.request(url('nonesuch.json'))).status, 404);
      assert.equal((await app.request(url('request.json', 'no-such-attempt'))).status, 404);
    });
  });
}
