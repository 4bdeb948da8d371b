/**
 * Starts a worker thread on a module beside the caller: the compiled `.js` normally; from the `.ts`
 * sources (tests, development, run under tsx) through a bootstrap that registers tsx in the thread,
 * since Node 20 does not carry `--import` loaders into worker threads.
 *
 * `callerUrl` is the caller's `import.meta.url`, `name` the module's file name without extension.
 */
import { Worker } from 'node:worker_threads';

export function startModuleThread(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData });
}
