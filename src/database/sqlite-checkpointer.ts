/**
 * Checkpoints a SQLite file's write-ahead log from a thread of its own, so the connection that writes
 * never does.
 *
 * Why: SQLite's automatic checkpoint runs inside the COMMIT that takes the log past 1,000 pages, on the
 * committing connection — for a worker, on the event loop. It copies the logged pages into the database
 * file and fsyncs it: measured on this project's VMs, a third of a cache-hit drain's commits took 10–180
 * ms that way (3.1 s of a 10,000-job drain), against 3–4 ms for a plain commit.
 *
 * How: while a checkpointer runs, the writing connection's automatic checkpoint is raised to a backstop
 * (`backstopPages`: it only acts if this thread dies or falls far behind), and a second connection in a
 * worker thread does PASSIVE checkpoints every `intervalMs` — they copy and fsync without taking the
 * write lock, so commits go on meanwhile. A passive checkpoint alone seldom lets the log start over
 * (the log restarts only when a write begins with every page already copied, and commits keep coming),
 * so once the log holds `restartPages` pages the thread asks for a RESTART checkpoint: it waits for the
 * write lock, copies what the passive one left (a few commits' pages) and makes the next writer start
 * the log from its beginning. That bounds the log file at about `restartPages` pages. A RESTART holds
 * the write lock while it waits for readers, so it is only tried when the passive checkpoint just copied
 * every page (no reader holds an older snapshot), waits at most `restartWaitMs`, and after one that gave
 * up the next waits for twice the log — behind a long reader the log grows, as it does without this.
 *
 * The thread's code is plain JavaScript run with `eval` (it needs only better-sqlite3), so it starts in
 * milliseconds from the built package and from the TypeScript sources alike.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

export interface SqliteCheckpointerOptions {
  /** Milliseconds between passive checkpoints (default 100). */
  intervalMs?: number;
  /** Log pages past which the thread restarts the log (default 4,096: 16 MiB at 4 KiB pages). */
  restartPages?: number;
  /**
   * How long a RESTART may wait (default 100 ms). It holds the write lock while it waits for readers of
   * older snapshots to finish, so this bounds how long it can hold up a commit; one that times out gives
   * up and is tried again at the next interval (the log grows meanwhile, as it does behind any reader).
   */
  restartWaitMs?: number;
  /** The writing connection's automatic checkpoint while the thread runs (default 16,384 pages). */
  backstopPages?: number;
  /** A checkpoint failed (the thread goes on; the backstop still bounds the log). */
  onError?: (error: Error) => void;
}

export interface SqliteCheckpointer {
  /** Stops the thread (after the checkpoint in progress) and gives the connection its automatic checkpoint back. */
  stop(): Promise<void>;
}

const threadCode = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const connection = new Database(workerData.file, { fileMustExist: true });
connection.pragma('busy_timeout = ' + workerData.restartWaitMs);
let stopping = false;
let timer = null;
let restartAt = workerData.restartPages;
const checkpoint = (mode) => connection.pragma('wal_checkpoint(' + mode + ')')[0];
const tick = () => {
  timer = null;
  if (stopping) return;
  try {
    const passive = checkpoint('PASSIVE');
    if (passive.log < workerData.restartPages) restartAt = workerData.restartPages;
    // Only when the passive one copied every page: no reader holds an older snapshot to wait out.
    else if (passive.log >= restartAt && passive.checkpointed === passive.log) {
      const restart = checkpoint('RESTART');
      restartAt = restart.busy ? restartAt * 2 : workerData.restartPages;
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', () => {
  stopping = true;
  if (timer) clearTimeout(timer);
  connection.close();
  parentPort.close();
});
tick();
`;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/** The automatic checkpoint SQLite starts with, given back on stop. */
const defaultAutocheckpointPages = 1000;

export function startSqliteCheckpointer(connection: BetterSqlite3.Database, file: string, options: SqliteCheckpointerOptions = {}): SqliteCheckpointer {
  const { intervalMs = 100, restartPages = 4096, backstopPages = 16_384, restartWaitMs = 100, onError } = options;
  connection.pragma(`wal_autocheckpoint = ${backstopPages}`);
  // A small heap: the thread holds one connection and a timer.
  const thread = new Worker(threadCode, { eval: true, workerData: { driverPath, file, intervalMs, restartPages, restartWaitMs }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 } });
  thread.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) onError?.(new Error(`background checkpoint of ${file} failed: ${message.error}`));
  });
  thread.on('error', (error) => onError?.(error));
  thread.unref(); // a process that ends without stopping it ends anyway: a checkpoint cut off is safe in SQLite
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        thread.ref(); // held until it has exited
        thread.postMessage('stop');
        await exited;
        if (connection.open) connection.pragma(`wal_autocheckpoint = ${defaultAutocheckpointPages}`);
      })();
      return stopped;
    },
  };
}

/**
 * One checkpointer per connection however many users hold it (several workers in one process): the
 * first `acquire` starts the thread, the last handle's `stop` stops it; `stopAll` before the connection
 * closes.
 */
export function sharedSqliteCheckpointer(connection: BetterSqlite3.Database, file: string, options: Omit<SqliteCheckpointerOptions, 'onError'> = {}) {
  let running: SqliteCheckpointer | null = null;
  const holders = new Set<{ onError?: (error: Error) => void }>();
  const stopAll = async () => {
    holders.clear();
    const stopping = running;
    running = null;
    await stopping?.stop();
  };
  return {
    acquire(onError?: (error: Error) => void): SqliteCheckpointer {
      const holder = { onError };
      holders.add(holder);
      running ??= startSqliteCheckpointer(connection, file, { ...options, onError: (error) => holders.forEach((each) => each.onError?.(error)) });
      let released = false;
      return {
        async stop() {
          if (released) return;
          released = true;
          holders.delete(holder);
          if (holders.size === 0) await stopAll();
        },
      };
    },
    stopAll,
  };
}
