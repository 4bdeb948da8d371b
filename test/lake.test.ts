/** The local lake: the seed's layout, whole attempts or nothing, hashes of the exact bytes, no escapes. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createLocalLake } from '../src/lake/local-lake.ts';
import { makeTempDirectory } from './support/test-databases.ts';

describe('local lake', () => {
  const root = makeTempDirectory('lake-unit');
  const lake = createLocalLake(root);
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes an attempt under llm_runs/yyyy/mm/dd/run_id with the sha256 and size of each file', async () => {
    const written = await lake.writeAttempt('run-1', new Date(Date.UTC(2026, 0, 5, 23, 59)), [
      { name: 'prompt.txt', type: 'prompt', content: 'Luke & Leia — “twins”' },
      { name: 'output.json', type: 'output', content: Buffer.from('{"a":1}\n') },
    ]);
    assert.equal(written.directory, 'llm_runs/2026/01/05/run-1');
    for (const artifact of written.artifacts) {
      const bytes = fs.readFileSync(path.join(root, artifact.lakePath));
      assert.equal(artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(artifact.bytes, bytes.byteLength);
      assert.deepEqual(await lake.read(artifact.lakePath), bytes);
    }
    assert.equal(fs.readFileSync(path.join(root, written.directory, 'prompt.txt'), 'utf8'), 'Luke & Leia — “twins”');
  });

  it('leaves nothing behind when an attempt cannot be written whole', async () => {
    const day = path.join(root, 'llm_runs/2026/02/01');
    await assert.rejects(
      lake.writeAttempt('run-2', new Date(Date.UTC(2026, 1, 1)), [
        { name: 'request.json', type: 'request', content: '{}' },
        { name: '../escape.json', type: 'output', content: '{}' },
      ]),
      /Not a safe lake file name/,
    );
    // The same attempt id written twice is refused rather than overwriting the first.
    await lake.writeAttempt('run-3', new Date(Date.UTC(2026, 1, 1)), [{ name: 'a.txt', type: 'prompt', content: 'first' }]);
    await assert.rejects(lake.writeAttempt('run-3', new Date(Date.UTC(2026, 1, 1)), [{ name: 'a.txt', type: 'prompt', content: 'second' }]));
    assert.equal(fs.readFileSync(path.join(day, 'run-3', 'a.txt'), 'utf8'), 'first');
    assert.deepEqual(fs.readdirSync(day).sort(), ['run-3'], 'no half-written or staging folders remain');
  });

  it('refuses attempt ids and read paths that would leave the lake', async () => {
    await assert.rejects(lake.writeAttempt('../../etc', new Date(), []), /Not a safe attempt id/);
    await assert.rejects(lake.read('../outside.txt'), /escapes the lake/);
  });
});

describe('local lake, writer thread starting', () => {
  const root = makeTempDirectory('lake-thread');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const day = new Date(Date.UTC(2026, 2, 3));
  const onDisk = (runId: string) => fs.existsSync(path.join(root, 'llm_runs/2026/03/03', runId, 'a.txt'));

  it('writes the first attempts inline while the thread starts, then through the thread, every one whole', async () => {
    const lake = createLocalLake(root);
    // The thread is started by this write and cannot have said it is ready: the attempt is written
    // before writeAttempt returns, not handed over.
    const first = lake.writeAttempt('first', day, [{ name: 'a.txt', type: 'prompt', content: 'first' }]);
    assert.ok(onDisk('first'), 'the first attempt is on disk at once (written inline)');
    await first;
    // Once the thread is ready a write is handed to it: not yet on disk when writeAttempt returns.
    // (Eventually: the thread's start takes a while; a write it finishes before the check is looked past.)
    let handedOver: string | null = null;
    const written: Promise<unknown>[] = [first];
    for (let index = 0; handedOver === null && index < 3000; index++) {
      const runId = `attempt-${index}`;
      written.push(lake.writeAttempt(runId, day, [{ name: 'a.txt', type: 'prompt', content: runId }]));
      if (!onDisk(runId)) handedOver = runId;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(handedOver !== null, 'a write went to the writer thread once it was ready');
    const results = (await Promise.all(written)) as { directory: string; artifacts: { lakePath: string; sha256: string }[] }[];
    for (const result of results) {
      const bytes = fs.readFileSync(path.join(root, result.artifacts[0]!.lakePath));
      assert.equal(result.artifacts[0]!.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(bytes.toString('utf8'), result.directory.split('/').at(-1));
    }
    assert.ok(!fs.readdirSync(path.join(root, 'llm_runs/2026/03/03')).some((name) => name.startsWith('.incoming-')), 'no staging folder is left');
  });
});
