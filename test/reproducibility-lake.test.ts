/**
 * Issue 10, points 4 and 5 on real SQLite and PostgreSQL: `lake fsck` finds a flipped byte, a truncated
 * file, a missing file, an orphan folder (and a writer's stale staging folder) and a missing folder,
 * reports them by kind and exits non-zero; `--repair` moves orphans to quarantine and deletes nothing;
 * `lake gc` removes only folders nothing references; `jobs purge` removes old history except what a
 * document, an evaluation item, a cache entry or a derived attempt references.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { lakeFsck } from '../src/reproducibility/lake-fsck.ts';
import { lakeGc } from '../src/reproducibility/lake-gc.ts';
import { purgeJobs } from '../src/reproducibility/purge-jobs.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const job = (entityId: string, extra: Record<string, unknown> = {}) => ({
  interrogation: 'sw_entity_facts_v1',
  entity_type: 'character',
  entity_id: entityId,
  evidence: [`${entityId} appears in the saga.`],
  ...extra,
});

const old = new Date(Date.now() - 3_600_000);

for (const dialect of dialects) {
  describe(`lake fsck, gc and jobs purge on ${dialect}`, () => {
    let test: TestDatabase;
    let workspace: string;
    let lakeRoot: string;
    let simulator: RunningSimulator;
    let holocron: Holocron;

    /** A copy of a recorded folder under a new attempt id nothing knows, written an hour ago. */
    function makeOrphan(from: string): string {
      const folder = `${path.posix.dirname(from)}/${randomUUID()}`;
      fs.cpSync(path.join(lakeRoot, from), path.join(lakeRoot, folder), { recursive: true });
      fs.utimesSync(path.join(lakeRoot, folder), old, old);
      return folder;
    }

    const recordedFolders = async () =>
      (await holocron.database.db.selectFrom('runs').select('lake_dir').distinct().where('lake_dir', 'is not', null).execute()).map((row) => row.lake_dir!);

    before(async () => {
      test = await createTestDatabase(dialect);
      workspace = makeTempDirectory('lake-fsck');
      lakeRoot = path.join(workspace, 'lake');
      simulator = await startSimulator();
      holocron = await openHolocron(
        testConfig({
          'database.url': test.url,
          'lake.root': lakeRoot,
          'ollama.baseUrl': simulator.url,
          'ollama.seed': 3,
          'cache.mode': 'readwrite',
          'worker.pollSeconds': 0.05,
          'retry.baseDelaySeconds': 0.01,
        }),
      );
      await holocron.enqueue([job('luke'), job('leia'), job('han'), job('lando', { model: 'no-such-model' }), { kind: 'noop', input: {} }]);
      await holocron.createWorker({ mode: 'drain' }).run();
      // Served from the cache: an attempt with no folder of its own.
      await holocron.enqueue([job('luke')]);
      await holocron.createWorker({ mode: 'drain' }).run();
    });
    after(async () => {
      await holocron?.close();
      await simulator?.close();
      await test?.destroy();
      fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('finds nothing wrong with a lake as it was written', async () => {
      for (const quick of [false, true]) {
        const report = await lakeFsck(holocron.database, lakeRoot, { quick });
        assert.equal(report.ok, true, JSON.stringify(report.problems));
        assert.ok(report.checked.artifacts >= 20);
        assert.equal(report.checked.lakeFolders, 4, 'three answered jobs and the missing model; the cache hit and the no-op have no folder of their own');
      }
    });

    it('gc removes only what nothing references, listing it with sizes first', async () => {
      const [folder] = await recordedFolders();
      const orphan = makeOrphan(folder!);
      const dry = await lakeGc(holocron.database, lakeRoot, { dryRun: true });
      assert.deepEqual(dry.folders.map((entry) => entry.path), [orphan]);
      assert.ok(dry.folders[0]!.bytes > 0 && dry.folders[0]!.files >= 5);
      assert.ok(fs.existsSync(path.join(lakeRoot, orphan)), 'a dry run removes nothing');
      const done = await lakeGc(holocron.database, lakeRoot);
      assert.equal(done.bytes, dry.bytes);
      assert.equal(fs.existsSync(path.join(lakeRoot, orphan)), false);
      for (const recorded of await recordedFolders()) assert.ok(fs.existsSync(path.join(lakeRoot, recorded)), `${recorded} is referenced and kept`);
      const documents = await holocron.database.db.selectFrom('documents').select('doc_dir').execute();
      for (const document of documents) assert.ok(fs.existsSync(path.join(lakeRoot, document.doc_dir)));
    });

    it('purge removes old history nothing references and keeps every referenced job', async () => {
      const all = await holocron.database.db.selectFrom('jobs').select(['id', 'status', 'kind']).execute();
      const dry = await purgeJobs(holocron.database, { statuses: ['SUCCEEDED', 'DEADLETTER'], olderThanMs: 0, dryRun: true, lakeRoot });
      // Kept: the three answered jobs and the hit have documents (the source also has its cache entry).
      assert.equal(dry.kept.document, 4, JSON.stringify(dry.kept));
      assert.deepEqual(dry.jobs.map((entry) => entry.status).sort(), ['DEADLETTER', 'SUCCEEDED'], 'the missing model and the no-op');
      assert.equal(dry.folders.length, 1);
      assert.equal((await holocron.database.db.selectFrom('jobs').select('id').execute()).length, all.length, 'a dry run removes nothing');

      const done = await purgeJobs(holocron.database, { statuses: ['SUCCEEDED', 'DEADLETTER'], olderThanMs: 0, lakeRoot });
      assert.equal(done.purged.jobs, 2);
      assert.equal(done.purged.bytes, dry.purged.bytes);
      assert.equal(fs.existsSync(path.join(lakeRoot, dry.folders[0]!.path)), false);
      const left = await holocron.database.db.selectFrom('jobs').select('id').execute();
      assert.equal(left.length, all.length - 2);
      assert.equal((await holocron.database.db.selectFrom('runs').select('id').where('job_id', 'in', dry.jobs.map((entry) => entry.id)).execute()).length, 0);
      for (const recorded of await recordedFolders()) assert.ok(fs.existsSync(path.join(lakeRoot, recorded)));
      assert.equal((await lakeFsck(holocron.database, lakeRoot)).ok, true, 'the lake is whole after a purge');
      // Nothing older than a day.
      const none = await purgeJobs(holocron.database, { statuses: ['SUCCEEDED'], olderThanMs: 86_400_000, lakeRoot });
      assert.equal(none.candidates, 0);
    });

    it('finds a flipped byte, a truncated file, a missing file, an orphan folder and a missing folder, and repairs orphans into quarantine', async () => {
      const artifacts = await holocron.database.db.selectFrom('artifacts').select(['run_id', 'lake_path', 'artifact_type']).orderBy('id').execute();
      const folders = [...new Set(artifacts.map((artifact) => artifact.lake_path.slice(0, artifact.lake_path.lastIndexOf('/'))))];
      assert.ok(folders.length >= 3);
      const [a, b, c] = folders;
      const inFolder = (folder: string, type: string) => artifacts.find((artifact) => artifact.lake_path.startsWith(`${folder}/`) && artifact.artifact_type === type)!.lake_path;
      const flipped = inFolder(a!, 'output');
      const bytes = fs.readFileSync(path.join(lakeRoot, flipped));
      bytes[10] = bytes[10]! ^ 0x20;
      fs.writeFileSync(path.join(lakeRoot, flipped), bytes);
      const truncated = inFolder(a!, 'raw');
      fs.truncateSync(path.join(lakeRoot, truncated), 5);
      const missing = inFolder(b!, 'prompt');
      fs.rmSync(path.join(lakeRoot, missing));
      const orphan = makeOrphan(b!);
      const staging = `${path.posix.dirname(b!)}/.incoming-${randomUUID()}-1-0-1`;
      fs.mkdirSync(path.join(lakeRoot, staging));
      fs.utimesSync(path.join(lakeRoot, staging), old, old);
      const moved = path.join(workspace, 'moved-away');
      fs.renameSync(path.join(lakeRoot, c!), moved);

      const full = await lakeFsck(holocron.database, lakeRoot);
      assert.equal(full.ok, false);
      const paths = (kind: string) => full.problems.filter((problem) => problem.kind === kind).map((problem) => problem.path);
      assert.deepEqual(paths('hash_mismatch'), [flipped]);
      assert.deepEqual(paths('size_mismatch'), [truncated]);
      assert.deepEqual(paths('missing_file'), [missing]);
      assert.deepEqual(paths('orphan_folder'), [orphan]);
      assert.deepEqual(paths('orphan_staging'), [staging]);
      assert.deepEqual(paths('missing_folder'), [c]);
      const quick = await lakeFsck(holocron.database, lakeRoot, { quick: true });
      assert.equal(quick.counts.hash_mismatch + quick.counts.size_mismatch, 0, '--quick reads no file: changed bytes are for the full check');
      assert.deepEqual(quick.problems.filter((problem) => problem.kind === 'missing_file').map((problem) => problem.path), [missing]);
      assert.equal(quick.counts.missing_folder + quick.counts.orphan_folder + quick.counts.orphan_staging, 3);
      // A lake this small is checked on the event loop; a big one on fsck's threads: the same findings,
      // in the same order, with the rows in pages of 5 and the files in batches of 2 across two threads.
      for (const mode of [false, true]) {
        const inline = await lakeFsck(holocron.database, lakeRoot, { quick: mode, threads: 0 });
        const progress: number[] = [];
        const threaded = await lakeFsck(holocron.database, lakeRoot, { quick: mode, threads: 2, batchSize: 2, pageSize: 5, onProgress: (done) => progress.push(done) });
        assert.deepEqual(threaded.counts, inline.counts);
        assert.deepEqual(threaded.problems, inline.problems);
        assert.deepEqual(threaded.problems, (mode ? quick : full).problems);
        assert.equal(threaded.checked.artifacts, inline.checked.artifacts);
        assert.deepEqual(progress, [...progress].sort((x, y) => x - y), 'progress only goes forward');
        assert.equal(progress.at(-1), threaded.checked.artifacts);
      }

      // As a user runs it: JSON out, exit 1 (one process start is enough: on the embedded default).
      if (dialect === 'sqlite') {
        const cli = await runCli(['--db', test.url, '--lake-root', lakeRoot, 'lake', 'fsck', '--json']);
        assert.equal(cli.code, 1, cli.stderr);
        assert.equal(JSON.parse(cli.stdout).counts.missing_folder, 1);
      }

      const repaired = await lakeFsck(holocron.database, lakeRoot, { repair: true });
      assert.deepEqual(repaired.quarantined.map((entry) => entry.from).sort(), [orphan, staging].sort());
      for (const entry of repaired.quarantined) {
        assert.equal(fs.existsSync(path.join(lakeRoot, entry.from)), false);
        assert.ok(fs.existsSync(path.join(lakeRoot, entry.to)), 'moved, not deleted');
      }
      const after = await lakeFsck(holocron.database, lakeRoot);
      assert.equal(after.counts.orphan_folder + after.counts.orphan_staging, 0);
      assert.equal(after.counts.hash_mismatch, 1, 'changed files are reported, never "repaired"');
      fs.renameSync(moved, path.join(lakeRoot, c!));
    });
  });
}
