/**
 * The built package, as `npm ci` builds it (`prepare`: `tsc -p tsconfig.build.json`) and as npm
 * installs it: compiled fresh into a temporary folder laid out like `node_modules/holocron` (so a stale
 * or missing `dist/` in the checkout can neither pass nor fail this), its `bin` linked into
 * `node_modules/.bin`, then run with plain Node — no tsx. It catches what only the compiled code can
 * break: import specifiers, the package.json paths (`bin`, `exports`), files read relative to the
 * compiled code (the version, the lake's writer thread).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { makeTempDirectory } from './support/test-databases.ts';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(repository, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: { '.': { import: string; types: string } };
  scripts: { prepare: string };
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertSucceeded(result: Run, label: string): void {
  assert.equal(result.code, 0, `${label}: exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

describe('the built package', () => {
  let project: string;
  let simulator: RunningSimulator;
  let holocron: string;

  before(async () => {
    project = makeTempDirectory('package');
    const installed = path.join(project, 'node_modules', manifest.name);
    fs.mkdirSync(installed, { recursive: true });
    fs.copyFileSync(path.join(repository, 'package.json'), path.join(installed, 'package.json'));
    fs.cpSync(path.join(repository, 'bin'), path.join(installed, 'bin'), { recursive: true });
    // `files` ships src too: the dashboard's browser code is served from there (no build step for it).
    fs.cpSync(path.join(repository, 'src'), path.join(installed, 'src'), { recursive: true });
    // The package's own dependencies, where npm would have put them.
    fs.symlinkSync(path.join(repository, 'node_modules'), path.join(installed, 'node_modules'));
    assert.match(manifest.scripts.prepare, /^tsc -p tsconfig\.build\.json$/, 'the build this test repeats is the one npm ci runs');
    const [built, started] = await Promise.all([
      run(process.execPath, [path.join(repository, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(installed, 'dist')], repository),
      startSimulator(),
    ]);
    simulator = started;
    assertSucceeded(built, 'tsc -p tsconfig.build.json');
    const bin = path.join(project, 'node_modules', '.bin');
    fs.mkdirSync(bin);
    holocron = path.join(bin, 'holocron');
    fs.symlinkSync(path.join('..', manifest.name, manifest.bin.holocron!), holocron);
  });
  after(async () => {
    await simulator?.close();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it('runs as an installed command: --version, enqueue, work (with the lake writer thread), jobs stats', async () => {
    const [version, enqueued] = await Promise.all([
      run(holocron, ['--version'], project),
      run(holocron, ['enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'planet', '--entity-id', 'hoth', '--evidence', 'Hoth is an ice planet.', '--json'], project),
    ]);
    assertSucceeded(version, 'holocron --version');
    assert.equal(version.stdout, `${manifest.version}\n`);
    assertSucceeded(enqueued, 'holocron enqueue');
    assert.equal((JSON.parse(enqueued.stdout) as { enqueued: number }).enqueued, 1);

    const worked = await run(holocron, ['work', '--drain', '--ollama-url', simulator.url, '--json'], project);
    assertSucceeded(worked, 'holocron work');
    assert.equal((JSON.parse(worked.stdout) as { succeeded: number }).succeeded, 1, worked.stderr);
    const stats = await run(holocron, ['jobs', 'stats', '--json'], project);
    assertSucceeded(stats, 'holocron jobs stats');
    assert.equal((JSON.parse(stats.stdout) as { byStatus: { SUCCEEDED: number } }).byStatus.SUCCEEDED, 1);
    const outputs = fs.readdirSync(path.join(project, 'lake'), { recursive: true }).map(String).filter((file) => file.endsWith('output.json'));
    assert.equal(outputs.length, 1, 'the attempt landed in the lake');
  });

  it('is importable as a library through its exports', async () => {
    for (const file of [manifest.exports['.'].import, manifest.exports['.'].types]) {
      assert.ok(fs.existsSync(path.join(project, 'node_modules', manifest.name, file)), `${file} exists`);
    }
    const imported = await run(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import('${manifest.name}'); console.log([typeof m.openHolocron, typeof m.loadConfig, typeof m.listJobPage].join(' '));`],
      project,
    );
    assertSucceeded(imported, `import('${manifest.name}')`);
    assert.equal(imported.stdout, 'function function function\n');
  });

  it('serves the dashboard from the installed package: the page, its modules and the vendored libraries', async () => {
    const child = spawn(holocron, ['serve', '--port', '0'], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      child.stderr.on('data', (chunk) => (output += chunk));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /serving on (http:\/\/[^\s]+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.on('close', () => reject(new Error(`holocron serve ended: ${output}`)));
      });
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="importmap">/);
      for (const asset of ['/ui/app.js', '/ui/styles.css', '/ui/vendor/preact.mjs', '/ui/vendor/preact-hooks.mjs', '/ui/vendor/htm.mjs', '/ui/vendor/uplot.mjs']) {
        const response = await fetch(`${url}${asset}`);
        assert.equal(response.status, 200, asset);
        assert.ok((await response.text()).length > 100, `${asset} has content`);
      }
      assert.equal((await fetch(`${url}/ui/dashboard-routes.ts`)).status, 404, 'only the browser files are served');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'close');
    }
  });
});
