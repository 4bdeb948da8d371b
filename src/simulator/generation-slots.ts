/**
 * Ollama's scheduling limits: at most `parallel` requests generate at once (OLLAMA_NUM_PARALLEL) and at
 * most `maxQueue` more may wait (OLLAMA_MAX_QUEUE); beyond that a request is refused at once (503).
 * A request that is admitted gets a ticket; `finish()` always frees whatever the ticket holds, so a client
 * that disconnects while waiting leaves the queue and never leaks a slot.
 */

export class SlotWaitAbortedError extends Error {
  override readonly name = 'SlotWaitAbortedError';
}

interface Waiter {
  grant(): void;
}

export class GenerationSlots {
  private readonly parallel: number;
  private readonly maxQueue: number;
  private admitted = 0;
  private generatingCount = 0;
  private highestGenerating = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(parallel: number, maxQueue: number) {
    this.parallel = parallel;
    this.maxQueue = maxQueue;
  }

  /** A ticket when there is room in the slots or the queue, null when the server is busy. */
  admit(): SlotTicket | null {
    if (this.admitted >= this.parallel + this.maxQueue) return null;
    this.admitted += 1;
    return new SlotTicket(this);
  }

  get generating(): number {
    return this.generatingCount;
  }

  /** Admitted requests not generating yet (waiting for a slot or for the model to load). */
  get queueDepth(): number {
    return this.admitted - this.generatingCount;
  }

  get maxConcurrentGenerating(): number {
    return this.highestGenerating;
  }

  /** @internal Takes a free slot now, or returns false. */
  takeFreeSlot(): boolean {
    if (this.generatingCount >= this.parallel || this.waiters.size > 0) return false;
    this.markGenerating();
    return true;
  }

  /** @internal */
  enqueue(waiter: Waiter): void {
    this.waiters.add(waiter);
  }

  /** @internal */
  dequeue(waiter: Waiter): void {
    this.waiters.delete(waiter);
  }

  /** @internal */
  releaseSlot(): void {
    this.generatingCount -= 1;
    this.grantWaiters();
  }

  /** @internal */
  leave(): void {
    this.admitted -= 1;
  }

  private markGenerating(): void {
    this.generatingCount += 1;
    if (this.generatingCount > this.highestGenerating) this.highestGenerating = this.generatingCount;
  }

  private grantWaiters(): void {
    while (this.generatingCount < this.parallel && this.waiters.size > 0) {
      const next = this.waiters.values().next().value as Waiter;
      this.waiters.delete(next);
      this.markGenerating();
      next.grant();
    }
  }
}

type TicketState = 'admitted' | 'waiting' | 'generating' | 'finished';

export class SlotTicket {
  private readonly slots: GenerationSlots;
  private state: TicketState = 'admitted';
  private waiter: Waiter | undefined;

  constructor(slots: GenerationSlots) {
    this.slots = slots;
  }

  /** Resolves once this request holds a generation slot; rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> | undefined {
    if (this.state !== 'admitted') throw new Error(`cannot acquire a slot from state ${this.state}`);
    if (signal.aborted) return Promise.reject(new SlotWaitAbortedError('the client went away'));
    if (this.slots.takeFreeSlot()) {
      this.state = 'generating';
      return undefined;
    }
    this.state = 'waiting';
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.slots.dequeue(waiter);
        this.state = 'admitted';
        reject(new SlotWaitAbortedError('the client went away while waiting for a slot'));
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.state = 'generating';
          resolve();
        },
      };
      this.waiter = waiter;
      signal.addEventListener('abort', onAbort, { once: true });
      this.slots.enqueue(waiter);
    });
  }

  /** Frees the slot or the queue place; safe to call more than once. */
  finish(): void {
    if (this.state === 'finished') return;
    if (this.state === 'generating') this.slots.releaseSlot();
    if (this.state === 'waiting' && this.waiter !== undefined) this.slots.dequeue(this.waiter);
    this.state = 'finished';
    this.slots.leave();
  }
}
