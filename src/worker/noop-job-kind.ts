/**
 * The 'noop' job kind: succeeds at once and does nothing else. For
 * measuring the queue alone (the no-op drain benchmark) and for checking a deployment end to end
 * without an LLM server: `holocron enqueue --kind noop --input '{}'`, then `holocron work --drain`.
 */
import type { JobKind } from './job-kind-registry.ts';

export const noopJobKind: JobKind = {
  kind: 'noop',
  handle: async () => ({ kind: 'succeeded', record: {}, artifacts: [] }),
  validate: (input) =>
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { ok: true, value: input }
      : { ok: false, errors: ['the input of a noop job must be a JSON object'] },
};
