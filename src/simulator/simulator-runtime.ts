/**
 * The mutable state one running simulator shares between its routes: options, model catalog,
 * generation slots, loaded models, the fault sequence and the stats counters.
 */
import { AnswerBook } from './answer-book.ts';
import { FaultPlan } from './fault-plan.ts';
import { GenerationSlots } from './generation-slots.ts';
import { ModelCatalog, normalizeModelName } from './model-catalog.ts';
import { ModelResidency } from './model-residency.ts';
import type { SimulatorOptions } from './simulator-options.ts';
import { SimulatorStatsRecorder } from './simulator-stats.ts';

export interface SimulatorRuntime {
  readonly options: SimulatorOptions;
  readonly catalog: ModelCatalog;
  readonly slots: GenerationSlots;
  readonly residency: ModelResidency;
  readonly faultPlan: FaultPlan;
  readonly stats: SimulatorStatsRecorder;
  /** Known answers, when given (`--answers`). */
  readonly answers: KnownAnswers | null;
  /** Set by close(): responses then ask the client to close the connection. */
  closing: boolean;
  /** When the server started (`performance.now()`): llama-server's model loads from then for `loadMs`. */
  readonly startedAtMs: number;
}

export interface KnownAnswers {
  book: AnswerBook;
  /** The probability that each field is right, for a model's full name. */
  accuracy(model: string): number;
}

export function createSimulatorRuntime(options: SimulatorOptions): SimulatorRuntime {
  const stats = new SimulatorStatsRecorder();
  return {
    options,
    catalog: new ModelCatalog(options.models),
    slots: new GenerationSlots(options.parallel, options.maxQueue),
    residency: new ModelResidency(options.loadMs, () => {
      stats.modelLoads += 1;
    }),
    faultPlan: new FaultPlan(options.faults, options.faultSeed),
    stats,
    answers:
      options.answers.length === 0
        ? null
        : {
            book: new AnswerBook(options.answers.map((entry) => ({ key: entry.key, answer: entry.answer }))),
            accuracy: (model) => options.accuracy[normalizeModelName(model)] ?? 1,
          },
    closing: false,
    startedAtMs: performance.now(),
  };
}
