/**
 * The worker runtime: claims jobs in batches, runs up to `concurrency` handlers at once, renews the
 * leases of everything it holds, and records outcomes with group commit (outcomes that finish while a
 * write is in progress go together in the next one). On stop it claims nothing more, gives back jobs
 * it has not started, lets attempts in flight finish (up to a grace period) and records them.
 *
 * Modes: `once` — one job, then exit; `drain` — until no job is claimable, none is waiting out a
 * retry (it sleeps until the first is due, or gives up past `maxWaitMs`) and nothing is in hand; jobs
 * scheduled for later are not waited for, only counted; `loop` — forever, polling when the queue is
 * empty, until stopped.
 *
 * Backpressure: an attempt whose call found the server busy (the handler says `busy`) gives its job
 * back without spending an attempt — recorded DEFERRED, due again after the server's Retry-After or a
 * short jittered delay that grows while the job stays busy — until the job has been busy for longer
 * than the busy budget; then it fails (`busy_budget_exceeded`). A pre-flight (`preflight`, e.g. the
 * LLM servers answering) runs before anything is claimed: `once` and `drain` stop with its error,
 * `loop` logs it and tries again.
 */
import type { Logger } from 'pino';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { EndpointStatus } from '../providers/endpoint-pool.ts';
import { pendingWork, type PendingWork } from '../queue/pending-work.ts';
import { retryDelay, type BackoffPolicy } from '../queue/backoff.ts';
import { claimJobs } from '../queue/claim-jobs.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { HeldAttempt } from '../queue/held-attempt.ts';
import { recordOutcomes, type AttemptOutcome, type RecordOutcomesOptions } from '../queue/record-outcomes.ts';
import { releaseJobs } from '../queue/release-jobs.ts';
import type { HandlerResult, JobHandler } from './job-handler.ts';
import { defaultJobKind, JobKindRegistry, unknownKindResult } from './job-kind-registry.ts';
import { LeaseKeeper } from './lease-keeper.ts';

export type WorkerMode = 'once' | 'drain' | 'loop';

export interface WorkerOptions {
  database: HolocronDatabase;
  /** What runs each job, by its kind. */
  kinds?: JobKindRegistry;
  /** Shorthand for `kinds` with one kind, 'interrogation' (the kind of jobs that name none). */
  handler?: JobHandler;
  workerId: string;
  mode: WorkerMode;
  concurrency: number;
  /** Jobs claimed ahead of free slots; default `concurrency`. */
  prefetch?: number;
  pollMs: number;
  /** A claimed job's lease; renewed every third of it (one statement for all held) while held. */
  leaseMs: number;
  /** How often to look for other workers' expired leases; default a sixth of the lease, at most 1 s. */
  reapIntervalMs?: number;
  backoff: BackoffPolicy;
  shutdownGraceMs: number;
  /**
   * Group commit window: outcomes finishing within this many milliseconds of each other are recorded
   * in one transaction (default 5). Without it, a fast database records each outcome alone.
   */
  flushDelayMs?: number;
  /**
   * Tries at recording a batch of outcomes before letting its jobs go (default 8, about 20 s). Then the
   * worker stops renewing their leases, so the reaper takes them back and they run again, rather than
   * stay RUNNING for as long as this worker lives.
   */
  recordTries?: number;
  logger?: Logger;
  /** A job whose calls stay busy longer than this fails with `busy_budget_exceeded` (default 10 minutes). */
  busyBudgetMs?: number;
  /** `drain`: the longest it waits for jobs in RETRY, from its start; past that it stops with work left. */
  maxWaitMs?: number;
  /** Runs before the first claim; `once`/`drain` stop with its error, `loop` retries it until it passes. */
  preflight?: () => Promise<void>;
  /** The endpoints' in-flight levels, for the summary. */
  endpointLevels?: () => EndpointStatus[];
  random?: () => number;
  /** Called after each batch of outcomes is recorded. */
  onRecorded?: (outcomes: readonly AttemptOutcome[], deadLettered: ReadonlySet<string>, refused: ReadonlySet<string>) => void;
}

