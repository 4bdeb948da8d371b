/**
 * The lake on a local filesystem: `{root}/llm_runs/{yyyy}/{mm}/{dd}/{run_id}/{file}`.
 *
 * Attempts are written by a dedicated writer thread: creating an attempt's files is the largest single
 * cost of a job (on this project's test machines 0.1 ms on tmpfs, up to 1 ms on ext4, per attempt), and
 * on the event loop it would stall HTTP streams and lease renewals; on its own thread it also uses
 * another core. The thread writes synchronously — for small files an eighth of the CPU of the promise
 * API's thread-pool round trips. `{ writerThread: false }` writes inline instead.
 *
 * The thread is started by the first write and takes a while to be ready (from the TypeScript sources
 * through tsx, ~0.7 s on these machines); until it says so, attempts are written inline, so a worker's
 * first attempts do not wait for it (they held their handlers, and so the next calls, for that long).
 * A thread that fails before it is ready leaves the lake writing inline.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../support/start-module-thread.ts';
import type { Lake, LakeFile, WrittenAttempt } from './lake.ts';
import type { WriteRequest } from './lake-writer-thread.ts';
import { checkAttemptNames, LakePathError, writeAttemptFolder, type AttemptWriterState } from './write-attempt-folder.ts';

export { LakePathError };

export interface LocalLakeOptions {
  /** Write on a dedicated thread (default true). */
  writerThread?: boolean;
}

type Reply = { id: number; written: WrittenAttempt } | { id: number; error: { name: string; message: string } };
/** The thread's first message: it listens. */
type Ready = { ready: true };

/** Starts the writer thread (support/start-module-thread.ts: the compiled .js, or the .ts under tsx). */
function startWriterThread(root: string): Worker {
  return startModuleThread(import.meta.url, 'lake-writer-thread', { root });
}

export function createLocalLake(root: string, options: LocalLakeOptions = {}): Lake {
  const absoluteRoot = path.resolve(root);
  const write = options.writerThread === false ? inlineWriter(absoluteRoot) : threadWriter(absoluteRoot);
  return {
    location: absoluteRoot,

    async writeAttempt(runId: string, startedAt: Date, files: readonly LakeFile[]): Promise<WrittenAttempt> {
      checkAttemptNames(runId, files);
      return write(runId, startedAt.getTime(), files);
    },

    async read(lakePath: string): Promise<Buffer> {
      if (path.isAbsolute(lakePath) || lakePath.includes('\0')) throw new LakePathError(`Not a lake path (relative to the lake root): ${lakePath}`);
      const resolved = path.resolve(absoluteRoot, lakePath);
      if (!resolved.startsWith(absoluteRoot + path.sep)) throw new LakePathError(`Lake path escapes the lake: ${lakePath}`);
      // A symbolic link inside the lake must not lead out of it either: compare the real paths.
      const [realRoot, realFile] = await Promise.all([fs.promises.realpath(absoluteRoot), fs.promises.realpath(resolved)]);
      if (!realFile.startsWith(realRoot + path.sep)) throw new LakePathError(`Lake path leads out of the lake through a link: ${lakePath}`);
      return fs.promises.readFile(realFile);
    },
  };
}

type Writer = (runId: string, startedAt: number, files: readonly LakeFile[]) => Promise<WrittenAttempt>;

function inlineWriter(root: string): Writer {
  const state: AttemptWriterState = { knownDirectories: new Set(), staged: 0 };
  return async (runId, startedAt, files) => writeAttemptFolder(root, runId, startedAt, files, state);
}

function threadWriter(root: string): Writer {
  const inline = inlineWriter(root);
  let worker: Worker | null = null;
  let ready = false;
  /** The thread failed before it was ready: write inline from then on rather than start it again and again. */
  let gaveUp = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: (written: WrittenAttempt) => void; reject: (error: Error) => void }>();

  function failAll(error: Error): void {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = null;
    if (!ready) gaveUp = true;
    ready = false;
  }

  function start(): Worker {
    const started = startWriterThread(root);
    started.on('message', (reply: Reply | Ready) => {
      if ('ready' in reply) {
        if (worker === started) ready = true;
        return;
      }
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      // Only writes in progress keep the process alive, never an idle writer thread.
      if (pending.size === 0) started.unref();
      if ('written' in reply) waiter.resolve(reply.written);
      else {
        const error = reply.error.name === 'LakePathError' ? new LakePathError(reply.error.message) : new Error(reply.error.message);
        waiter.reject(error);
      }
    });
    started.on('error', (error) => {
      if (worker === started) failAll(new Error(`the lake writer thread failed: ${error.message}`));
    });
    started.on('exit', (code) => {
      if (worker === started) failAll(new Error(`the lake writer thread exited (${code})`));
    });
    started.unref();
    return started;
  }

  return (runId, startedAt, files) => {
    if (!gaveUp) worker ??= start();
    if (!ready || worker === null) return inline(runId, startedAt, files);
    const thread = worker;
    return new Promise<WrittenAttempt>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      thread.ref();
      const request: WriteRequest = { id, runId, startedAt, files: files as LakeFile[] };
      thread.postMessage(request);
    });
  };
}
