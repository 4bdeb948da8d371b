/**
 * What `/api/events` pushes: one poller per server (not per client) reads the overview stats every
 * `intervalMs` while anyone listens and tells every listener when they changed; each stream also
 * watches the jobs its page shows (primary-key lookups, at most `maxWatchedJobs`). The server's own
 * actions `poke()` it, so a retry from a page shows at once.
 */
import type { Holocron } from '../holocron.ts';
import { readOverviewStats, type OverviewStats } from './routes/stats-routes.ts';

export const maxWatchedJobs = 500;

export interface LiveEvents {
  /** The latest stats (read now if none yet), and a call on every change until unsubscribed. */
  subscribe(onStats: (stats: OverviewStats) => void): () => void;
  /** Read again now (after an action). */
  poke(): void;
  readonly listeners: number;
  close(): void;
}

export function createLiveEvents(holocron: Holocron, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): LiveEvents {
  const intervalMs = options.intervalMs ?? 2000;
  const listeners = new Set<(stats: OverviewStats) => void>();
  let last: { stats: OverviewStats; text: string } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let reading: Promise<void> | null = null;
  let closed = false;

  const read = (): Promise<void> =>
    (reading ??= (async () => {
      try {
        const stats = await readOverviewStats(holocron);
        const text = JSON.stringify(stats);
        if (last?.text === text) return;
        last = { stats, text };
        for (const listener of listeners) listener(stats);
      } catch (error) {
        options.onError?.(error);
      } finally {
        reading = null;
      }
    })());

  const start = () => {
    if (timer || closed) return;
    timer = setInterval(() => void read(), intervalMs);
    timer.unref();
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  return {
    subscribe(onStats) {
      listeners.add(onStats);
      start();
      if (last) onStats(last.stats);
      else void read();
      return () => {
        listeners.delete(onStats);
        if (listeners.size === 0) {
          stop();
          last = null;
        }
      };
    },
    poke() {
      if (listeners.size > 0) void read();
    },
    get listeners() {
      return listeners.size;
    },
    close() {
      closed = true;
      stop();
      listeners.clear();
    },
  };
}
