/**
 * Timer helpers for simulated waits (model load, generation) that end early when the client goes away.
 */
import { abandonOnAbort } from '../support/abandon-on-abort.ts';

export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** Resolves after `milliseconds`, or rejects with ClientGoneError as soon as `signal` aborts. */
export function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new ClientGoneError('the client went away'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ClientGoneError('the client went away'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for a shared promise (e.g. a model load other requests also wait for) unless `signal` aborts. */
export function abortableWait<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  return abandonOnAbort(shared, signal, () => new ClientGoneError('the client went away'));
}

/** Nanoseconds elapsed between two `process.hrtime.bigint()` readings. */
export function elapsedNanoseconds(since: bigint, until: bigint = process.hrtime.bigint()): number {
  return Number(until - since);
}
