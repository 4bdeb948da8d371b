/**
 * Keeps a worker's leases and takes back other workers' expired ones, on two timers of its own
 * (independent of claiming, polling and recording, so an idle or busy worker does both on time):
 *
 * - renewal, every third of the lease: ONE statement for everything the worker holds. A lease thus
 *   survives a stall (event loop blocked, database away) of up to two thirds of the lease; a call of
 *   any length (a model load of minutes) is carried by renewals, not by a long lease. Attempts the
 *   answer leaves out were lost (taken back while this worker stalled): the worker is told, and stops
 *   working on them; their late outcomes will be refused by fencing.
 * - reaping, about once a second (jittered, so workers do not all look at once): a cheap read for
 *   expired leases, and a write only when there is one. A crashed worker's jobs are therefore claimable
 *   again about one lease after its last renewal, and the worker that reaped is woken to claim them.
 *
 * A stalled worker cannot be told apart from a dead one from outside; one whose renewal timer fires
 * more than a lease late knows it may have been taken for dead and says so.
 */
import type { Logger } from 'pino';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { HeldAttempt } from '../queue/held-attempt.ts';
import { reapExpiredLeases, type ReapedJob } from '../queue/reap-expired-leases.ts';
import { renewLeases } from '../queue/renew-leases.ts';

export interface LeaseKeeperOptions {
  database: HolocronDatabase;
  workerId: string;
  leaseMs: number;
  /** How often to look for expired leases; default a sixth of the lease, at most 1 s. */
  reapIntervalMs?: number;
  logger?: Logger;
  /** The attempts to renew right now. */
  held(): HeldAttempt[];
  /** Attempts whose lease was lost: stop working on them. */
  onLost(lost: HeldAttempt[]): void;
  /** Expired jobs taken back (now claimable). */
  onReaped(reaped: ReapedJob[]): void;
}

export class LeaseKeeper {
  private renewTimer: NodeJS.Timeout | null = null;
  private reapTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private reaping: Promise<void> | null = null;
  private lastRenewalAt = 0;
  private running = false;

  constructor(private readonly options: LeaseKeeperOptions) {}

  get renewIntervalMs(): number {
    return Math.max(50, Math.floor(this.options.leaseMs / 3));
  }

  get reapIntervalMs(): number {
    return this.options.reapIntervalMs ?? Math.min(1_000, Math.max(50, this.options.leaseMs / 6));
  }

  start(): void {
    this.running = true;
    this.lastRenewalAt = Date.now();
    this.renewTimer = setInterval(() => void this.renew(), this.renewIntervalMs);
    this.scheduleReap();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.reapTimer) clearTimeout(this.reapTimer);
    this.renewTimer = this.reapTimer = null;
    await Promise.all([this.renewing, this.reaping]);
  }

  /** Renews every held lease in one statement; one renewal at a time. */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = null));
    return this.renewing;
  }

  /** Takes back expired leases now; one reap at a time. */
  reap(): Promise<void> {
    this.reaping ??= this.reapOnce().finally(() => (this.reaping = null));
    return this.reaping;
  }

  private async renewOnce(): Promise<void> {
    const { database, workerId, leaseMs, logger } = this.options;
    const late = Date.now() - this.lastRenewalAt - this.renewIntervalMs;
    this.lastRenewalAt = Date.now();
    const held = this.options.held();
    if (held.length === 0) return;
    if (late > leaseMs / 3) {
      logger?.warn({ lateMs: late, leaseMs }, 'lease renewal ran late (event loop blocked or process paused); leases may have been taken back');
    }
    let kept: Set<string>;
    try {
      kept = await renewLeases(database, workerId, held, leaseMs);
    } catch (error) {
      logger?.warn({ err: error }, 'lease renewal failed; will try again');
      return;
    }
    const lost = held.filter((attempt) => !kept.has(attempt.runId));
    if (lost.length > 0) this.options.onLost(lost);
  }

  private scheduleReap(): void {
    if (!this.running) return;
    const jittered = this.reapIntervalMs * (0.75 + Math.random() / 2);
    this.reapTimer = setTimeout(() => {
      void this.reap().finally(() => this.scheduleReap());
    }, jittered);
  }

  private async reapOnce(): Promise<void> {
    const { database, logger } = this.options;
    try {
      const reaped = await reapExpiredLeases(database);
      if (reaped.length === 0) return;
      logger?.info({ count: reaped.length }, 'took back jobs whose lease expired');
      this.options.onReaped(reaped);
    } catch (error) {
      logger?.warn({ err: error }, 'reaping expired leases failed');
    }
  }
}
