/** Runs the simulator in its own process (`holocron sim`), so it has its own core, as a real server would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
  /** SIGKILL: the server dies with its connections (a crash, not a shutdown). */
  kill(): Promise<void>;
}

export async function startSimulatorProcess(flags: string[]): Promise<SimulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--import', path.join(repository, 'node_modules/tsx/dist/loader.mjs'), path.join(repository, 'test/support/run-cli.ts'), 'sim', '--port', '0', ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`the simulator exited (${code}) before listening: ${output}`)));
  });
  child.stdout!.resume();
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
