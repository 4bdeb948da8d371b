/**
 * The LLM pipeline as a job handler: build the evidence bundle, render the prompt (telling the model
 * what was wrong with its previous answer, on a retry), call the model with the output schema, refuse a
 * truncated or invalid answer (fail closed), and keep everything — request, response, evidence, prompt,
 * output or error — in the lake, whatever the outcome.
 */
import { buildEvidenceBundle, type EvidenceBundle } from '../evidence/build-evidence-bundle.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { Interrogation } from '../interrogations/interrogation.ts';
import { renderPrompt, type PreviousFailure } from '../interrogations/render-prompt.ts';
import type { Lake, LakeFile } from '../lake/lake.ts';
import { LlmCallError } from '../providers/llm-call-error.ts';
import type {
  GenerationOptions,
  LlmProviderV1,
  ModelDescription,
  StructuredChatRequest,
  StructuredChatResult,
} from '../providers/llm-provider.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { AttemptError } from '../queue/record-outcomes.ts';
import type { HandlerRecord, HandlerResult, JobHandler } from '../worker/job-handler.ts';

export interface InterrogationHandlerOptions {
  registry: InterrogationRegistry;
  provider: LlmProviderV1;
  lake: Lake;
  evidence: { root: string; maxItemChars: number; maxTotalChars: number };
  /** The model for jobs without a hint; null: the interrogation's default. */
  model: string | null;
  /** Generation options from the configuration; an interrogation's own defaults override them. */
  generation: GenerationOptions;
  keepAlive?: string | number;
}

/** Used when neither the job, the configuration nor the interrogation names a model. */
export const fallbackModel = 'llama3.2';

interface Failure {
  error: AttemptError;
  retryable: boolean;
  retryAfterMs?: number;
}

const retryPromptCodes: Record<string, PreviousFailure['kind']> = { invalid_output: 'invalid_output', truncated: 'truncated' };

export function createInterrogationHandler(options: InterrogationHandlerOptions): JobHandler {
  const { registry, provider, lake } = options;

  return async function handleInterrogation(job: ClaimedJob, context): Promise<HandlerResult> {
    const startedAt = new Date();
    const files: LakeFile[] = [];
    const record: HandlerRecord = { provider: provider.provider, baseUrl: provider.baseUrl };
    let failure: Failure | null = null;
    let output: unknown;

    try {
      const interrogation = resolveInterrogation(registry, job);
      const bundle = await buildBundle(job, options);
      files.push(jsonFile('evidence.json', 'evidence', bundle));

      const previousFailure = previousFailureOf(job);
      const prompt = renderPrompt(interrogation, { input: job.input, bundle, previousFailure });
      files.push({ name: 'prompt.txt', type: 'prompt', content: prompt.promptText });

      const request: StructuredChatRequest = {
        model: job.modelHint ?? options.model ?? interrogation.defaults.model ?? fallbackModel,
        messages: prompt.messages,
        schema: interrogation.outputSchema,
        options: generationOptions(interrogation, options),
        keepAlive: options.keepAlive,
      };
      record.modelName = request.model;
      record.options = request.options;

      let result: StructuredChatResult;
      try {
        const model = await provider.describeModel(request.model, { signal: context.signal });
        describeInto(record, model);
        result = await provider.chat(request, { signal: context.signal });
      } catch (error) {
        files.push(jsonFile('request.json', 'request', requestOf(provider, request, error)));
        if (LlmCallError.isInstance(error) && error.responseBody !== undefined) {
          files.push(jsonFile('response.json', 'response', { status: error.statusCode ?? null, body: error.responseBody }));
        }
        throw error;
      }

      files.push(jsonFile('request.json', 'request', {
        url: result.wire.url,
        method: result.wire.method,
        headers: result.wire.requestHeaders,
        body: result.wire.requestBody,
      }));
      files.push(jsonFile('response.json', 'response', {
        status: result.wire.status,
        streamed: result.wire.streamed,
        body: result.wire.responseBody,
      }));
      if (result.wire.streamed) files.push({ name: 'response.ndjson', type: 'response_stream', content: result.wire.responseText });
      record.promptTokens = result.usage.promptTokens ?? null;
      record.completionTokens = result.usage.completionTokens ?? null;
      record.metrics = {
        ...(record.metrics as object | undefined),
        ...result.timings,
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
        timeToFirstByteMs: result.timeToFirstByteMs,
        elapsedMs: result.elapsedMs,
        finishReason: result.rawFinishReason ?? null,
      };

      if (result.finishReason === 'length') {
        failure = {
          error: {
            code: 'truncated',
            message:
              `the answer was cut off at the output limit (done_reason "length" after ${result.usage.completionTokens ?? '?'} tokens); ` +
              'it is not complete JSON for the schema',
          },
          retryable: true,
        };
      } else {
        const validation = registry.validateOutput(interrogation.key, result.content);
        if (validation.ok) output = validation.value;
        else {
          failure = {
            error: {
              code: 'invalid_output',
              message: `the answer ${validation.kind === 'invalid_json' ? 'is not valid JSON' : 'does not match the output schema'}:\n- ${validation.errors.join('\n- ')}`,
            },
            retryable: true,
          };
        }
      }
    } catch (error) {
      failure = classifyFailure(error);
    }

    if (failure) files.push(jsonFile('error.json', 'error', failure.error));
    else files.push(jsonFile('output.json', 'output', output));

    try {
      const written = await lake.writeAttempt(job.runId, startedAt, files);
      record.lakeDir = written.directory;
      return failure
        ? { kind: 'failed', record, artifacts: written.artifacts, ...failure }
        : { kind: 'succeeded', record, artifacts: written.artifacts };
    } catch (error) {
      const lakeFailure: AttemptError = { code: 'lake_error', message: `could not write the attempt to the lake: ${(error as Error).message}` };
      return { kind: 'failed', record, artifacts: [], error: lakeFailure, retryable: true };
    }
  };
}

class PermanentJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function resolveInterrogation(registry: InterrogationRegistry, job: ClaimedJob): Interrogation {
  try {
    return registry.get(job.interrogationKey);
  } catch (error) {
    throw new PermanentJobError('unknown_interrogation', `this worker has no interrogation "${job.interrogationKey}": ${(error as Error).message}`);
  }
}

async function buildBundle(job: ClaimedJob, options: InterrogationHandlerOptions): Promise<EvidenceBundle> {
  const input = job.input as { extra_params?: { evidence?: unknown } } | null;
  const inline = Array.isArray(input?.extra_params?.evidence) ? input!.extra_params!.evidence : [];
  try {
    return await buildEvidenceBundle({
      inline: inline as never,
      refs: job.evidenceRefs,
      evidenceRoot: options.evidence.root,
      maxItemChars: options.evidence.maxItemChars,
      maxTotalChars: options.evidence.maxTotalChars,
    });
  } catch (error) {
    throw new PermanentJobError('evidence_error', `cannot build the evidence bundle: ${(error as Error).message}`);
  }
}

function previousFailureOf(job: ClaimedJob): PreviousFailure | undefined {
  const kind = job.previousError ? retryPromptCodes[job.previousError.code] : undefined;
  return kind ? { kind, message: job.previousError!.message } : undefined;
}

function generationOptions(interrogation: Interrogation, options: InterrogationHandlerOptions): GenerationOptions {
  const configured = Object.fromEntries(Object.entries(options.generation).filter(([, value]) => value !== undefined));
  return { ...configured, ...interrogation.defaults.options };
}

function describeInto(record: HandlerRecord, model: ModelDescription): void {
  record.modelName = model.name;
  record.modelTag = model.tag;
  record.modelDigest = model.digest;
  record.metrics = { ...(record.metrics as object | undefined), model: { details: model.details ?? null, capabilities: model.capabilities ?? null } };
}

function requestOf(provider: LlmProviderV1, request: StructuredChatRequest, error: unknown) {
  const url = LlmCallError.isInstance(error) ? error.url : provider.baseUrl;
  return { url, request, note: 'the call failed before a complete exchange; this is the request as Holocron built it' };
}

function classifyFailure(error: unknown): Failure {
  if (error instanceof PermanentJobError) return { error: { code: error.code, message: error.message }, retryable: false };
  if (LlmCallError.isInstance(error)) {
    return {
      error: { code: error.code, message: error.message },
      retryable: error.isRetryable,
      retryAfterMs: error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined,
    };
  }
  return { error: { code: 'internal_error', message: `internal error: ${(error as Error)?.message ?? String(error)}` }, retryable: true };
}

function jsonFile(name: string, type: LakeFile['type'], value: unknown): LakeFile {
  return { name, type, content: `${JSON.stringify(value, null, 2)}\n` };
}
