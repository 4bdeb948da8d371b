/**
 * The endpoint pool: which endpoint an LLM call goes to, and when. One per worker process, over the
 * process's provider set.
 *
 * - Each endpoint has an adaptive in-flight window (adaptive-concurrency.ts: AIMD, the worker's
 *   concurrency or the endpoint's `maxInFlight` as the ceiling). A call waits (FIFO) for a place in the
 *   window of one of the endpoints that may serve its model, and goes to the one with the most room
 *   left, relative to its limit — so work spreads over the servers in proportion to what each takes.
 * - A server that stops answering (connection refused, reset) is taken out: no call goes to it; it is
 *   probed (`provider.probe()`, Ollama `GET /api/version`) about once a second and put back when it
 *   answers. A call whose endpoints are all out waits for one to come back (a restart takes seconds)
 *   up to `outWaitMs`, then is refused (`EndpointsUnavailableError`, backpressure: the job goes back
 *   to the queue), so a short restart leaves no deferred rows behind and a long outage holds no job.
 * - `preflight()` probes every endpoint before a worker claims anything, so a wrong URL is said at once.
 */
import type { Logger } from 'pino';
import { AdaptiveConcurrency, type CallPermit, type EndpointConcurrencyLevel, type EndpointLimiter } from './adaptive-concurrency.ts';
import { LlmCallError } from './llm-call-error.ts';
import type { LlmProvider } from './llm-provider.ts';
import type { ProviderSet } from './provider-factory.ts';

export interface EndpointPoolOptions {
  /** The most calls in flight to any one endpoint (the worker's concurrency). */
  ceiling: number;
  /** How often a server taken out is probed (default 1000 ms, jittered). */
  probeIntervalMs?: number;
  /** How long a call waits for one of its endpoints, all out, to come back before it is refused (default 10,000 ms). */
  outWaitMs?: number;
  logger?: Logger;
  random?: () => number;
  now?: () => number;
}

/** A call's place at one endpoint: say how it went through `permit`, once. */
export interface PooledCall {
  provider: LlmProvider;
  endpointId: string;
  permit: CallPermit;
  /** The endpoint's in-flight limit when the call was let through. */
  limit: number;
}

export type EndpointState = 'in' | 'out';

/** An endpoint's figures for this process: its window, its state, how often it was taken out. */
export interface EndpointStatus extends EndpointConcurrencyLevel {
  baseUrl: string;
  state: EndpointState;
  /** Times it was taken out for not answering. */
  timesOut: number;
}

export interface PreflightResult {
  reachable: string[];
  unreachable: { endpointId: string; baseUrl: string; message: string }[];
}

/** Every endpoint that may serve the call is out (not answering): backpressure, not a failure of the job. */
export class EndpointsUnavailableError extends Error {
  override readonly name = 'EndpointsUnavailableError';
  readonly code = 'endpoints_unavailable';
  constructor(readonly endpointIds: readonly string[]) {
    super(`no endpoint that may serve this call is answering (${endpointIds.map((id) => `"${id}"`).join(', ')} taken out, being probed)`);
  }
}

interface Entry {
  provider: LlmProvider;
  limiter: EndpointLimiter;
  state: EndpointState;
  answered: boolean;
  timesOut: number;
  probeTimer: NodeJS.Timeout | null;
}

interface Waiter {
  candidates: readonly string[];
  /** Until when it may wait while all its candidates are out (epoch ms). */
  outDeadline: number;
  grant(call: PooledCall): void;
  refuse(error: Error): void;
}

export class EndpointPool {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private pauseTimer: NodeJS.Timeout | null = null;
  private outTimer: NodeJS.Timeout | null = null;
  private readonly outWaitMs: number;
  private closed = false;
  private readonly probeIntervalMs: number;
  private readonly random: () => number;

