/**
 * The lake's writer thread: writes attempts off the event loop and answers with their artifacts. It
 * says `{ ready: true }` once it listens; until then the lake writes on the calling thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LakeFile } from './lake.ts';
import { writeAttemptFolder, type AttemptWriterState } from './write-attempt-folder.ts';

export interface WriteRequest {
  id: number;
  runId: string;
  startedAt: number;
  files: LakeFile[];
}

const root = (workerData as { root: string }).root;
const state: AttemptWriterState = { knownDirectories: new Set(), staged: 0 };

parentPort!.on('message', (request: WriteRequest) => {
  try {
    const written = writeAttemptFolder(root, request.runId, request.startedAt, request.files, state);
    parentPort!.postMessage({ id: request.id, written });
  } catch (error) {
    const { name, message } = error as Error;
    parentPort!.postMessage({ id: request.id, error: { name, message } });
  }
});
parentPort!.postMessage({ ready: true });
