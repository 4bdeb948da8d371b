/**
 * How long a simulated generation takes, the same on both protocols: with a token rate, the prompt at
 * 20× the generation speed and one token per 1/rate s; else the configured latency, a tenth of it for
 * the prompt. And the client's disconnect, which stops a generation in its tracks.
 */
import type { ServerResponse } from 'node:http';
import { abortableSleep, ClientGoneError } from './abortable-sleep.ts';
import type { ChatAnswer } from './chat-answer.ts';
import { SlotWaitAbortedError } from './generation-slots.ts';
import type { SimulatorRuntime } from './simulator-runtime.ts';

const promptShareOfLatency = 0.1;
const promptSpeedupOverGeneration = 20;

export interface GenerationPlan {
  promptMilliseconds: number;
  evalMilliseconds: number;
}

export function planGeneration(runtime: SimulatorRuntime, answer: ChatAnswer): GenerationPlan {
  const rate = runtime.options.tokensPerSecond;
  if (rate !== undefined) {
    return {
      promptMilliseconds: (answer.promptTokens / (rate * promptSpeedupOverGeneration)) * 1000,
      evalMilliseconds: (answer.tokens.length / rate) * 1000,
    };
  }
  const latency = runtime.options.latencyMs;
  return { promptMilliseconds: latency * promptShareOfLatency, evalMilliseconds: latency * (1 - promptShareOfLatency) };
}

export async function sleepIfPositive(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (milliseconds > 0) await abortableSleep(milliseconds, signal);
}

/** A signal that aborts when the client closes the connection before the answer is finished. */
export function watchClientDisconnect(response: ServerResponse): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!response.writableFinished) controller.abort();
  };
  response.on('close', onClose);
  return { signal: controller.signal, dispose: () => response.off('close', onClose) };
}

/** The client went away while we slept or waited for a slot: nothing more to send. */
export function isClientGone(error: unknown): boolean {
  return error instanceof ClientGoneError || error instanceof SlotWaitAbortedError;
}