export interface WorkerSummary {
  claimed: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
  /** Outcomes refused because the attempt had lost its job (lease expired and reclaimed). */
  refused: number;
  /** Jobs given back unstarted at shutdown. */
  released: number;
  /** Outcomes that could not be recorded; their jobs were left to the reaper. */
  unrecorded: number;
  /** Other workers' expired attempts this worker took back. */
  reaped: number;
  /** Claimed jobs dropped unstarted because their lease was lost (this worker stalled past it). */
  lost: number;
  /** Calls deferred by backpressure (the server was busy): their jobs went back without spending an attempt. */
  deferred: number;
  /** Jobs failed because their server stayed busy past the busy budget. */
  busyBudgetExceeded: number;
  /** Each endpoint's in-flight level at the end (where the adaptive limit settled). */
  endpoints: EndpointStatus[];
  /** `drain`: jobs scheduled for later, not waited for (count, and when the first is due, epoch ms). */
  scheduled: { count: number; firstDueAt: number | null };
  /** `drain`: jobs still waiting out a retry when it stopped (non-zero only when `maxWaitMs` ended it). */
  retrying: { count: number; firstDueAt: number | null };
  /** `drain` stopped at `maxWaitMs` with jobs left in RETRY. */
  stoppedWithWorkLeft: boolean;
}

/** An outcome as the worker records it: with its job, for the kinds' record hooks. */
type WorkerOutcome = AttemptOutcome & {
  job: ClaimedJob;
  /** Its kind's record hook failed on it once: record it without the hook. */
  skipHooks?: boolean;
};

/** A kind's `onRecorded` threw: the batch rolled back; these attempts are recorded again without it. */
class RecordHookError extends Error {
  constructor(
    readonly jobKind: string,
    readonly runIds: ReadonlySet<string>,
    readonly reason: unknown,
  ) {
    super(`the ${jobKind} kind could not record its rows: ${(reason as Error)?.message ?? String(reason)}`);
  }
}

/**
 * An attempt in flight. Its abort signal is made only if the handler asks for it (an AbortController
 * costs more than a no-op job's whole run); an abort before that is remembered and the signal it then
 * gets is already aborted.
 */
class ActiveAttempt {
  private controller: AbortController | null = null;
  private abortedWith: Error | null = null;

  constructor(readonly job: ClaimedJob) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.abortedWith ??= reason;
    this.controller?.abort(reason);
  }

  /** Cut off by this worker's own shutdown (not by a lost lease). */
  get stoppedByWorker(): boolean {
    return this.abortedWith instanceof WorkerStoppedError;
  }
}

class WorkerStoppedError extends Error {
  constructor() {
    super('worker stopped');
  }
}

export class Worker {
  private readonly options: Required<Pick<WorkerOptions, 'prefetch'>> & WorkerOptions;
  private readonly waiting: ClaimedJob[] = [];
  private readonly active = new Map<string, ActiveAttempt>();
  /** Every attempt this worker holds a lease on: waiting, running, or finished but not yet recorded. */
  private readonly held = new Map<string, HeldAttempt>();
  private pendingOutcomes: WorkerOutcome[] = [];
  private readonly kinds: JobKindRegistry;
  private readonly recordOptions: RecordOutcomesOptions<WorkerOutcome>;
  /** A kind's record hook ran in the last recording (it may have enqueued jobs). */
  private hooksRan = false;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private stopRequested = false;
  private forceRequested = false;
  private wakeUp: (() => void) | null = null;
  private readonly leases: LeaseKeeper;
  /** Counts reaps that made jobs claimable, so a claim that raced one is not taken for an empty queue. */
  private reapsSeen = 0;
  /** The last claim found nothing; reset when outcomes are recorded (retries may be ready) or a poll is due. */
  private queueLooksEmpty = false;
  private emptyClaimAt = 0;
  private claimedTotal = 0;
  private readonly summary: WorkerSummary = {
    claimed: 0,
    succeeded: 0,
    failed: 0,
    deadLettered: 0,
    refused: 0,
    released: 0,
    reaped: 0,
    unrecorded: 0,
    lost: 0,
    deferred: 0,
    busyBudgetExceeded: 0,
    endpoints: [],
    scheduled: { count: 0, firstDueAt: null },
    retrying: { count: 0, firstDueAt: null },
    stoppedWithWorkLeft: false,
  };
  /** `drain`: when (this process's clock) the first job in RETRY is due, as of the last look; null: none. */
  private retryDueAt: number | null = null;
  private startedAt = 0;

