/**
 * How many LLM calls a worker keeps in flight to each endpoint, adapted to what the server can take
 * (AIMD, as TCP does): additive increase on success, multiplicative decrease on busy (503, 429, a
 * server restarting). The worker's `concurrency` — and an endpoint's own `maxInFlight` — is the
 * ceiling, not the target.
 *
 * - It starts at the ceiling: a round trip is a whole generation (seconds), far too long to ramp up
 *   from one call as TCP's slow start does; a server that cannot take that many says busy at once.
 * - A busy answer halves the limit once per round trip: busy answers to calls sent before the last
 *   decrease belong to the same episode and do not halve it again.
 * - Recovery: up to just below the level where the server last said busy, the limit grows by one per
 *   round trip (1/limit per success); from there on it probes sixteen times slower, so a server with a
 *   fixed capacity sees few busy answers once the level has settled.
 * - At the floor (one call), a busy answer also pauses new calls to the endpoint for a while (the
 *   server's Retry-After, else a growing, jittered delay), so a server that is down or rate limiting
 *   is not hammered.
 */

export interface AdaptiveConcurrencyOptions {
  /** The most calls in flight to any one endpoint (the worker's concurrency). */
  ceiling: number;
  /** The first limit (default: the ceiling). Below it, each success raises the limit by one until the first busy answer. */
  initial?: number;
  /** Factor applied on busy (default 0.5). */
  decrease?: number;
  /** First pause at the floor, milliseconds (default 500); it doubles while the endpoint stays busy. */
  pauseMs?: number;
  /** Longest pause at the floor, milliseconds (default 30 000). */
  maxPauseMs?: number;
  random?: () => number;
  now?: () => number;
}

/** What an endpoint's limiter reports (the end-of-run summary shows it). */
export interface EndpointConcurrencyLevel {
  endpointId: string;
  /** The in-flight limit the endpoint settled at (whole calls). */
  limit: number;
  /** The ceiling: the worker's concurrency, or the endpoint's maxInFlight when lower. */
  ceiling: number;
  /** The highest number of calls that were in flight at once. */
  peakInFlight: number;
  /** The in-flight level at the last busy answer, if there was one. */
  busyAt: number | null;
  calls: number;
  succeeded: number;
  busy: number;
}

/** One call's place in an endpoint's window; say once how the call went. */
export interface CallPermit {
  /** The server answered (whatever the answer): raises the limit. */
  succeeded(): void;
  /** The server was busy; `retryAfterMs` is its Retry-After when it sent one. */
  busy(retryAfterMs?: number): void;
  /** The call ended without telling anything about the server's load. */
  release(): void;
}

class CallAbortedError extends Error {
  override readonly name = 'AbortError';
}

export class EndpointLimiter {
  private limitValue: number;
  private inFlight = 0;
  private peak = 0;
  private busyLevel: number | null = null;
  private round = 0;
  private slowStart = true;
  private pausedUntil = 0;
  private pauseStreak = 0;
  private answered = false;
  private counts = { calls: 0, succeeded: 0, busy: 0 };
  private readonly waiters: Array<{ grant: () => void }> = [];
  private pauseTimer: NodeJS.Timeout | null = null;
  /** Told whenever a call ends (room may have opened); the endpoint pool schedules its waiters on it. */
  onSettled: (() => void) | null = null;

  constructor(
    readonly endpointId: string,
    readonly ceiling: number,
    private readonly options: Required<Omit<AdaptiveConcurrencyOptions, 'ceiling'>>,
  ) {
    this.limitValue = Math.min(ceiling, Math.max(1, options.initial));
  }

  /** Whole calls allowed in flight now. */
  get limit(): number {
    return Math.max(1, Math.min(this.ceiling, Math.floor(this.limitValue)));
  }

  /** The endpoint has answered at least once in this process (so a refused connection means it is restarting). */
  get hasAnswered(): boolean {
    return this.answered;
  }

  markAnswered(): void {
    this.answered = true;
  }

  /** Waits for a place in the window (FIFO); rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<CallPermit> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new CallAbortedError('aborted'));
    if (this.waiters.length === 0 && this.canStart()) return Promise.resolve(this.start());
    return new Promise<CallPermit>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.start());
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason ?? new CallAbortedError('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedulePauseEnd();
    });
  }

  level(): EndpointConcurrencyLevel {
    return {
      endpointId: this.endpointId,
      limit: this.limit,
      ceiling: this.ceiling,
      peakInFlight: this.peak,
      busyAt: this.busyLevel,
      ...this.counts,
    };
  }

  /** Calls in flight now. */
  get inFlightNow(): number {
    return this.inFlight;
  }