  constructor(
    readonly providers: ProviderSet,
    private readonly options: EndpointPoolOptions,
  ) {
    const limits = new AdaptiveConcurrency({ ceiling: options.ceiling, random: options.random, now: options.now });
    this.probeIntervalMs = options.probeIntervalMs ?? 1_000;
    this.outWaitMs = options.outWaitMs ?? 10_000;
    this.random = options.random ?? Math.random;
    for (const info of providers.endpoints) {
      const limiter = limits.endpoint(info.id, info.maxInFlight ?? undefined);
      limiter.onSettled = () => this.pump();
      this.entries.set(info.id, { provider: providers.get(info.id), limiter, state: 'in', answered: false, timesOut: 0, probeTimer: null });
    }
  }

  /** Waits for a place at one of `candidates` (in order of preference); refuses when all of them stay out past `outWaitMs`. */
  acquire(candidates: readonly LlmProvider[], signal?: AbortSignal): Promise<PooledCall> {
    const ids = candidates.map((provider) => provider.endpointId);
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    if (this.waiters.length === 0) {
      const immediate = this.pick(ids);
      if (immediate) return Promise.resolve(immediate);
    }
    if (this.outWaitMs <= 0 && ids.every((id) => this.entries.get(id)?.state !== 'in')) return Promise.reject(new EndpointsUnavailableError(ids));
    return new Promise<PooledCall>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = {
        candidates: ids,
        outDeadline: Date.now() + this.outWaitMs,
        grant: (call) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(call);
        },
        refuse: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  isIn(endpointId: string): boolean {
    return this.entries.get(endpointId)?.state === 'in';
  }

  /** Whether the endpoint has answered in this process (a refused connection then means it went away). */
  hasAnswered(endpointId: string): boolean {
    const entry = this.entries.get(endpointId);
    return entry !== undefined && (entry.answered || entry.limiter.hasAnswered);
  }

  markAnswered(endpointId: string): void {
    const entry = this.entries.get(endpointId);
    if (entry) entry.answered = true;
  }

  /** Takes a server that stopped answering out of the pool and probes it until it answers again. */
  takeOut(endpointId: string, reason: unknown): void {
    const entry = this.entries.get(endpointId);
    if (!entry || entry.state === 'out' || this.closed) return;
    entry.state = 'out';
    entry.timesOut += 1;
    this.options.logger?.warn(
      { endpoint: endpointId, baseUrl: entry.provider.baseUrl, reason: (reason as Error)?.message ?? String(reason) },
      'endpoint not answering: taken out of the pool, probing it',
    );
    this.scheduleProbe(endpointId, entry);
    this.pump();
  }

  /** Probes every endpoint at once; those that do not answer are taken out (and probed until they do). */
  async preflight(signal?: AbortSignal): Promise<PreflightResult> {
    const result: PreflightResult = { reachable: [], unreachable: [] };
    await Promise.all(
      [...this.entries].map(async ([endpointId, entry]) => {
        try {
          await entry.provider.probe?.({ signal });
          entry.answered = true;
          if (entry.state === 'out') this.putBack(endpointId, entry);
          result.reachable.push(endpointId);
        } catch (error) {
          result.unreachable.push({ endpointId, baseUrl: entry.provider.baseUrl, message: (error as Error)?.message ?? String(error) });
          if (entry.state === 'in') {
            entry.state = 'out';
            this.scheduleProbe(endpointId, entry);
          }
        }
      }),
    );
    return result;
  }

  levels(): EndpointStatus[] {
    return [...this.entries].map(([, entry]) => ({
      ...entry.limiter.level(),
      baseUrl: entry.provider.baseUrl,
      state: entry.state,
      timesOut: entry.timesOut,
    }));
  }

  /** Stops probing; calls waiting are refused. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      if (entry.probeTimer) clearTimeout(entry.probeTimer);
      entry.probeTimer = null;
    }
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.outTimer) clearTimeout(this.outTimer);
    for (const waiter of this.waiters.splice(0)) waiter.refuse(new Error('the endpoint pool was closed'));
  }

  /** The endpoint with the most room (relative to its limit) among the candidates that are in; null: none has room. */
  private pick(candidates: readonly string[]): PooledCall | null {
    let best: { id: string; entry: Entry; room: number } | null = null;
    for (const id of candidates) {
      const entry = this.entries.get(id);
      if (!entry || entry.state !== 'in' || !entry.limiter.canStart()) continue;
      const room = (entry.limiter.limit - entry.limiter.inFlightNow) / entry.limiter.limit;
      if (best === null || room > best.room) best = { id, entry, room };
    }
    if (best === null) return null;
    const limit = best.entry.limiter.limit;
    const permit = best.entry.limiter.tryStart();
    return permit ? { provider: best.entry.provider, endpointId: best.id, permit, limit } : null;
  }

  /** Lets waiting calls through, oldest first, wherever there is room; refuses those whose endpoints are all out. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let index = 0; index < this.waiters.length; ) {
        const waiter = this.waiters[index]!;
        if (waiter.candidates.every((id) => this.entries.get(id)?.state !== 'in')) {
          if (Date.now() < waiter.outDeadline) {
            index++;
            continue;
          }
          this.waiters.splice(index, 1);
          waiter.refuse(new EndpointsUnavailableError(waiter.candidates));
          continue;
        }
        const call = this.pick(waiter.candidates);
        if (call) {
          this.waiters.splice(index, 1);
          waiter.grant(call);
          continue;
        }
        index++;
      }
      this.schedulePauseEnd();
      this.scheduleOutDeadline();
    } finally {
      this.pumping = false;
    }
  }

  /** While calls wait on endpoints that are paused (Retry-After, busy at the floor), look again when the first pause ends. */
  private schedulePauseEnd(): void {
    if (this.pauseTimer || this.waiters.length === 0 || this.closed) return;
    let wait = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      const paused = entry.limiter.pausedForMs();
      if (entry.state === 'in' && paused > 0) wait = Math.min(wait, paused);
    }
    if (!Number.isFinite(wait)) return;
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      this.pump();
    }, wait + 1);
  }

  /** While calls wait on endpoints that are all out, look again when the first one's wait is up. */
  private scheduleOutDeadline(): void {
    if (this.outTimer || this.closed) return;
    let first = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiters) {
      if (waiter.candidates.every((id) => this.entries.get(id)?.state !== 'in')) first = Math.min(first, waiter.outDeadline);
    }
    if (!Number.isFinite(first)) return;
    this.outTimer = setTimeout(() => {
      this.outTimer = null;
      this.pump();
    }, Math.max(0, first - Date.now()) + 1);
  }

  private scheduleProbe(endpointId: string, entry: Entry): void {
    if (entry.probeTimer || this.closed) return;
    const delay = this.probeIntervalMs * (0.75 + this.random() / 2);
    entry.probeTimer = setTimeout(() => {
      entry.probeTimer = null;
      void this.probe(endpointId, entry);
    }, delay);
    entry.probeTimer.unref?.();
  }

  private async probe(endpointId: string, entry: Entry): Promise<void> {
    if (this.closed || entry.state === 'in') return;
    try {
      await entry.provider.probe?.();
    } catch (error) {
      this.options.logger?.debug({ endpoint: endpointId, err: LlmCallError.isInstance(error) ? error.message : error }, 'endpoint still not answering');
      this.scheduleProbe(endpointId, entry);
      return;
    }
    this.putBack(endpointId, entry);
  }

  private putBack(endpointId: string, entry: Entry): void {
    entry.state = 'in';
    entry.answered = true;
    if (entry.probeTimer) clearTimeout(entry.probeTimer);
    entry.probeTimer = null;
    this.options.logger?.info({ endpoint: endpointId, baseUrl: entry.provider.baseUrl }, 'endpoint answering again: back in the pool');
    this.pump();
  }
}