  constructor(options: WorkerOptions) {
    if (options.concurrency < 1) throw new RangeError('concurrency must be at least 1');
    if (!options.kinds && !options.handler) throw new TypeError('a worker needs job kinds (or one handler)');
    this.options = { ...options, prefetch: options.prefetch ?? options.concurrency };
    this.leases = new LeaseKeeper({
      database: options.database,
      workerId: options.workerId,
      leaseMs: options.leaseMs,
      reapIntervalMs: options.reapIntervalMs,
      logger: options.logger,
      held: () => [...this.held.values()],
      onLost: (lost) => this.abandonLost(lost),
      onReaped: (reaped) => {
        this.summary.reaped += reaped.length;
        // Those jobs are claimable now: look at once rather than at the next poll.
        this.reapsSeen++;
        this.queueLooksEmpty = false;
        this.wake();
      },
    });
    this.kinds = options.kinds ?? new JobKindRegistry([{ kind: defaultJobKind, handle: options.handler! }]);
    // Without record hooks, recording stays exactly the queue's statements.
    this.recordOptions = this.kinds.hasRecordHooks ? { onApplied: (transaction, applied, context) => this.runRecordHooks(transaction, applied, context) } : {};
  }

  /** Stop claiming and wind down; a second call cuts attempts in flight off at once. */
  stop(): void {
    if (this.stopRequested) this.forceRequested = true;
    this.stopRequested = true;
    if (this.forceRequested) for (const attempt of this.active.values()) attempt.abort(new WorkerStoppedError());
    this.wake();
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  async run(): Promise<WorkerSummary> {
    this.startedAt = Date.now();
    this.leases.start();
    // A SQLite file's checkpoints go to a thread while this worker commits (not for a single job).
    const checkpoints =
      this.options.mode === 'once'
        ? undefined
        : this.options.database.checkpointInBackground?.((error) => this.options.logger?.warn({ err: error }, 'background checkpoint failed'));
    try {
      await this.leases.reap();
      if (await this.passPreflight()) await this.mainLoop();
    } finally {
      await this.shutdown();
      await this.leases.stop();
      await checkpoints?.stop();
    }
    if (this.options.mode === 'drain') await this.noteWhatIsLeft();
    this.summary.endpoints = this.options.endpointLevels?.() ?? [];
    return { ...this.summary, endpoints: [...this.summary.endpoints] };
  }

  /** Runs the pre-flight: false when stopped before it passed (`loop`); throws its error otherwise. */
  private async passPreflight(): Promise<boolean> {
    const { preflight, mode, logger, pollMs } = this.options;
    if (!preflight) return true;
    for (let failures = 0; !this.stopRequested; failures++) {
      try {
        await preflight();
        if (failures > 0) logger?.info('pre-flight passed; starting to claim jobs');
        return true;
      } catch (error) {
        if (mode !== 'loop') throw error;
        logger?.error({ err: error }, `${(error as Error)?.message ?? String(error)} — claiming nothing; trying again`);
        await this.sleep(Math.min(pollMs, 1_000 * 2 ** Math.min(failures, 3)));
      }
    }
    return false;
  }

  /** The jobs a drain leaves behind: scheduled for later, and (when it stopped early) in RETRY. */
  private async noteWhatIsLeft(): Promise<void> {
    try {
      const left = await pendingWork(this.options.database);
      this.summary.scheduled = { count: left.scheduled, firstDueAt: left.nextScheduledAt };
      this.summary.retrying = { count: left.retrying, firstDueAt: left.nextRetryAt };
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'could not count the jobs left');
    }
  }