  /** Milliseconds until a pause (after busy answers at the floor, or a Retry-After) ends; 0 when not paused. */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.options.now());
  }

  /** A place in the window now, or null when the window is full or paused (never queues). */
  tryStart(): CallPermit | null {
    return this.waiters.length === 0 && this.canStart() ? this.start() : null;
  }

  canStart(): boolean {
    return this.inFlight < this.limit && this.options.now() >= this.pausedUntil;
  }

  private start(): CallPermit {
    this.inFlight += 1;
    this.counts.calls += 1;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    const round = this.round;
    const sentAt = this.inFlight;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.inFlight -= 1;
      return true;
    };
    return {
      succeeded: () => {
        if (!settle()) return;
        this.answered = true;
        this.counts.succeeded += 1;
        this.pauseStreak = 0;
        this.grow();
        this.grantWaiters();
      },
      busy: (retryAfterMs?: number) => {
        if (!settle()) return;
        this.counts.busy += 1;
        this.onBusy(round, sentAt, retryAfterMs);
        this.grantWaiters();
      },
      release: () => {
        if (!settle()) return;
        this.grantWaiters();
      },
    };
  }

  private grow(): void {
    if (this.limitValue >= this.ceiling) {
      this.limitValue = this.ceiling;
      return;
    }
    if (this.slowStart) this.limitValue += 1;
    else if (this.busyLevel === null || this.limitValue + 1 < this.busyLevel) this.limitValue += 1 / this.limitValue;
    else this.limitValue += 1 / (16 * this.limitValue);
    this.limitValue = Math.min(this.ceiling, this.limitValue);
  }

  private onBusy(round: number, sentAt: number, retryAfterMs: number | undefined): void {
    const atFloor = this.limit <= 1;
    if (round === this.round) {
      // The first busy answer of this episode: the server holds less than was in flight.
      this.round += 1;
      this.slowStart = false;
      this.busyLevel = Math.max(1, sentAt);
      this.limitValue = Math.max(1, this.limitValue * this.options.decrease);
    }
    const now = this.options.now();
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    } else if (atFloor) {
      const base = Math.min(this.options.maxPauseMs, this.options.pauseMs * 2 ** this.pauseStreak);
      this.pauseStreak += 1;
      this.pausedUntil = Math.max(this.pausedUntil, now + Math.round(base / 2 + this.options.random() * (base / 2)));
    }
  }

  private grantWaiters(): void {
    while (this.waiters.length > 0 && this.canStart()) this.waiters.shift()!.grant();
    this.schedulePauseEnd();
    this.onSettled?.();
  }

  /** While paused with callers waiting, wake them when the pause ends. */
  private schedulePauseEnd(): void {
    if (this.pauseTimer || this.waiters.length === 0) return;
    const wait = this.pausedUntil - this.options.now();
    if (wait <= 0) return;
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      this.grantWaiters();
    }, wait);
  }
}

/** The limiters of one worker, one per endpoint, created on first use. */
export class AdaptiveConcurrency {
  private readonly limiters = new Map<string, EndpointLimiter>();
  private readonly settings: Required<Omit<AdaptiveConcurrencyOptions, 'ceiling'>>;

  constructor(private readonly options: AdaptiveConcurrencyOptions) {
    if (!(options.ceiling >= 1)) throw new RangeError('the in-flight ceiling must be at least 1');
    this.settings = {
      initial: options.initial ?? options.ceiling,
      decrease: options.decrease ?? 0.5,
      pauseMs: options.pauseMs ?? 500,
      maxPauseMs: options.maxPauseMs ?? 30_000,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
  }

  /** The endpoint's limiter; `maxInFlight` (the endpoint's own cap) lowers the ceiling. */
  endpoint(endpointId: string, maxInFlight?: number): EndpointLimiter {
    let limiter = this.limiters.get(endpointId);
    if (!limiter) {
      const ceiling = Math.max(1, Math.min(this.options.ceiling, maxInFlight ?? Number.POSITIVE_INFINITY));
      limiter = new EndpointLimiter(endpointId, ceiling, this.settings);
      this.limiters.set(endpointId, limiter);
    }
    return limiter;
  }

  levels(): EndpointConcurrencyLevel[] {
    return [...this.limiters.values()].map((limiter) => limiter.level());
  }
}
