/**
 * Counters a running simulator exposes through `stats()`: what arrived, what was answered, which faults
 * were injected, how many requests were refused as busy, and the concurrency actually reached.
 */
import { allFaultKinds, type FaultKind } from './fault-plan.ts';
import type { GenerationSlots } from './generation-slots.ts';

export interface SimulatorStats {
  /** Requests per URL path, e.g. `{"/api/chat": 12, "/api/tags": 1}` (unknown paths included). */
  requestsByPath: Record<string, number>;
  /** Requests per method and path, e.g. `{"POST /api/chat": 12}`. */
  requestsByRoute: Record<string, number>;
  /** Chats that received a complete answer ending with `done: true` (load-only requests excluded). */
  chatsAnswered: number;
  /** Load-only chats (`messages: []`) answered with done_reason load/unload. */
  loadRequestsAnswered: number;
  /** Faults actually injected, by kind. */
  faults: Record<FaultKind, number>;
  /** 503 "server busy" refusals (and, OpenAI side, 503 "Loading model" answers). */
  busyRejections: number;
  /** Admitted chats whose client went away before the answer was complete. */
  clientDisconnects: number;
  /** Model loads started (cold starts and reloads after keep_alive expired). */
  modelLoads: number;
  /** Chats generating right now. */
  generating: number;
  /** The highest number of chats that were ever generating at once. */
  maxConcurrentGenerating: number;
  /** Admitted chats not generating yet (waiting for a slot or a model load). */
  queueDepth: number;
}

export class SimulatorStatsRecorder {
  private readonly requestsByPath = new Map<string, number>();
  private readonly requestsByRoute = new Map<string, number>();
  private readonly faults = new Map<FaultKind, number>();
  chatsAnswered = 0;
  loadRequestsAnswered = 0;
  busyRejections = 0;
  clientDisconnects = 0;
  modelLoads = 0;

  recordRequest(method: string, path: string): void {
    this.requestsByPath.set(path, (this.requestsByPath.get(path) ?? 0) + 1);
    const route = `${method} ${path}`;
    this.requestsByRoute.set(route, (this.requestsByRoute.get(route) ?? 0) + 1);
  }

  recordFault(kind: FaultKind): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  snapshot(slots: GenerationSlots): SimulatorStats {
    const faults = Object.fromEntries(allFaultKinds.map((kind) => [kind, this.faults.get(kind) ?? 0])) as Record<FaultKind, number>;
    return {
      requestsByPath: Object.fromEntries(this.requestsByPath),
      requestsByRoute: Object.fromEntries(this.requestsByRoute),
      chatsAnswered: this.chatsAnswered,
      loadRequestsAnswered: this.loadRequestsAnswered,
      faults,
      busyRejections: this.busyRejections,
      clientDisconnects: this.clientDisconnects,
      modelLoads: this.modelLoads,
      generating: slots.generating,
      maxConcurrentGenerating: slots.maxConcurrentGenerating,
      queueDepth: slots.queueDepth,
    };
  }
}
