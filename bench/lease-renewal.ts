/**
 * Lease renewal with many jobs held: one worker (in this process, the default lease) holds 1,000 jobs
 * whose calls never end, and every statement it sends is counted by kind (a Kysely plugin on its
 * connection) over a window: renewals (UPDATE), reads (the reaper's look for expired leases), writes
 * of other kinds. Then the renewal statement itself is timed with those 1,000 attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KyselyPlugin } from 'kysely';
import { defaults } from '../src/config/defaults.ts';
import { openDatabase } from '../src/database/open-database.ts';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { renewLeases } from '../src/queue/renew-leases.ts';
import type { JobHandler } from '../src/worker/job-handler.ts';
import { Worker } from '../src/worker/worker.ts';

export interface LeaseRenewalOptions {
  databaseUrl: string;
  held: number;
  windowSeconds: number;
}

export interface LeaseRenewalResult {
  held: number;
  leaseSeconds: number;
  windowSeconds: number;
  /** UPDATE statements per second while holding (renewals: nothing else updates then). */
  renewalsPerSecond: number;
  /** Renewal statements per renewal interval (a third of the lease). */
  renewalsPerInterval: number;
  /** SELECT statements per second (the reaper looking for expired leases). */
  readsPerSecond: number;
  /** Other statements in the window (expected 0). */
  otherStatements: number;
  /** One renewal of all held attempts, mean over 20. */
  renewalMs: number;
}

export async function measureLeaseRenewal(options: LeaseRenewalOptions): Promise<LeaseRenewalResult> {
  const database = await openDatabase(options.databaseUrl);
  const counts = new Map<string, number>();
  const counter: KyselyPlugin = {
    transformQuery(args) {
      counts.set(args.node.kind, (counts.get(args.node.kind) ?? 0) + 1);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const handler: JobHandler = async () => {
    await released;
    return { kind: 'succeeded', record: {}, artifacts: [] };
  };
  const leaseMs = defaults.worker.leaseSeconds * 1000;
  const workerId = 'renewal-bench';
  const worker = new Worker({
    database: { ...database, db: database.db.withPlugin(counter) },
    handler,
    workerId,
    mode: 'drain',
    concurrency: options.held,
    pollMs: defaults.worker.pollSeconds * 1000,
    leaseMs,
    backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
    shutdownGraceMs: 0,
  });
  try {
    await enqueueJobs(
      database,
      Array.from({ length: options.held }, (_, index) => ({ interrogationKey: 'renewal_bench', input: { index }, priority: 100, maxAttempts: 3 })),
    );
    const running = worker.run();
    for (;;) {
      const row = await database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('count')).where('status', '=', 'RUNNING').executeTakeFirstOrThrow();
      if (Number(row.count) === options.held) break;
      await sleep(50);
    }
    await sleep(500); // the claim that finds the queue empty
    counts.clear();
    await sleep(options.windowSeconds * 1000);
    const snapshot = new Map(counts);
    const held = await database.db.selectFrom('jobs').select(['id', 'current_run_id']).where('status', '=', 'RUNNING').execute();
    const attempts = held.map((row) => ({ jobId: Number(row.id), runId: row.current_run_id! }));
    const started = performance.now();
    for (let round = 0; round < 20; round++) {
      const kept = await renewLeases(database, workerId, attempts, leaseMs);
      if (kept.size !== options.held) throw new Error(`lease renewal: ${kept.size}/${options.held} renewed`);
    }
    const renewalMs = (performance.now() - started) / 20;
    release();
    const summary = await running;
    if (summary.succeeded !== options.held) throw new Error(`lease renewal: ${summary.succeeded}/${options.held} succeeded`);
    const updates = snapshot.get('UpdateQueryNode') ?? 0;
    const reads = snapshot.get('SelectQueryNode') ?? 0;
    const others = [...snapshot.values()].reduce((total, count) => total + count, 0) - updates - reads;
    return {
      held: options.held,
      leaseSeconds: leaseMs / 1000,
      windowSeconds: options.windowSeconds,
      renewalsPerSecond: updates / options.windowSeconds,
      renewalsPerInterval: updates / (options.windowSeconds / (leaseMs / 3 / 1000)),
      readsPerSecond: reads / options.windowSeconds,
      otherStatements: others,
      renewalMs,
    };
  } finally {
    worker.stop();
    await database.close();
  }
}
