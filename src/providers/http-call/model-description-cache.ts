/**
 * Model descriptions looked up once per name and shared: concurrent callers wait on one lookup; a
 * failed lookup is not kept (the next caller tries again); one caller's abort stops only its own wait.
 * Once a lookup has succeeded, its description is handed out at once: there is nothing to wait for, so
 * no abort listener per call (every cache hit asks for the model).
 */
import type { LlmCallError } from '../llm-call-error.ts';
import type { CallOptions, ModelDescription } from '../llm-provider.ts';
import { abandonOnAbort } from '../../support/abandon-on-abort.ts';

export function createModelDescriptionCache(
  lookUp: (name: string) => Promise<ModelDescription>,
  abortedError: (name: string) => LlmCallError,
): (name: string, callOptions?: CallOptions) => Promise<ModelDescription> {
  const descriptions = new Map<string, Promise<ModelDescription>>();
  const succeeded = new WeakSet<Promise<ModelDescription>>();
  return (name, callOptions) => {
    let description = descriptions.get(name);
    if (description === undefined) {
      const lookup = lookUp(name);
      descriptions.set(name, lookup);
      lookup.then(
        () => succeeded.add(lookup),
        () => {
          if (descriptions.get(name) === lookup) descriptions.delete(name);
        },
      );
      description = lookup;
    }
    const signal = callOptions?.signal;
    if (signal === undefined) return description;
    if (succeeded.has(description)) return signal.aborted ? Promise.reject(abortedError(name)) : description;
    return abandonOnAbort(description, signal, () => abortedError(name));
  };
}
