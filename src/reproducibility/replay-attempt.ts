/**
 * `holocron replay <attempt> [--endpoint URL] [--model M]`: sends an attempt's stored request bytes
 * again — `request.json`'s `wire.body` exactly as it went out (JSON.stringify of it is byte for byte the
 * body the provider sent), after checking request.json against its recorded sha256 — and records the
 * answer as a new attempt linked to the old one (`runs.source_kind = 'replay'`, `source_run_id`).
 * `--endpoint` sends it to another server (same path), `--model` changes only the body's model.
 *
 * The new attempt belongs to a job of its own, of kind `replay` (its parent is the replayed attempt's
 * job, which is left as it is), so the queue's recording, fencing and audit apply to it unchanged:
 * enqueued unclaimable, claimed here by id, handled by the `replay` kind, recorded with `recordOutcomes`.
 */
import { createHash } from 'node:crypto';
import type { HolocronDatabase } from '../database/open-database.ts';
import { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { Lake, LakeFile } from '../lake/lake.ts';
import { parseRequestRecord, type RequestRecord } from '../pipeline/request-record.ts';
import { claimJobById } from '../queue/claim-job-by-id.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import { recordOutcomes, type AttemptOutcome } from '../queue/record-outcomes.ts';
import type { HandlerRecord, HandlerResult } from '../worker/job-handler.ts';
import type { InputValidation, JobKind } from '../worker/job-kind-registry.ts';
import { interrogationFromDefinition } from './interrogation-definition.ts';
import { readChatResponse } from './read-chat-response.ts';
import { ReproducibilityError } from './reproducibility-error.ts';
import { getDefinition } from './stored-definitions.ts';
import { artifactOf, loadAttempt, readVerified, type StoredAttempt } from './stored-attempt.ts';

export const replayJobKind = 'replay';

export interface ReplayInput {
  /** The attempt whose request is sent again. */
  of: string;
  endpoint?: string;
  model?: string;
}

export interface ReplayDependencies {
  database: HolocronDatabase;
  lake: Lake;
  registry: InterrogationRegistry;
  fetch?: typeof fetch;
}

export interface ReplayResult {
  runId: string;
  jobId: number;
  sourceRunId: string;
  status: 'SUCCEEDED' | 'FAILED';
  url: string;
  sentSha256: string;
  /** The bytes sent are the stored ones (no --model). */
  exactBytes: boolean;
  error?: { code: string; message: string };
  output?: unknown;
}

function validateReplayInput(input: unknown): InputValidation {
  const value = input as Partial<ReplayInput> | null;
  const errors: string[] = [];
  if (!value || typeof value !== 'object') return { ok: false, errors: ['must be an object {of, endpoint?, model?}'] };
  if (typeof value.of !== 'string' || !/^[0-9a-f-]{36}$/.test(value.of)) errors.push('"of" must be an attempt id (a UUID)');
  if (value.endpoint !== undefined && (typeof value.endpoint !== 'string' || !/^https?:\/\//.test(value.endpoint))) errors.push('"endpoint" must be an http(s) URL');
  if (value.model !== undefined && (typeof value.model !== 'string' || value.model.trim() === '')) errors.push('"model" must be a model name');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** The `replay` job kind: what `holocron replay` enqueues and runs (any worker can run it too). */
export function createReplayJobKind(dependencies: ReplayDependencies): JobKind {
  return {
    kind: replayJobKind,
    validate: validateReplayInput,
    handle: (job, context) => handleReplay(dependencies, job, context.signal),
  };
}

/** Replays an attempt now, in this process, and returns the new attempt. */
export async function replayAttempt(
  dependencies: ReplayDependencies & { enqueue: (requests: readonly unknown[]) => Promise<{ id: number }[]> },
  attemptId: string,
  options: { endpoint?: string; model?: string; workerId: string },
): Promise<ReplayResult> {
  const source = await loadAttempt(dependencies.database, attemptId);
  // Checked before anything is written: the request is there, intact, and went out.
  await storedRequest(dependencies.lake, source);
  const input: ReplayInput = { of: source.run.id, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.model ? { model: options.model } : {}) };
  const [enqueued] = await dependencies.enqueue([
    // Unclaimable by other workers (a year away): this process claims it by id at once.
    // No run label: a replay is not part of the experiment (an evaluation's or a pipeline's counts) it replays.
    { kind: replayJobKind, input, parent_job_id: Number(source.job.id), max_attempts: 1, delay_seconds: 31_536_000 },
  ]);
  const job = await claimJobById(dependencies.database, enqueued!.id, options.workerId, 600_000);
  if (!job) throw new ReproducibilityError(`the replay job ${enqueued!.id} was claimed by someone else`);
  const startedAt = Date.now();
  const result = await handleReplay(dependencies, job, new AbortController().signal);
  const completedAt = Date.now();
  const record = { ...result.record, workerId: options.workerId, startedAt, completedAt };
  const outcome: AttemptOutcome =
    result.kind === 'succeeded'
      ? { kind: 'succeeded', held: { jobId: job.id, runId: job.runId }, attempt: job.attempt, record, artifacts: result.artifacts, output: result.output }
      : { kind: 'failed', held: { jobId: job.id, runId: job.runId }, attempt: job.attempt, record, artifacts: result.artifacts, error: result.error, retryable: false, retryDelayMs: 0 };
  await recordOutcomes(dependencies.database, [outcome]);
  const sent = (result.record.hookData?.replay ?? {}) as { url: string; sentSha256: string; exactBytes: boolean };
  return {
    runId: job.runId,
    jobId: job.id,
    sourceRunId: source.run.id,
    status: result.kind === 'succeeded' ? 'SUCCEEDED' : 'FAILED',
    url: sent.url,
    sentSha256: sent.sentSha256,
    exactBytes: sent.exactBytes,
    ...(result.kind === 'failed' ? { error: result.error } : { output: result.output }),
  };
}

/** request.json of an attempt, verified and parsed; refused when its request never went out. */
export async function storedRequest(lake: Lake, attempt: StoredAttempt): Promise<{ record: RequestRecord; bytes: Buffer }> {
  const artifact = artifactOf(attempt, 'request');
  if (!artifact) throw new ReproducibilityError(`attempt ${attempt.run.id} has no request.json (it failed before a request was made)`);
  const bytes = await readVerified(lake, artifact);
  let record: RequestRecord;
  try {
    record = parseRequestRecord(bytes.toString('utf8'));
  } catch (error) {
    throw new ReproducibilityError(`${artifact.lake_path}: ${(error as Error).message}`);
  }
  if (record.wire === null) throw new ReproducibilityError(`attempt ${attempt.run.id}'s request never went out (${attempt.run.error_code ?? 'no call'}): there are no bytes to replay`);
  return { record, bytes };
}

async function handleReplay(dependencies: ReplayDependencies, job: ClaimedJob, signal: AbortSignal): Promise<HandlerResult> {
  const input = job.input as ReplayInput;
  const files: LakeFile[] = [];
  const record: HandlerRecord = { sourceRunId: input.of, sourceKind: 'replay' };
  const fail = async (code: string, message: string): Promise<HandlerResult> => {
    files.push(json('error.json', 'error', { code, message }));
    const written = await writeFiles(dependencies.lake, job, files, record);
    return { kind: 'failed', record, artifacts: written, error: { code, message }, retryable: false };
  };
  let source: StoredAttempt;
  let stored: RequestRecord;
  try {
    source = await loadAttempt(dependencies.database, input.of);
    stored = (await storedRequest(dependencies.lake, source)).record;
  } catch (error) {
    return fail('replay_source_error', (error as Error).message);
  }
  const wire = stored.wire!;
  const body = input.model ? { ...(wire.body as Record<string, unknown>), model: input.model } : wire.body;
  const baseUrl = stored.endpoint?.baseUrl ?? new URL(wire.url).origin;
  const url = input.endpoint ? `${input.endpoint.replace(/\/+$/, '')}${wire.url.startsWith(baseUrl) ? wire.url.slice(baseUrl.length) : new URL(wire.url).pathname}` : wire.url;
  const text = JSON.stringify(body);
  const sentSha256 = createHash('sha256').update(text).digest('hex');
  const exactBytes = input.model === undefined;
  record.endpointId = input.endpoint ? null : (stored.endpoint?.endpointId ?? null);
  record.provider = stored.endpoint?.provider ?? source.run.provider;
  record.baseUrl = input.endpoint ? input.endpoint.replace(/\/+$/, '') : baseUrl;
  record.modelName = input.model ?? source.run.model_name;
  record.modelTag = input.model ? null : source.run.model_tag;
  record.modelDigest = input.model ? null : source.run.model_digest;
  record.definitionHash = source.run.definition_hash;
  // The same call (same bytes) has the same fingerprint; another model is another call.
  record.fingerprint = exactBytes && !input.endpoint ? source.run.fingerprint : null;
  record.options = source.run.options === null ? undefined : JSON.parse(source.run.options);
  record.hookData = { replay: { url, sentSha256, exactBytes } };
  const endpoint = { endpointId: record.endpointId ?? 'replay', provider: record.provider ?? 'unknown', baseUrl: record.baseUrl };
  files.push(json('request.json', 'request', { ...stored, endpoint, request: input.model ? { ...stored.request, model: input.model } : stored.request, wire: { ...wire, url, body } }));
  files.push(json('replay.json', 'replay', {
    source_run_id: source.run.id,
    source_job_id: Number(source.job.id),
    source_request_sha256: artifactOf(source, 'request')!.sha256,
    sent_body_sha256: sentSha256,
    exact_bytes: exactBytes,
    url,
    ...(input.endpoint ? { endpoint_override: input.endpoint } : {}),
    ...(input.model ? { model_override: input.model } : {}),
  }));

  const started = performance.now();
  let status: number;
  let contentType: string;
  let responseText: string;
  try {
    // The recorded headers are redacted: the key, if the backend needs one, comes from the environment as for any call.
    const key = record.provider === 'openai' ? process.env.HOLOCRON_OPENAI_API_KEY : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
    const response = await (dependencies.fetch ?? fetch)(url, { method: wire.method, headers, body: text, signal });
    status = response.status;
    contentType = response.headers.get('content-type') ?? '';
    responseText = await response.text();
  } catch (error) {
    return fail('connection_error', `could not send the replay to ${url}: ${(error as Error).message}`);
  }
  record.metrics = { elapsedMs: performance.now() - started, status };
  if (status < 200 || status >= 300) {
    files.push(json('response.json', 'response', { status, body: safeJson(responseText) }));
    return fail('http_error', `${url} answered ${status}: ${responseText.slice(0, 300)}`);
  }
  let answer;
  try {
    answer = readChatResponse(contentType, responseText);
  } catch (error) {
    files.push(json('response.json', 'response', { status, body: responseText }));
    return fail('protocol_error', `the replay's answer from ${url} could not be read: ${(error as Error).message}`);
  }
  files.push(json('response.json', 'response', { status, streamed: answer.streamed, body: answer.body }));
  if (answer.streamed) files.push({ name: 'response.ndjson', type: 'response_stream', content: responseText });
  files.push({ name: 'raw.txt', type: 'raw', content: answer.content });
  record.metrics = { ...(record.metrics as object), finishReason: answer.finishReason, answerChars: answer.content.length };

  // Judged by the interrogation the source used (its stored definition), else the registered one.
  const registry = await registryFor(dependencies, source);
  if (!registry) return fail('unknown_interrogation', `neither the stored definition nor this process knows the interrogation "${source.job.interrogation_key}"`);
  if (answer.finishReason === 'length') return fail('truncated', 'the replayed answer was cut off at the output limit');
  const validation = registry.validateOutput(source.job.interrogation_key, answer.content);
  if (!validation.ok) {
    const message = validation.kind === 'parse_error' ? validation.message : `the replayed answer does not pass validation:\n- ${validation.errors.join('\n- ')}`;
    return fail('invalid_output', message);
  }
  const interrogation = registry.get(source.job.interrogation_key);
  if (interrogation.outputSchema) files.push(json('output.json', 'output', validation.value));
  const artifacts = await writeFiles(dependencies.lake, job, files, record);
  return { kind: 'succeeded', record, artifacts, output: validation.value };
}

async function registryFor(dependencies: ReplayDependencies, source: StoredAttempt): Promise<InterrogationRegistry | null> {
  const hash = source.run.definition_hash;
  const stored = hash ? await getDefinition(dependencies.database.db, hash) : undefined;
  if (stored) return new InterrogationRegistry().register(interrogationFromDefinition(stored.text, stored.hash));
  return dependencies.registry.has(source.job.interrogation_key) ? dependencies.registry : null;
}

async function writeFiles(lake: Lake, job: ClaimedJob, files: LakeFile[], record: HandlerRecord) {
  const written = await lake.writeAttempt(job.runId, new Date(), files);
  record.lakeDir = written.directory;
  return written.artifacts;
}

function json(name: string, type: LakeFile['type'], value: unknown): LakeFile {
  return { name, type, content: `${JSON.stringify(value, null, 2)}\n` };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
