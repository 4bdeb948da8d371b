/** What a worker did in one `work` run: `work --json`, and the words `work` prints. */
import type { WorkerSummary } from '../worker/worker.ts';

export interface WorkerRunSummary extends Omit<WorkerSummary, 'scheduled' | 'retrying'> {
  /** Wall-clock seconds the run took. */
  seconds: number;
  /** Jobs scheduled for later, not waited for; when the first is due (ISO 8601). */
  scheduled: { count: number; firstDueAt: string | null };
  /** Jobs still in RETRY when a drain stopped at --max-wait-seconds. */
  retrying: { count: number; firstDueAt: string | null };
}

export function toWorkerRunSummary(summary: WorkerSummary, seconds: number): WorkerRunSummary {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    ...summary,
    seconds,
    scheduled: { count: summary.scheduled.count, firstDueAt: iso(summary.scheduled.firstDueAt) },
    retrying: { count: summary.retrying.count, firstDueAt: iso(summary.retrying.firstDueAt) },
  };
}

/** The summary in words, one paragraph. */
export function describeWorkerRun(summary: WorkerRunSummary): string {
  const lines = [
    `Worker finished in ${summary.seconds.toFixed(1)} s: ${summary.succeeded} succeeded, ${summary.deadLettered} dead-lettered, ` +
      `${summary.failed} failed attempts, ${summary.deferred} calls deferred by backpressure (server busy; no attempt spent)` +
      (summary.busyBudgetExceeded > 0 ? `, ${summary.busyBudgetExceeded} failed past the busy budget` : '') +
      `. ${summary.claimed} claimed, ${summary.refused} refused (lease lost), ${summary.released} released, ${summary.reaped} expired leases taken back` +
      (summary.unrecorded > 0 ? `, ${summary.unrecorded} outcomes could not be recorded (their jobs will run again)` : '') +
      (summary.lost > 0 ? `, ${summary.lost} dropped unstarted (lease lost)` : '') +
      '.',
  ];
  for (const endpoint of summary.endpoints) {
    if (endpoint.calls === 0 && endpoint.state === 'in') continue;
    lines.push(
      `Endpoint "${endpoint.endpointId}" (${endpoint.baseUrl}): in-flight level settled at ${endpoint.limit} of ${endpoint.ceiling}` +
        ` (peak ${endpoint.peakInFlight}${endpoint.busyAt === null ? '' : `, last busy at ${endpoint.busyAt}`}), ${endpoint.calls} calls, ${endpoint.busy} busy answers` +
        (endpoint.timesOut > 0 ? `, taken out ${endpoint.timesOut} time${endpoint.timesOut === 1 ? '' : 's'} for not answering` : '') +
        (endpoint.state === 'out' ? ' — not answering now' : '') +
        '.',
    );
  }
  if (summary.scheduled.count > 0) {
    lines.push(`${summary.scheduled.count} job${summary.scheduled.count === 1 ? ' is' : 's are'} scheduled for later (not waited for); the first is due at ${summary.scheduled.firstDueAt}.`);
  }
  if (summary.stoppedWithWorkLeft) {
    lines.push(`Stopped at --max-wait-seconds with ${summary.retrying.count} job${summary.retrying.count === 1 ? '' : 's'} still waiting to retry (the first due at ${summary.retrying.firstDueAt}).`);
  }
  return `${lines.join('\n')}\n`;
}
