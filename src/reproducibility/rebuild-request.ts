/**
 * `holocron replay --rebuild <attempt>`: re-derives an attempt's request from what it was made of — the
 * job's input, the evidence bundle stored in its folder (evidence.json, checked against its sha256), the
 * interrogation definition it used (stored content-addressed), the reason its previous attempt was
 * rejected (a retry's prompt says so), and the generation options recorded on its `runs` row — renders
 * the prompt again, builds the backend's wire body, and proves the result is byte for byte the
 * request.json in the lake, or shows the first difference.
 *
 * Taken from the stored record because no job input determines them: the endpoint (id, kind, base
 * URL), the URL and (redacted) headers, and the endpoint settings that do not change the answer
 * (`stream`, `keep_alive`); the worker's default model when the job named none.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { EvidenceBundle } from '../evidence/build-evidence-bundle.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { Interrogation } from '../interrogations/interrogation.ts';
import { renderPrompt, type PreviousFailure } from '../interrogations/render-prompt.ts';
import type { Lake } from '../lake/lake.ts';
import { requestRecord } from '../pipeline/request-record.ts';
import type { GenerationOptions, ProviderOptions, StructuredChatRequest } from '../providers/llm-provider.ts';
import { buildChatRequestBody } from '../providers/ollama/create-ollama-provider.ts';
import { buildOpenAiChatRequestBody } from '../providers/openai-compatible/create-openai-compatible-provider.ts';
import { interrogationFromDefinition } from './interrogation-definition.ts';
import { storedRequest } from './replay-attempt.ts';
import { ReproducibilityError } from './reproducibility-error.ts';
import { getDefinition } from './stored-definitions.ts';
import { artifactOf, loadAttempt, readVerified } from './stored-attempt.ts';

export interface RebuildReport {
  runId: string;
  jobId: number;
  lakePath: string;
  /** The rebuilt request.json is byte for byte the lake's. */
  identical: boolean;
  bytes: { lake: number; rebuilt: number };
  interrogation: string;
  /** Where the interrogation came from: its stored definition (by hash), or the registry (none stored). */
  definition: string;
  previousFailure: PreviousFailure | null;
  /** Taken from the record, not re-derived (see the module). */
  fromRecord: string[];
  /** Whether the wire body was rebuilt (a backend kind without a body builder here compares the rest). */
  wireRebuilt: boolean;
  firstDifference?: { offset: number; line: number; column: number; lake: string; rebuilt: string };
  /** The rebuilt request.json text (for --json users who want to diff it themselves). */
  rebuiltText?: string;
}

const retryPromptCodes: Record<string, PreviousFailure['kind']> = { invalid_output: 'invalid_output', truncated: 'truncated' };

