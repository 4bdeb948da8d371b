/**
 * Decides, per valid `/api/chat` request, whether a fault is injected. Draws come from ONE seeded sequence
 * for the whole server (not from the request), so the same run is reproducible while a retry of the same
 * request can succeed. Every request consumes the same number of draws, whatever is decided.
 */
import type { FaultRates } from './simulator-options.ts';
import { SeededRandom } from './seeded-random.ts';

/** Fault kinds in the order they are considered; the first one drawn (and applicable) wins. */
export const faultKinds = [
  'modelNotFound',
  'serverError',
  'dropConnection',
  'streamError',
  'truncated',
  'invalidJson',
  'schemaViolation',
] as const satisfies readonly (keyof FaultRates)[];

export type FaultKind = (typeof faultKinds)[number] | 'rateLimited';

/** Every kind a decision can name (stats count them all). */
export const allFaultKinds: readonly FaultKind[] = [...faultKinds, 'rateLimited'];

export interface FaultDecision {
  kind: FaultKind | null;
  /** A number in [0, 1) for choosing how the fault looks (where to cut, which variant). */
  variant: number;
}

export class FaultPlan {
  private readonly random: SeededRandom;
  private readonly rates: FaultRates;
  private readonly anyFaultConfigured: boolean;

  constructor(rates: FaultRates, seed: number) {
    this.rates = rates;
    this.random = SeededRandom.fromNumber(seed);
    this.anyFaultConfigured = allFaultKinds.some((kind) => rates[kind] > 0);
  }

  /** Draws the next decision; `isApplicable` rules out kinds that make no sense for this request. */
  next(isApplicable: (kind: FaultKind) => boolean): FaultDecision {
    if (!this.anyFaultConfigured) return { kind: null, variant: 0 };
    let chosen: FaultKind | null = null;
    for (const kind of faultKinds) {
      const draw = this.random.nextFloat();
      if (chosen === null && draw < this.rates[kind] && isApplicable(kind)) chosen = kind;
    }
    // Drawn only when configured, so fault sequences seeded before it existed stay as they were.
    if (this.rates.rateLimited > 0) {
      const draw = this.random.nextFloat();
      if (chosen === null && draw < this.rates.rateLimited && isApplicable('rateLimited')) chosen = 'rateLimited';
    }
    return { kind: chosen, variant: this.random.nextFloat() };
  }
}
