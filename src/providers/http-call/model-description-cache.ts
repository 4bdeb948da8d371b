/**
 * Model descriptions looked up once per name and shared: concurrent callers wait on one lookup; a
 * failed lookup is not kept (the next caller tries again); one caller's abort stops only its own wait.
 */
import type { LlmCallError } from '../llm-call-error.ts';
import type { CallOptions, ModelDescription } from '../llm-provider.ts';
import { abandonOnAbort } from '../../support/abandon-on-abort.ts';

export function createModelDescriptionCache(
  lookUp: (name: string) => Promise<ModelDescription>,
  abortedError: (name: string) => LlmCallError,
): (name: string, callOptions?: CallOptions) => Promise<ModelDescription> {
  const descriptions = new Map<string, Promise<ModelDescription>>();
  return (name, callOptions) => {
    let description = descriptions.get(name);
    if (description === undefined) {
      const lookup = lookUp(name);
      descriptions.set(name, lookup);
      lookup.catch(() => {
        if (descriptions.get(name) === lookup) descriptions.delete(name);
      });
      description = lookup;
    }
    const signal = callOptions?.signal;
    return signal === undefined ? description : abandonOnAbort(description, signal, () => abortedError(name));
  };
}
