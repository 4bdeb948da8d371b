/**
 * One fingerprint per call: sha256 of the canonical JSON (canonical-json.ts) of the call's *fields* —
 * everything that determines the answer and nothing that does not:
 *
 *   { v: 1, backendKind, model, modelDigest, messages: sha256, schema: sha256 | null,
 *     options: {temperature, seed, maxOutputTokens, topP, topK, stop}, providerOptions, repeatIndex }
 *
 * - backendKind: `ollama`, `openai`, … (the kind of the endpoint that serves the model);
 * - model: the model's full name as the server described it (`llama3.2:latest`) and modelDigest, the
 *   server's identity for its weights (Ollama's digest; null when the server exposes none);
 * - messages and schema: the sha256 of their canonical JSON (the fields stay small; the fingerprint
 *   still covers every byte of the prompt and of the output schema);
 * - options: the generation options sent, including seed and temperature; providerOptions: the
 *   per-backend options that change the answer (e.g. Ollama's numCtx, the call's own or its endpoint's
 *   default: call-or-serve-from-cache.ts), without those that do not;
 * - repeatIndex: which deliberate repeat of the same call this is (evaluation `--repeats`).
 *
 * Left out, because they do not change the answer: streaming, keep-alive, the endpoint's id and
 * address, headers, secrets, timeouts, the job's id, priority and run label.
 */
import type { GenerationOptions, JsonSchema, ChatMessage, ProviderOptions } from '../providers/llm-provider.ts';
import { canonicalHash, canonicalJson, sha256Hex } from './canonical-json.ts';

export const fingerprintVersion = 1;

/** Per backend kind, the providerOptions keys that do not change the answer. */
export const nonDeterminingProviderOptions: Readonly<Record<string, readonly string[]>> = {
  ollama: ['keepAlive'],
  openai: [],
};

export interface CallIdentity {
  backendKind: string;
  /** The model as the server named it (with its tag), else as asked. */
  model: string;
  modelDigest: string | null;
  messages: readonly ChatMessage[];
  schema: JsonSchema | null | undefined;
  options: GenerationOptions | undefined;
  providerOptions: ProviderOptions | undefined;
  repeatIndex: number;
}

export interface FingerprintFields {
  v: number;
  backendKind: string;
  model: string;
  modelDigest: string | null;
  messages: string;
  schema: string | null;
  options: Record<string, unknown>;
  providerOptions: Record<string, Record<string, unknown>>;
  repeatIndex: number;
}

export interface CallFingerprint {
  fingerprint: string;
  fields: FingerprintFields;
}

export function fingerprintFieldsOf(identity: CallIdentity): FingerprintFields {
  return {
    v: fingerprintVersion,
    backendKind: identity.backendKind,
    model: identity.model,
    modelDigest: identity.modelDigest,
    messages: sha256Hex(canonicalMessages(identity.messages)),
    schema: identity.schema ? schemaHash(identity.schema) : null,
    options: definedOnly((identity.options ?? {}) as Record<string, unknown>),
    providerOptions: determiningProviderOptions(identity.providerOptions),
    repeatIndex: identity.repeatIndex,
  };
}

export function fingerprintOfFields(fields: FingerprintFields): string {
  return sha256Hex(canonicalJson(fields));
}

export function callFingerprint(identity: CallIdentity): CallFingerprint {
  const fields = fingerprintFieldsOf(identity);
  return { fingerprint: sha256Hex(canonicalFieldsJson(fields)), fields };
}

/**
 * canonicalJson of fields made by fingerprintFieldsOf, written directly: their keys are known, so in
 * sorted order (backendKind, messages, model, modelDigest, options, providerOptions, repeatIndex,
 * schema, v) without sorting; a member left undefined is left out, as canonicalJson does. Stored
 * fields (which may hold other keys) go through fingerprintOfFields.
 */
function canonicalFieldsJson(fields: FingerprintFields): string {
  let text = '{';
  const member = (key: string, value: unknown) => {
    if (value !== undefined) text += `${text.length === 1 ? '' : ','}"${key}":${canonicalJson(value)}`;
  };
  member('backendKind', fields.backendKind);
  member('messages', fields.messages);
  member('model', fields.model);
  member('modelDigest', fields.modelDigest);
  member('options', fields.options);
  member('providerOptions', fields.providerOptions);
  member('repeatIndex', fields.repeatIndex);
  member('schema', fields.schema);
  member('v', fields.v);
  return `${text}}`;
}

/**
 * Whether the same call gives the same answer: a temperature of 0, or a fixed seed. Without either
 * the server samples (Ollama's default temperature is 0.8), and a stored answer is one sample among many.
 */
export function isDeterministic(options: GenerationOptions | Record<string, unknown> | undefined): boolean {
  const { temperature, seed } = (options ?? {}) as GenerationOptions;
  return temperature === 0 || (seed !== undefined && seed !== null);
}

export interface FieldDifference {
  field: keyof FingerprintFields | string;
  before: unknown;
  after: unknown;
}

/** Which fields differ between two fingerprints' fields (options per key: `options.temperature`). */
export function diffFingerprintFields(before: FingerprintFields, after: FingerprintFields): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof FingerprintFields>;
  for (const key of [...keys].sort()) {
    const a = before[key];
    const b = after[key];
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) continue;
    if ((key === 'options' || key === 'providerOptions') && isObject(a) && isObject(b)) {
      for (const inner of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        const x = (a as Record<string, unknown>)[inner];
        const y = (b as Record<string, unknown>)[inner];
        if (canonicalJson(x ?? null) !== canonicalJson(y ?? null)) differences.push({ field: `${key}.${inner}`, before: x ?? null, after: y ?? null });
      }
      continue;
    }
    differences.push({ field: key, before: a ?? null, after: b ?? null });
  }
  return differences;
}

/** canonicalJson of `[{role, content}]`, written directly (keys in sorted order: content, role): the hot path of a cache hit. */
function canonicalMessages(messages: readonly ChatMessage[]): string {
  return `[${messages.map((message) => `{"content":${JSON.stringify(message.content)},"role":${JSON.stringify(message.role)}}`).join(',')}]`;
}

// An interrogation's schema is one object for the life of the process: hashed once.
const schemaHashes = new WeakMap<object, string>();

function schemaHash(schema: JsonSchema): string {
  let hash = schemaHashes.get(schema);
  if (hash === undefined) {
    hash = canonicalHash(schema);
    schemaHashes.set(schema, hash);
  }
  return hash;
}

function determiningProviderOptions(providerOptions: ProviderOptions | undefined): Record<string, Record<string, unknown>> {
  const kept: Record<string, Record<string, unknown>> = {};
  if (providerOptions === undefined || providerOptions === null) return kept;
  for (const kind of Object.keys(providerOptions)) {
    const own = definedOnly((providerOptions as Record<string, Record<string, unknown> | undefined>)[kind] ?? {}, nonDeterminingProviderOptions[kind]);
    if (Object.keys(own).length > 0) put(kept, kind, own);
  }
  return kept;
}

/** The members that are neither undefined nor null (nor excluded), in their order: a loop, not entries/filter/fromEntries (it runs on every call). */
function definedOnly(value: Record<string, unknown>, excluded?: readonly string[]): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item !== undefined && item !== null && !(excluded !== undefined && excluded.includes(key))) put(kept, key, item);
  }
  return kept;
}

/** An own member, also for the key `__proto__` (as Object.fromEntries makes it; an assignment would set the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