export async function rebuildRequest(
  dependencies: { database: HolocronDatabase; lake: Lake; registry: InterrogationRegistry },
  attemptId: string,
): Promise<RebuildReport> {
  const { database, lake } = dependencies;
  const attempt = await loadAttempt(database, attemptId);
  const { run, job } = attempt;
  if (run.source_kind === 'cache_hit') throw new ReproducibilityError(`attempt ${run.id} was served from the cache (from ${run.source_run_id}); rebuild that one`);
  const requestArtifact = artifactOf(attempt, 'request');
  if (!requestArtifact) throw new ReproducibilityError(`attempt ${run.id} has no request.json (it failed before a request was made)`);
  const lakeBytes = await readVerified(lake, requestArtifact);
  const stored = (await storedRequest(lake, attempt).catch(() => null))?.record ?? JSON.parse(lakeBytes.toString('utf8'));

  let interrogation: Interrogation;
  let definition: string;
  const storedDefinition = run.definition_hash ? await getDefinition(database.db, run.definition_hash) : undefined;
  if (storedDefinition) {
    interrogation = interrogationFromDefinition(storedDefinition.text, storedDefinition.hash);
    definition = `stored definition ${storedDefinition.hash}`;
  } else if (dependencies.registry.has(job.interrogation_key)) {
    interrogation = dependencies.registry.get(job.interrogation_key);
    definition = 'the registered interrogation (the attempt predates stored definitions)';
  } else {
    throw new ReproducibilityError(`attempt ${run.id}'s interrogation "${job.interrogation_key}" is neither stored nor registered`);
  }

  const evidenceArtifact = artifactOf(attempt, 'evidence');
  if (!evidenceArtifact) throw new ReproducibilityError(`attempt ${run.id} has no evidence.json to rebuild from`);
  const bundle = JSON.parse((await readVerified(lake, evidenceArtifact)).toString('utf8')) as EvidenceBundle;
  const previousFailure = await previousFailureOf(database, Number(job.id), run.attempt);
  const prompt = renderPrompt(interrogation, { input: JSON.parse(job.input), bundle, previousFailure: previousFailure ?? undefined });

  const fromRecord = ['endpoint', 'wire.url', 'wire.headers'];
  const recorded = run.options === null ? {} : (JSON.parse(run.options) as GenerationOptions & { providerOptions?: ProviderOptions });
  const { providerOptions, ...options } = recorded;
  if (!job.model_hint) fromRecord.push('model (the worker’s default: the job named none)');
  const request: StructuredChatRequest = {
    model: job.model_hint ?? stored.request?.model,
    messages: prompt.messages,
    schema: interrogation.outputSchema,
    options: run.options === null ? undefined : options,
    ...(providerOptions === undefined ? {} : { providerOptions }),
  };

  let wire = null;
  let wireRebuilt = false;
  if (stored.wire) {
    const storedBody = stored.wire.body as { stream?: boolean; keep_alive?: string | number; options?: { num_ctx?: number } };
    let body: unknown = stored.wire.body;
    if (stored.endpoint?.provider === 'ollama') {
      body = buildChatRequestBody(request, storedBody.stream ?? true, { keepAlive: storedBody.keep_alive, numCtx: storedBody.options?.num_ctx });
      wireRebuilt = true;
      fromRecord.push('wire body: stream, keep_alive (endpoint settings that do not change the answer)');
    } else if (stored.endpoint?.provider === 'openai') {
      const format = (stored.wire.body as { response_format?: { json_schema?: { strict?: boolean } } }).response_format;
      body = buildOpenAiChatRequestBody(request, { stream: storedBody.stream ?? false, strict: format?.json_schema?.strict ?? false });
      wireRebuilt = true;
      fromRecord.push('wire body: stream, json_schema.strict (endpoint settings)');
    } else {
      fromRecord.push(`wire body (no body builder for backend "${stored.endpoint?.provider}" here: only the neutral request is rebuilt)`);
    }
    wire = { url: stored.wire.url, method: stored.wire.method, requestHeaders: stored.wire.headers, requestBody: body };
  }
  const rebuiltText = `${JSON.stringify(requestRecord(request, stored.endpoint ?? null, wire), null, 2)}\n`;
  const rebuilt = Buffer.from(rebuiltText, 'utf8');
  const identical = rebuilt.equals(lakeBytes);
  return {
    runId: run.id,
    jobId: Number(job.id),
    lakePath: requestArtifact.lake_path,
    identical,
    bytes: { lake: lakeBytes.byteLength, rebuilt: rebuilt.byteLength },
    interrogation: job.interrogation_key,
    definition,
    previousFailure,
    fromRecord,
    wireRebuilt,
    ...(identical ? {} : { firstDifference: firstDifference(lakeBytes, rebuilt), rebuiltText }),
  };
}

/** What the previous attempt's rejection said, as the retry's prompt told the model. */
async function previousFailureOf(database: HolocronDatabase, jobId: number, attempt: number): Promise<PreviousFailure | null> {
  if (attempt <= 1) return null;
  const previous = await database.db
    .selectFrom('runs')
    .select(['error_code', 'error'])
    .where('job_id', '=', jobId)
    .where('attempt', '<', attempt)
    .where('error', 'is not', null)
    .orderBy('attempt', 'desc')
    .limit(1)
    .executeTakeFirst();
  const kind = previous?.error_code ? retryPromptCodes[previous.error_code] : undefined;
  return kind && previous?.error ? { kind, message: previous.error } : null;
}

function firstDifference(lake: Buffer, rebuilt: Buffer): NonNullable<RebuildReport['firstDifference']> {
  let offset = 0;
  while (offset < lake.length && offset < rebuilt.length && lake[offset] === rebuilt[offset]) offset++;
  const before = lake.subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const around = (bytes: Buffer) => bytes.subarray(Math.max(0, offset - 40), offset + 60).toString('utf8');
  return { offset, line, column, lake: around(lake), rebuilt: around(rebuilt) };
}