  /** `drain`, after an empty claim: when the first job in RETRY is due; whether some became ready meanwhile. */
  private async lookAhead(): Promise<PendingWork | null> {
    let pending: PendingWork;
    try {
      pending = await pendingWork(this.options.database);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'could not look for jobs waiting to retry');
      this.retryDueAt = Date.now() + Math.min(this.options.pollMs, 5_000);
      return null;
    }
    this.retryDueAt = pending.nextRetryAt === null ? null : Date.now() + Math.max(0, pending.nextRetryAt - pending.now);
    if (pending.ready > 0) this.queueLooksEmpty = false;
    return pending;
  }

  /** `drain` waits for a retry due at `dueAt` only within `maxWaitMs` of its start. */
  private mayWaitUntil(dueAt: number): boolean {
    const { maxWaitMs } = this.options;
    return maxWaitMs === undefined || dueAt <= this.startedAt + maxWaitMs;
  }

  private async mainLoop(): Promise<void> {
    const { mode, concurrency, pollMs } = this.options;
    const capacity = mode === 'once' ? 1 : concurrency + this.options.prefetch;
    while (!this.stopRequested) {
      const canClaimMore = mode !== 'once' || this.claimedTotal === 0;
      const deficit = capacity - this.held.size;
      let claimed = 0;
      // Claim when the queue may have work and the local buffer has room for a worthwhile batch
      // (half the capacity), or nothing is waiting to start.
      if (canClaimMore && !this.queueLooksEmpty && deficit > 0 && (deficit * 2 >= capacity || this.waiting.length === 0)) {
        const reapsBefore = this.reapsSeen;
        const result = await this.claim(mode === 'once' ? 1 : deficit);
        // A failed claim (database away) says nothing about the queue: try again, do not drain out.
        // Nor does an empty one that a reap overtook: the reaped jobs may have come just after it.
        claimed = result ?? 0;
        if (result === 0 && this.reapsSeen === reapsBefore) {
          this.queueLooksEmpty = true;
          this.emptyClaimAt = Date.now();
          if (mode === 'drain') await this.lookAhead();
        }
      }
      this.startWaiting();
      if (this.held.size === 0) {
        if (!canClaimMore) break;
        if (this.queueLooksEmpty) {
          if (mode === 'once') break;
          if (mode === 'drain') {
            // Nothing in hand and nothing ready: wait for the first retry, if there is one to wait for.
            const dueAt = this.retryDueAt;
            if (dueAt === null) break;
            if (!this.mayWaitUntil(dueAt)) {
              this.summary.stoppedWithWorkLeft = true;
              break;
            }
            await this.sleep(Math.max(0, dueAt - Date.now()));
          } else await this.sleep(pollMs);
          this.queueLooksEmpty = false;
        }
        continue;
      }
      // Room left after a fruitful claim: claim again at once.
      if (claimed > 0 && this.active.size < concurrency && capacity - this.held.size > 0) continue;
      // Busy with slots free and the queue empty at the last look: look again once per poll interval
      // (`loop`) or when the first retry is due (`drain`), however often attempts finish in between.
      const slotsFree = this.queueLooksEmpty && this.active.size < concurrency;
      const dueAt = mode === 'drain' && slotsFree && this.retryDueAt !== null && this.mayWaitUntil(this.retryDueAt) ? this.retryDueAt : null;
      const pollWhileBusy = slotsFree && mode === 'loop';
      const untilPoll = Math.max(0, this.emptyClaimAt + pollMs - Date.now());
      await this.nextChange(pollWhileBusy ? untilPoll : dueAt !== null ? Math.max(0, dueAt - Date.now()) : undefined);
      if (pollWhileBusy && Date.now() - this.emptyClaimAt >= pollMs) this.queueLooksEmpty = false;
      if (dueAt !== null && Date.now() >= dueAt) this.queueLooksEmpty = false;
    }
  }

  /** Claims up to `limit` jobs; the number claimed, or null when the claim failed. */
  private async claim(limit: number): Promise<number | null> {
    const { database, workerId, leaseMs, logger } = this.options;
    let jobs: ClaimedJob[];
    try {
      jobs = await claimJobs(database, workerId, limit, leaseMs);
    } catch (error) {
      logger?.error({ err: error }, 'claim failed; retrying after the poll interval');
      await this.sleep(Math.min(this.options.pollMs, 5_000));
      return null;
    }
    for (const job of jobs) {
      this.held.set(job.runId, { jobId: job.id, runId: job.runId });
      this.waiting.push(job);
    }
    this.claimedTotal += jobs.length;
    this.summary.claimed += jobs.length;
    if (jobs.length > 0) logger?.debug({ count: jobs.length }, 'claimed jobs');
    return jobs.length;
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.active.size < this.options.concurrency && !this.stopRequested) {
      const job = this.waiting.shift()!;
      const attempt = new ActiveAttempt(job);
      this.active.set(job.runId, attempt);
      void this.runAttempt(job, attempt);
    }
  }

  private async runAttempt(job: ClaimedJob, attempt: ActiveAttempt): Promise<void> {
    const { workerId, backoff, logger } = this.options;
    const startedAt = Date.now();
    let result: HandlerResult;
    try {
      const jobKind = this.kinds.get(job.kind);
      result = jobKind
        ? await jobKind.handle(job, {
            workerId,
            get signal() {
              return attempt.signal;
            },
          })
        : unknownKindResult(job, this.kinds);
    } catch (error) {
      logger?.error({ err: error, jobId: job.id }, 'handler threw');
      result = {
        kind: 'failed',
        record: {},
        artifacts: [],
        error: { code: 'internal_error', message: `internal error: ${(error as Error)?.message ?? String(error)}` },
        retryable: true,
      };
    }
    const completedAt = Date.now();
    const base = {
      job,
      held: { jobId: job.id, runId: job.runId },
      attempt: job.attempt,
      record: { ...result.record, workerId, startedAt, completedAt },
      artifacts: result.artifacts,
    };
    const outcome: WorkerOutcome =
      result.kind === 'succeeded'
        ? { kind: 'succeeded', ...base, output: result.output }
        : attempt.stoppedByWorker
          ? // Our own shutdown cut it off: give the job back, this attempt does not count.
            {
              kind: 'failed',
              ...base,
              error: { code: 'worker_stopped', message: `worker ${workerId} stopped during the attempt (${result.error.message})` },
              retryable: true,
              retryDelayMs: 0,
              interrupted: true,
            }
          : result.busy
            ? this.busyOutcome(job, base, result.error, result.retryAfterMs, completedAt - startedAt)
            : {
                kind: 'failed',
                ...base,
                error: result.error,
                retryable: result.retryable,
                retryDelayMs: Math.max(retryDelay(backoff, job.attempt), result.retryAfterMs ?? 0),
              };
    this.active.delete(job.runId);
    this.pendingOutcomes.push(outcome);
    this.scheduleFlush();
    this.wake();
  }

  /**
   * A busy server's answer: the job goes back without spending an attempt, due again after the
   * server's Retry-After or a jittered delay that grows with how long the job has been busy (a quarter
   * to a half second at first, at most 30 s) — unless it has been busy past the budget: then it fails.
   */
  private busyOutcome(job: ClaimedJob, base: Omit<WorkerOutcome, 'kind'>, error: { code: string; message: string }, retryAfterMs: number | undefined, tookMs: number): WorkerOutcome {
    const budgetMs = this.options.busyBudgetMs ?? 600_000;
    const busyForMs = job.busySince === null ? 0 : Math.max(0, job.lockedAt - job.busySince) + tookMs;
    if (job.busySince !== null && busyForMs >= budgetMs) {
      return {
        kind: 'failed',
        ...base,
        error: {
          code: 'busy_budget_exceeded',
          message:
            `the server stayed busy for ${Math.round(busyForMs / 1000)} s, past the busy budget of ${Math.round(budgetMs / 1000)} s ` +
            `(backpressure.busyBudgetSeconds, HOLOCRON_BUSY_BUDGET_SECONDS); its last answer: ${error.message}`,
        },
        retryable: false,
        retryDelayMs: 0,
      };
    }
    const random = this.options.random ?? Math.random;
    const base_ = Math.min(30_000, Math.max(500, busyForMs / 2));
    const jittered = Math.round(base_ / 2 + (random() * base_) / 2);
    return { kind: 'failed', ...base, error, retryable: true, retryDelayMs: retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : jittered, deferred: true };
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushing) return;
    const delay = this.options.flushDelayMs ?? 5;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delay);
  }

  /** Group commit: one write at a time; whatever finished meanwhile goes in the next write. */
  private flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      try {
        while (this.pendingOutcomes.length > 0) {
          const batch = this.pendingOutcomes;
          this.pendingOutcomes = [];
          await this.recordWithRetry(batch);
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async recordWithRetry(batch: WorkerOutcome[]): Promise<void> {
    const { database, logger, onRecorded } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const recorded = await recordOutcomes(database, batch, this.recordOptions);
        for (const outcome of batch) {
          this.held.delete(outcome.held.runId);
          if (recorded.refused.has(outcome.held.runId)) this.summary.refused++;
          else if (outcome.kind === 'succeeded') this.summary.succeeded++;
          else if (outcome.interrupted) this.summary.released++;
          else if (outcome.deferred) this.summary.deferred++;
          else {
            this.summary.failed++;
            if (outcome.error.code === 'busy_budget_exceeded') this.summary.busyBudgetExceeded++;
          }
        }
        this.summary.deadLettered += recorded.deadLettered.size;
        if (recorded.refused.size > 0) logger?.warn({ count: recorded.refused.size }, 'outcomes refused: lease lost');
        onRecorded?.(batch, recorded.deadLettered, recorded.refused);
        // Failed attempts may have put jobs back in the queue, ready now; record hooks may have enqueued some.
        if (this.hooksRan || batch.some((outcome) => outcome.kind === 'failed')) this.queueLooksEmpty = false;
        this.hooksRan = false;
        this.wake();
        return;
      } catch (error) {
        if (error instanceof RecordHookError) {
          // Not the database's fault, and nothing was written. Which attempt the hook failed on is
          // known only when it had one: record the others apart, then each of the hook's alone.
          if (error.runIds.size > 1) {
            const involved = batch.filter((outcome) => error.runIds.has(outcome.held.runId));
            const others = batch.filter((outcome) => !error.runIds.has(outcome.held.runId));
            if (others.length > 0) await this.recordWithRetry(others);
            for (const outcome of involved) await this.recordWithRetry([outcome]);
            return;
          }
          // Record it as failed, without the hook, at once.
          logger?.error({ err: error.reason, kind: error.jobKind }, 'a job kind could not record its rows');
          batch = batch.map((outcome) => (error.runIds.has(outcome.held.runId) ? this.hookFailed(outcome, error) : outcome));
          attempt--;
          continue;
        }
        // Keep the outcomes and the leases for a while (the database may be restarting). Past that,
        // let the jobs go: with their leases no longer renewed, the reaper takes them back and they
        // run again — nothing is lost, at worst done twice and recorded once.
        const tries = this.forceRequested ? Math.min(3, this.options.recordTries ?? 8) : (this.options.recordTries ?? 8);
        if (attempt >= tries) {
          logger?.error({ err: error, tries: attempt, count: batch.length }, 'could not record outcomes; leaving their jobs to expire and run again');
          for (const outcome of batch) this.held.delete(outcome.held.runId);
          this.summary.unrecorded += batch.length;
          this.wake();
          return;
        }
        logger?.error({ err: error, attempt, count: batch.length }, 'recording outcomes failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Calls each kind's `onRecorded` with its applied outcomes, inside the recording transaction. */
  private async runRecordHooks(
    transaction: Parameters<NonNullable<RecordOutcomesOptions['onApplied']>>[0],
    applied: Parameters<NonNullable<RecordOutcomesOptions<WorkerOutcome>['onApplied']>>[1],
    context: Parameters<NonNullable<RecordOutcomesOptions['onApplied']>>[2],
  ): Promise<void> {
    const byKind = new Map<string, { job: ClaimedJob; outcome: AttemptOutcome; deadLettered: boolean }[]>();
    for (const { outcome, deadLettered } of applied) {
      if (outcome.skipHooks) continue;
      const list = byKind.get(outcome.job.kind) ?? [];
      if (list.length === 0) byKind.set(outcome.job.kind, list);
      list.push({ job: outcome.job, outcome, deadLettered });
    }
    for (const [kind, recorded] of byKind) {
      const hook = this.kinds.get(kind)?.onRecorded;
      if (!hook) continue;
      this.hooksRan = true;
      try {
        await hook(transaction, recorded, context);
      } catch (error) {
        throw new RecordHookError(kind, new Set(recorded.map((entry) => entry.outcome.held.runId)), error);
      }
    }
  }

  private hookFailed(outcome: WorkerOutcome, error: RecordHookError): WorkerOutcome {
    if (outcome.kind === 'failed') return { ...outcome, skipHooks: true };
    return {
      ...outcome,
      kind: 'failed',
      skipHooks: true,
      error: { code: 'record_hook_failed', message: error.message },
      retryable: true,
      retryDelayMs: retryDelay(this.options.backoff, outcome.attempt),
    };
  }

  /** Leases lost (taken back while this worker stalled): abort those calls, drop those not started. */
  private abandonLost(lost: readonly HeldAttempt[]): void {
    const { logger } = this.options;
    for (const attempt of lost) {
      if (!this.held.has(attempt.runId)) continue; // recorded meanwhile
      logger?.warn({ jobId: attempt.jobId, runId: attempt.runId }, 'lease lost; abandoning the attempt');
      this.active.get(attempt.runId)?.abort(new Error('lease lost'));
      const index = this.waiting.findIndex((job) => job.runId === attempt.runId);
      if (index >= 0) {
        this.waiting.splice(index, 1);
        this.held.delete(attempt.runId);
        this.summary.lost++;
      }
    }
    this.wake();
  }

  private async shutdown(): Promise<void> {
    const { database, shutdownGraceMs, logger } = this.options;
    if (this.waiting.length > 0) {
      const unstarted = this.waiting.splice(0);
      try {
        this.summary.released += await releaseJobs(
          database,
          unstarted.map((job) => ({ jobId: job.id, runId: job.runId })),
        );
      } catch (error) {
        logger?.error({ err: error }, 'could not release unstarted jobs; their leases will expire');
      }
      for (const job of unstarted) this.held.delete(job.runId);
    }
    if (this.active.size > 0) {
      logger?.info({ inFlight: this.active.size }, 'waiting for attempts in flight to finish');
      const deadline = Date.now() + shutdownGraceMs;
      while (this.active.size > 0 && Date.now() < deadline && !this.forceRequested) {
        await this.nextChange(Math.max(1, deadline - Date.now()));
      }
      for (const attempt of this.active.values()) attempt.abort(new WorkerStoppedError());
      while (this.active.size > 0) await this.nextChange(100);
    }
    await this.flush();
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  /**
   * Resolves on the next state change (an attempt finished, outcomes recorded, stop): true; or after
   * `timeoutMs` with no change: false.
   */
  private nextChange(timeoutMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.wakeUp = wakeUp;
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (this.wakeUp === wakeUp) this.wakeUp = null;
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  private async sleep(milliseconds: number): Promise<void> {
    await this.nextChange(milliseconds);
  }
}
