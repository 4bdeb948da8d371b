/**
 * `lake fsck`'s threads: reading and hashing files (or listing folders, for --quick) is nearly all
 * system calls and sha256, which one thread does one at a time; a few threads use the other cores while
 * the event loop reads the next rows. Each batch goes to the thread with the fewest waiting.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../support/start-module-thread.ts';
import type { LakeFileBatch, LakeFileFinding } from './check-lake-files.ts';
import type { LakeFsckRequest } from './lake-fsck-thread.ts';

type Reply = { id: number; findings: LakeFileFinding[] } | { id: number; error: { message: string } };

export interface LakeFsckPool {
  check(batch: LakeFileBatch): Promise<LakeFileFinding[]>;
  close(): Promise<void>;
}

/** Starts a checking thread (support/start-module-thread.ts: the compiled .js, or the .ts under tsx). */
function startFsckThread(root: string): Worker {
  return startModuleThread(import.meta.url, 'lake-fsck-thread', { root });
}

export function startLakeFsckPool(root: string, threads: number): LakeFsckPool {
  let nextId = 0;
  let failure: Error | null = null;
  let closing = false;
  const pending = new Map<number, { resolve: (findings: LakeFileFinding[]) => void; reject: (error: Error) => void }>();
  const waiting: number[] = [];
  const workers: Worker[] = [];
  const failAll = (error: Error) => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
  };
  for (let index = 0; index < threads; index++) {
    const worker = startFsckThread(root);
    waiting.push(0);
    worker.on('message', (reply: Reply) => {
      waiting[index]!--;
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if ('findings' in reply) waiter.resolve(reply.findings);
      else waiter.reject(new Error(`lake fsck thread: ${reply.error.message}`));
    });
    worker.on('error', (error) => failAll(new Error(`a lake fsck thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!closing) failAll(new Error(`a lake fsck thread exited (${code})`));
    });
    workers.push(worker);
  }
  return {
    check(batch) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        let chosen = 0;
        for (let index = 1; index < workers.length; index++) if (waiting[index]! < waiting[chosen]!) chosen = index;
        waiting[chosen]!++;
        const request: LakeFsckRequest = { id, batch };
        workers[chosen]!.postMessage(request);
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
