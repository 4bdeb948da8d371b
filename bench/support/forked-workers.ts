/**
 * The start protocol of the benchmarks' worker processes: fork them, wait until each has connected and
 * says `ready`, start the clock, send `go`, and collect each one's `done` report. Start-up is left out of
 * the timing, as in the competitors' runs.
 */
import { fork, type ChildProcess } from 'node:child_process';

export type WorkerReport = Record<string, unknown>;

export interface ForkedRun {
  seconds: number;
  reports: WorkerReport[];
}

export async function runForkedWorkers(entry: string, args: string[], count: number): Promise<ForkedRun> {
  const children = Array.from({ length: count }, () =>
    fork(entry, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(children.map((child) => nextMessage(child, 'ready')));
  const started = performance.now();
  for (const child of children) child.send('go');
  const reports = await Promise.all(children.map((child) => nextMessage(child, 'done')));
  return { seconds: (performance.now() - started) / 1000, reports };
}

/** In a forked worker: report ready, wait for go, run, report done (or the error). */
export async function serveForkedWorker(prepare: () => Promise<{ run: () => Promise<WorkerReport>; close: () => Promise<void> }>): Promise<void> {
  let close: (() => Promise<void>) | undefined;
  try {
    const prepared = await prepare();
    close = prepared.close;
    process.send!({ type: 'ready' });
    await new Promise((resolve) => process.once('message', resolve));
    process.send!({ type: 'done', ...(await prepared.run()) });
  } catch (error) {
    process.send!({ type: 'error', message: (error as Error).message });
  } finally {
    await close?.();
  }
  process.disconnect();
}

function nextMessage(child: ChildProcess, type: string): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerReport) => {
      if (message?.type === type) {
        child.off('message', onMessage);
        resolve(message);
      } else if (message?.type === 'error') reject(new Error(String(message.message)));
    };
    child.on('message', onMessage);
    child.once('exit', (code) => (code !== 0 ? reject(new Error(`a benchmark worker exited with ${code}`)) : undefined));
  });
}
