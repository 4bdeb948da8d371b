/** One of `lake fsck`'s threads: checks the batches of files it is sent and answers with their problems. */
import { parentPort, workerData } from 'node:worker_threads';
import { createLakeFileChecker, type LakeFileBatch } from './check-lake-files.ts';

export interface LakeFsckRequest {
  id: number;
  batch: LakeFileBatch;
}

const check = createLakeFileChecker((workerData as { root: string }).root);

parentPort!.on('message', (request: LakeFsckRequest) => {
  try {
    parentPort!.postMessage({ id: request.id, findings: check(request.batch) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { message: (error as Error).message } });
  }
});
