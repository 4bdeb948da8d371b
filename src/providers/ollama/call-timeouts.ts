/**
 * The abort machinery of one HTTP call: a first-byte timeout (until the response headers arrive, which
 * covers model loading), then an idle timeout (refreshed on every body chunk), combined with the
 * caller's AbortSignal. One timer at a time, always cleared by `dispose()`, so nothing keeps the
 * process alive after the call. `stopReason` tells why the call was aborted.
 */

export type CallStopReason = 'first_byte_timeout' | 'idle_timeout' | 'caller';

export class CallTimeouts {
  /** Pass this to the transport: aborts on either timeout or on the caller's signal. */
  readonly signal: AbortSignal;
  /** Why the call was aborted; undefined while it has not been. */
  stopReason: CallStopReason | undefined;

  readonly #controller = new AbortController();
  readonly #idleTimeoutMs: number;
  readonly #callerSignal: AbortSignal | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Timeouts that are not positive numbers of at most 2^31-1 ms (e.g. 0, Infinity) are disabled. */
  constructor(firstByteTimeoutMs: number, idleTimeoutMs: number, callerSignal?: AbortSignal) {
    this.signal = this.#controller.signal;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#callerSignal = callerSignal;
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) {
        this.#stop('caller');
        return;
      }
      callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    this.#timer = startTimer(firstByteTimeoutMs, this.#onFirstByteTimeout);
  }

  /** The response headers arrived: switch from the first-byte timeout to the idle timeout. */
  headersReceived(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = this.stopReason === undefined ? startTimer(this.#idleTimeoutMs, this.#onIdleTimeout) : undefined;
  }

  /** A body chunk arrived: restart the idle timeout. */
  activity(): void {
    this.#timer?.refresh();
  }

  /** Clears the timer and the caller-signal listener. Call it in a `finally`. */
  dispose(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  readonly #onCallerAbort = (): void => this.#stop('caller');
  readonly #onFirstByteTimeout = (): void => this.#stop('first_byte_timeout');
  readonly #onIdleTimeout = (): void => this.#stop('idle_timeout');

  #stop(reason: CallStopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#controller.abort(reason === 'caller' ? this.#callerSignal?.reason : new Error(reason));
  }
}

const maximumTimerDelayMs = 2_147_483_647;

function startTimer(timeoutMs: number, onTimeout: () => void): NodeJS.Timeout | undefined {
  // setTimeout fires after 1 ms for delays beyond 2^31-1, so those count as "no timeout" too.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > maximumTimerDelayMs) return undefined;
  return setTimeout(onTimeout, timeoutMs);
}
