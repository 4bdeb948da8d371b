/**
 * The Ollama provider against real HTTP, over both of its transports (node:http by default, an injected
 * fetch): the project's Ollama simulator for everything it can produce, and small raw node:http(s)
 * servers (or a port nothing listens on) for the cases it cannot (429 with Retry-After, a stalled
 * stream, a 200 that is not Ollama's protocol, a refused connection, UTF-8 split across chunks, TLS),
 * plus a child process that must exit by itself once its calls are done.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { createNodeHttpTransport } from '../src/providers/transport/create-node-http-transport.ts';
import { LlmCallError, type LlmErrorCode } from '../src/providers/llm-call-error.ts';
import type { LlmProviderV2, StructuredChatRequest } from '../src/providers/llm-provider.ts';
import { createOllamaProvider, normalizeModelName, type OllamaProviderSettings } from '../src/providers/index.ts';
import { startSimulator, type RunningSimulator, type SimulatorStats } from '../src/simulator/index.ts';

const model = 'llama3.2:latest';

/** The provider's two HTTP transports: node:http (node:https) by default, or the `fetch` it is given. */
const transports: ReadonlyArray<{ name: string; settings: Partial<OllamaProviderSettings> }> = [
  { name: 'node:http (default)', settings: {} },
  { name: 'injected fetch', settings: { fetch: globalThis.fetch } },
];

const repository = fileURLToPath(new URL('..', import.meta.url));

/** A self-signed certificate for `localhost` and 127.0.0.1 (P-256, valid until 2126), for the TLS test only. */
const testTlsKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgP+17mhD5OlgS9WMv
8jSZHp13S61rFtrh630Cw3+QU7GhRANCAARg1c5ZY93V7cLr+Qewp5PKh+qSvgT7
DJNBnx2wbApReG88b0J0sPbt99sbnASeEoW1/TNDp6Qq4EvrUOqUNyX/
-----END PRIVATE KEY-----
`;
const testTlsCertificate = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUO353G6ANF9wkH1AbXKwBUlyGFH8wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMTA0MzI0MloYDzIxMjYxMDI4
MDQzMjQyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARg1c5ZY93V7cLr+Qewp5PKh+qSvgT7DJNBnx2wbApReG88b0J0sPbt
99sbnASeEoW1/TNDp6Qq4EvrUOqUNyX/o28wbTAdBgNVHQ4EFgQUPnkLs3Z8WQ4s
IYSXhhaog0DtbmgwHwYDVR0jBBgwFoAUPnkLs3Z8WQ4sIYSXhhaog0DtbmgwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIhAJVE8hPywpsSFxlYlW8KMBaRsnRy8GsvAW8XWkEqHO0NAiAJ
EoSTHZ/d1HVV574Ddku10as09koAo7NFmlr7Dr8/sg==
-----END CERTIFICATE-----
`;

const personSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

const validatePerson = new Ajv({ strict: false }).compile(personSchema);

function chatRequest(overrides: Partial<StructuredChatRequest> = {}): StructuredChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'Extract the person.' },
      { role: 'user', content: 'Ollama is 22 years old.' },
    ],
    schema: personSchema,
    ...overrides,
  };
}

/** Asserts that `promise` rejects with an LlmCallError of `code`, and returns it for further checks. */
async function expectCallError(promise: Promise<unknown>, code: LlmErrorCode): Promise<LlmCallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(LlmCallError.isInstance(error), `expected an LlmCallError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected an LlmCallError with code ${code}, but the call succeeded`);
}

interface RawServer {
  url: string;
  /** Connections accepted so far, and how many of them have closed. */
  connections: { opened: number; closed: number };
  close(): Promise<void>;
}

type RawHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A plain node:http server for the answers the simulator does not give (node:https with `tls`). */
async function startRawServer(handler: RawHandler, tls?: { key: string; cert: string }): Promise<RawServer> {
  const server: Server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
  // Long enough that a client socket left ref'd would visibly keep its process alive.
  server.keepAliveTimeout = 60_000;
  const connections = { opened: 0, closed: 0 };
  server.on(tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
    connections.opened++;
    socket.once('close', () => connections.closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with one complete, non-streamed chat object. */
const completeAnswer: RawHandler = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  response.end('{"model":"m","message":{"role":"assistant","content":"{\\"name\\":\\"Ollama\\",\\"age\\":22}"},"done":true,"done_reason":"stop"}');
};

/** Waits for `condition` to hold, polling; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A port that was free a moment ago: nothing listens on it. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function countTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

for (const transport of transports) {
  /** A provider over this transport; `settings` may not override it. */
  const createProvider = (settings: OllamaProviderSettings): LlmProviderV2 =>
    createOllamaProvider({ ...settings, ...transport.settings });

  describe(`ollama provider against the simulator, over ${transport.name}`, () => {
    let simulator: RunningSimulator;

    before(async () => {
      simulator = await startSimulator({ latencyMs: 5, loadMs: 0, models: [model] });
    });
    after(async () => {
      await simulator.close();
    });

    test('streams by default: content parses and satisfies the schema, the wire looks like a non-streamed answer', async () => {
      const provider = createProvider({ baseUrl: `${simulator.url}/` });
      assert.equal(provider.baseUrl, simulator.url);
      const result = await provider.chat(chatRequest());

      assert.ok(validatePerson(JSON.parse(result.content)), JSON.stringify(validatePerson.errors));
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.rawFinishReason, 'stop');
      assert.equal(result.model, model);
      assert.ok((result.usage.promptTokens ?? 0) > 0);
      assert.ok((result.usage.completionTokens ?? 0) > 0);
      // Milliseconds: the simulator's answers take a few ms (its nanosecond totals divided by 1e6).
      assert.ok((result.timings.totalDurationMs ?? 0) > 0 && (result.timings.totalDurationMs ?? 0) < 60_000, String(result.timings.totalDurationMs));
      const rawTotal = (result.wire.responseBody as { total_duration: number }).total_duration;
      assert.equal(result.timings.totalDurationMs, rawTotal / 1e6);
      assert.deepEqual(result.servedBy, { endpointId: 'default', provider: 'ollama', baseUrl: simulator.url });
      assert.equal(provider.endpointId, 'default');
      assert.equal(provider.specificationVersion, 'v2');
      assert.ok(result.timeToFirstByteMs >= 0 && result.elapsedMs >= result.timeToFirstByteMs);

      const { wire } = result;
      assert.equal(wire.url, `${simulator.url}/api/chat`);
      assert.equal(wire.method, 'POST');
      assert.equal(wire.status, 200);
      assert.equal(wire.streamed, true);
      const lines = wire.responseText.trim().split('\n');
      assert.ok(lines.length > 1, 'a streamed answer has several NDJSON lines');
      assert.equal(JSON.parse(lines.at(-1)!).done, true);
      const merged = wire.responseBody as { message: { role: string; content: string }; done: boolean };
      assert.equal(merged.done, true);
      assert.equal(merged.message.role, 'assistant');
      assert.equal(merged.message.content, result.content);
      const requestBody = wire.requestBody as Record<string, unknown>;
      assert.equal(requestBody.stream, true);
      assert.deepEqual(requestBody.format, personSchema);
      assert.equal('options' in requestBody, false, 'no options are sent when none are set');
    });

    test('stream:false sends one request and parses the one object', async () => {
      const provider = createProvider({ baseUrl: simulator.url, stream: false });
      const result = await provider.chat(chatRequest());
      assert.ok(validatePerson(JSON.parse(result.content)), JSON.stringify(validatePerson.errors));
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.wire.streamed, false);
      assert.equal((result.wire.requestBody as { stream: boolean }).stream, false);
      assert.deepEqual(JSON.parse(result.wire.responseText), result.wire.responseBody);
      assert.equal((result.wire.responseBody as { message: { content: string } }).message.content, result.content);
    });

    test('maps generation options to snake_case, keep_alive and num_ctx from its settings, sending only what is set', async () => {
      const bare = await createProvider({ baseUrl: simulator.url }).chat(chatRequest());
      const bareBody = bare.wire.requestBody as Record<string, unknown>;
      assert.equal('keep_alive' in bareBody, false);
      assert.equal('options' in bareBody, false);

      const provider = createProvider({ baseUrl: simulator.url, keepAlive: '10m', numCtx: 8192 });
      const result = await provider.chat(
        chatRequest({ options: { temperature: 0, seed: 42, maxOutputTokens: 256, topP: 0.5, topK: 10, stop: ['\n\n'] } }),
      );
      const body = result.wire.requestBody as Record<string, unknown>;
      assert.deepEqual(body.options, {
        temperature: 0,
        seed: 42,
        num_ctx: 8192,
        num_predict: 256,
        top_p: 0.5,
        top_k: 10,
        stop: ['\n\n'],
      });
      assert.equal(body.keep_alive, '10m');
      assert.equal(body.model, model);

      // A call's providerOptions.ollama override the settings; other kinds' options are ignored.
      const partial = await provider.chat(
        chatRequest({ options: { seed: 7 }, providerOptions: { ollama: { keepAlive: 0, numCtx: 2048 }, openai: { user: 'x' } } }),
      );
      const partialBody = partial.wire.requestBody as Record<string, unknown>;
      assert.deepEqual(partialBody.options, { seed: 7, num_ctx: 2048 });
      assert.equal(partialBody.keep_alive, 0);
      await assert.rejects(provider.chat(chatRequest({ providerOptions: { ollama: { numCtx: 'big' } } })), /providerOptions\.ollama\.numCtx must be a positive integer/);
    });

    test('redacts Authorization and API-key headers in the wire record, still sending them', async () => {
      const provider = createProvider({
        baseUrl: simulator.url,
        headers: { Authorization: 'Bearer s3cret-token', 'X-Api-Key': 'k3y', 'X-Request-Source': 'holocron-test' },
      });
      const result = await provider.chat(chatRequest());
      assert.deepEqual(result.wire.requestHeaders, {
        'content-type': 'application/json',
        authorization: '[redacted]',
        'x-api-key': '[redacted]',
        'x-request-source': 'holocron-test',
      });
      const recorded = JSON.stringify(result.wire);
      assert.equal(recorded.includes('s3cret-token'), false);
      assert.equal(recorded.includes('k3y'), false);
    });

    test('an unknown model is model_not_found: final for the endpoint, named in the message with the model', async () => {
      const provider = createProvider({ baseUrl: simulator.url, endpointId: 'gpu-7' });
      const error = await expectCallError(provider.chat(chatRequest({ model: 'nope:7b' })), 'model_not_found');
      assert.equal(error.isRetryable, false);
      assert.equal(error.statusCode, 404);
      assert.equal(error.url, `${simulator.url}/api/chat`);
      assert.match(error.message, new RegExp(`^Ollama endpoint "gpu-7" at ${simulator.url}: model "nope:7b" not found, try pulling it first \\(404\\)`));
      assert.match(error.responseBody ?? '', /not found/);
      assert.deepEqual(error.servedBy, { endpointId: 'gpu-7', provider: 'ollama', baseUrl: simulator.url });
      // The failed chat request, as sent, for the lake.
      assert.equal(error.request?.url, `${simulator.url}/api/chat`);
      assert.equal((error.request?.requestBody as { model: string }).model, 'nope:7b');
      // The lookup says the same, naming the endpoint; it sent no chat request.
      const lookup = await expectCallError(provider.describeModel('nope:7b'), 'model_not_found');
      assert.equal(lookup.servedBy?.endpointId, 'gpu-7');
      assert.equal(lookup.request, undefined);
    });

    test('a plain-text 404 (wrong base URL) is bad_request saying it is not an Ollama server', async () => {
      const provider = createProvider({ baseUrl: `${simulator.url}/v1` });
      const error = await expectCallError(provider.chat(chatRequest()), 'bad_request');
      assert.equal(error.statusCode, 404);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /does not look like an Ollama server/);
    });

    test('400 is bad_request (final) with the server message', async () => {
      const provider = createProvider({ baseUrl: simulator.url });
      // A unit-less keep_alive string is a 400 on Ollama.
      const error = await expectCallError(provider.chat(chatRequest({ providerOptions: { ollama: { keepAlive: '3600' } } })), 'bad_request');
      assert.equal(error.statusCode, 400);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /bad request for model "llama3.2:latest" \(400\) on POST \/api\/chat: \S/);
    });

    test('a server error is server_error (retryable)', async () => {
      const faulty = await startSimulator({ latencyMs: 1, models: [model], faults: { serverError: 1 }, faultSeed: 1 });
      try {
        const provider = createProvider({ baseUrl: faulty.url });
        const error = await expectCallError(provider.chat(chatRequest()), 'server_error');
        assert.equal(error.isRetryable, true);
        assert.ok((error.statusCode ?? 0) >= 500);
        assert.match(error.message, /server error/);
      } finally {
        await faulty.close();
      }
    });

    test('an error line mid-stream is server_error', async () => {
      const faulty = await startSimulator({ latencyMs: 1, models: [model], faults: { streamError: 1 }, faultSeed: 1 });
      try {
        const provider = createProvider({ baseUrl: faulty.url });
        const error = await expectCallError(provider.chat(chatRequest()), 'server_error');
        assert.equal(error.statusCode, 200);
        assert.match(error.message, /mid-stream/);
        assert.match(error.responseBody ?? '', /"error"/);
      } finally {
        await faulty.close();
      }
    });

    test('a connection dropped mid-answer is connection_dropped, streamed or not', async () => {
      const faulty = await startSimulator({ latencyMs: 1, models: [model], faults: { dropConnection: 1 }, faultSeed: 1 });
      try {
        for (const stream of [true, false]) {
          const provider = createProvider({ baseUrl: faulty.url, stream });
          const error = await expectCallError(provider.chat(chatRequest()), 'connection_dropped');
          assert.equal(error.isRetryable, true);
        }
      } finally {
        await faulty.close();
      }
    });

    test('a truncated answer reports finishReason length', async () => {
      const faulty = await startSimulator({ latencyMs: 1, models: [model], faults: { truncated: 1 }, faultSeed: 1 });
      try {
        const provider = createProvider({ baseUrl: faulty.url });
        const result = await provider.chat(chatRequest());
        assert.equal(result.finishReason, 'length');
        assert.equal(result.rawFinishReason, 'length');
      } finally {
        await faulty.close();
      }
    });

    test('a full queue is server_busy with the server message', async () => {
      const busy = await startSimulator({ latencyMs: 300, parallel: 1, maxQueue: 0, models: [model] });
      try {
        const provider = createProvider({ baseUrl: busy.url });
        const outcomes = await Promise.allSettled([provider.chat(chatRequest()), provider.chat(chatRequest()), provider.chat(chatRequest())]);
        const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
        assert.ok(outcomes.some((outcome) => outcome.status === 'fulfilled'));
        assert.ok(rejected.length >= 1);
        for (const outcome of rejected) {
          const error = (outcome as PromiseRejectedResult).reason as LlmCallError;
          assert.equal(error.code, 'server_busy');
          assert.equal(error.statusCode, 503);
          assert.equal(error.isRetryable, true);
          assert.match(error.message, /server busy, please try again. {2}maximum pending requests exceeded/);
        }
      } finally {
        await busy.close();
      }
    });

    test('no response headers within firstByteTimeoutMs (model loading) is timeout', async () => {
      const cold = await startSimulator({ latencyMs: 1, loadMs: 1_500, models: [model] });
      try {
        const provider = createProvider({ baseUrl: cold.url, firstByteTimeoutMs: 150 });
        const error = await expectCallError(provider.chat(chatRequest()), 'timeout');
        // Both timers run in this process: the 150 ms one fires first, while the model is still loading.
        assert.equal(cold.stats().chatsAnswered, 0, 'the timeout fired before the model was loaded');
        assert.match(error.message, /no response headers within 150 ms/);
        assert.equal(error.isRetryable, true);
      } finally {
        await cold.close();
      }
    });

    test("the caller's AbortSignal aborts a call in flight, and an already aborted one at once", async () => {
      const slow = await startSimulator({ latencyMs: 1_000, models: [model] });
      try {
        const provider = createProvider({ baseUrl: slow.url });
        const controller = new AbortController();
        const pending = provider.chat(chatRequest(), { signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        const error = await expectCallError(pending, 'aborted');
        assert.equal(error.isRetryable, false);
        assert.match(error.message, /aborted by the caller/);

        await expectCallError(provider.chat(chatRequest(), { signal: AbortSignal.abort() }), 'aborted');
      } finally {
        await slow.close();
      }
    });

    test('describeModel: digest from /api/tags, details from /api/show, cached per provider', async () => {
      const fresh = await startSimulator({ latencyMs: 1, models: [model] });
      try {
        const provider = createProvider({ baseUrl: fresh.url });
        const [first, second] = await Promise.all([provider.describeModel('llama3.2'), provider.describeModel(model)]);
        assert.equal(first, second, 'concurrent callers share one lookup');
        assert.equal(first.name, model);
        assert.equal(first.tag, 'latest');
        assert.match(first.digest ?? '', /^[0-9a-f]{64}$/);
        assert.ok(Array.isArray(first.capabilities));
        const third = await provider.describeModel('llama3.2:latest');
        assert.equal(third, first);
        assert.equal(requestCount(fresh.stats(), '/api/tags'), 1);
        assert.equal(requestCount(fresh.stats(), '/api/show'), 1);

        // One caller giving up does not cancel the lookup others share.
        const other = createProvider({ baseUrl: fresh.url });
        const shared = other.describeModel(model);
        await expectCallError(other.describeModel(model, { signal: AbortSignal.abort() }), 'aborted');
        assert.equal((await shared).digest, first.digest);
        assert.equal(requestCount(fresh.stats(), '/api/tags'), 2);
        // Once described, a caller with a signal gets the description at once, or its abort if it gave up.
        assert.equal(await other.describeModel(model, { signal: new AbortController().signal }), await shared);
        await expectCallError(other.describeModel(model, { signal: AbortSignal.abort() }), 'aborted');
        assert.equal(requestCount(fresh.stats(), '/api/tags'), 2);

        // A new provider instance has its own cache.
        await createProvider({ baseUrl: fresh.url }).describeModel(model);
        assert.equal(requestCount(fresh.stats(), '/api/tags'), 3);
      } finally {
        await fresh.close();
      }
    });

    test('describeModel: an unknown model is model_not_found, and the failure is not cached', async () => {
      const fresh = await startSimulator({ latencyMs: 1, models: [model] });
      try {
        const provider = createProvider({ baseUrl: fresh.url });
        const error = await expectCallError(provider.describeModel('ghost'), 'model_not_found');
        assert.match(error.message, /model "ghost:latest" not found/);
        await expectCallError(provider.describeModel('ghost'), 'model_not_found');
        assert.equal(requestCount(fresh.stats(), '/api/tags'), 2);
      } finally {
        await fresh.close();
      }
    });
  });

  describe(`ollama provider against raw sockets, over ${transport.name}`, () => {
    test('a refused connection is connection_failed', async () => {
      const port = await unusedPort();
      const provider = createProvider({ baseUrl: `http://127.0.0.1:${port}` });
      const error = await expectCallError(provider.chat(chatRequest()), 'connection_failed');
      assert.match(error.message, /ECONNREFUSED/);
      assert.equal(error.isRetryable, true);
      await expectCallError(provider.describeModel(model), 'connection_failed');
    });

    test('429 is rate_limited and carries Retry-After', async () => {
      const server = await startRawServer((_request, response) => {
        response.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '7' });
        response.end(JSON.stringify({ error: 'too many requests' }));
      });
      try {
        const provider = createProvider({ baseUrl: server.url });
        const error = await expectCallError(provider.chat(chatRequest()), 'rate_limited');
        assert.equal(error.retryAfterSeconds, 7);
        assert.equal(error.statusCode, 429);
        assert.match(error.message, /rate limited \(429\), retry after 7 s: too many requests/);
      } finally {
        await server.close();
      }
    });

    test('a 200 that is not the protocol is invalid_response', async () => {
      const answers = [
        { contentType: 'text/html', body: '<html><body>Welcome to nginx</body></html>' },
        { contentType: 'application/x-ndjson', body: '{"model":"m","message":{"role":"assistant","content":"{}"},"done":true}\nnot json\n' },
        { contentType: 'application/json', body: '{"hello":"world"}' },
      ];
      for (const answer of answers) {
        const server = await startRawServer((_request, response) => {
          response.writeHead(200, { 'content-type': answer.contentType });
          response.end(answer.body);
        });
        try {
          const provider = createProvider({ baseUrl: server.url });
          if (answer.body.includes('not json')) {
            // Lines after done:true are ignored, so this one succeeds; a bad line before it does not.
            await provider.chat(chatRequest());
            continue;
          }
          const error = await expectCallError(provider.chat(chatRequest()), 'invalid_response');
          assert.equal(error.statusCode, 200);
          assert.equal(error.isRetryable, true);
        } finally {
          await server.close();
        }
      }
      const garbled = await startRawServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.end('{"model":"m","message":{"role":"assistant","content":"{"},"done":false}\n<!doctype html>\n');
      });
      try {
        const error = await expectCallError(createProvider({ baseUrl: garbled.url }).chat(chatRequest()), 'invalid_response');
        assert.match(error.message, /not JSON/);
      } finally {
        await garbled.close();
      }
    });

    test('partial lines across chunks are buffered; EOF without done:true is connection_dropped', async () => {
      const chunks = ['{"model":"m","message":{"role":"assistant","con', 'tent":"{\\"name\\":"},"done":false}\n{"model":"m","mess', 'age":{"role":"assistant","content":"\\"Ollama\\",\\"age\\":22}"},"done":false}\n'];
      const complete = '{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":3}';
      for (const withDone of [true, false]) {
        const server = await startRawServer(async (_request, response) => {
          response.writeHead(200, { 'content-type': 'application/x-ndjson' });
          for (const chunk of chunks) {
            response.write(chunk);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          response.end(withDone ? `${complete}\n` : '');
        });
        try {
          const provider = createProvider({ baseUrl: server.url });
          if (withDone) {
            const result = await provider.chat(chatRequest());
            assert.deepEqual(JSON.parse(result.content), { name: 'Ollama', age: 22 });
            assert.equal(result.usage.completionTokens, 3);
            assert.equal(result.usage.promptTokens, undefined);
            assert.equal(result.wire.responseText, chunks.join('') + complete + '\n');
          } else {
            const error = await expectCallError(provider.chat(chatRequest()), 'connection_dropped');
            assert.match(error.message, /without a done:true line/);
          }
        } finally {
          await server.close();
        }
      }
    });

    test('a stream that goes idle longer than idleTimeoutMs is timeout', async () => {
      const server = await startRawServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write('{"model":"m","message":{"role":"assistant","content":"{"},"done":false}\n');
        // …and then nothing: the socket stays open.
      });
      try {
        const provider = createProvider({ baseUrl: server.url, idleTimeoutMs: 150 });
        const error = await expectCallError(provider.chat(chatRequest()), 'timeout');
        assert.match(error.message, /went idle: no data for 150 ms/);
      } finally {
        await server.close();
      }
    });

    test("the caller's AbortSignal aborts a stream mid-body", async () => {
      const server = await startRawServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write('{"model":"m","message":{"role":"assistant","content":"{"},"done":false}\n');
      });
      try {
        const provider = createProvider({ baseUrl: server.url });
        const controller = new AbortController();
        const pending = provider.chat(chatRequest(), { signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        const error = await expectCallError(pending, 'aborted');
        assert.match(error.responseBody ?? '', /"done":false/, 'what arrived before the abort is kept');
        await waitFor(() => server.connections.closed === 1, 'the aborted request to close its connection');
      } finally {
        await server.close();
      }
    });

    test('a UTF-8 character split across network chunks is decoded whole, and wire.responseText is exact', async () => {
      const content = JSON.stringify({ name: 'Zoë 😀 Ünal', age: 22 });
      const answers = [
        {
          stream: true,
          contentType: 'application/x-ndjson',
          text:
            `{"model":"m","message":{"role":"assistant","content":${JSON.stringify(content)}},"done":false}\n` +
            '{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}\n',
        },
        {
          stream: false,
          contentType: 'application/json; charset=utf-8',
          text: `{"model":"m","message":{"role":"assistant","content":${JSON.stringify(content)}},"done":true,"done_reason":"stop"}`,
        },
      ];
      for (const answer of answers) {
        const bytes = Buffer.from(answer.text);
        // Cut inside a 2-byte, a 4-byte and another 2-byte character.
        const cuts = [bytes.indexOf('ë') + 1, bytes.indexOf('😀') + 2, bytes.indexOf('Ü') + 1];
        const server = await startRawServer(async (_request, response) => {
          response.writeHead(200, { 'content-type': answer.contentType });
          let from = 0;
          for (const cut of cuts) {
            response.write(bytes.subarray(from, cut));
            from = cut;
            await sleep(10);
          }
          response.end(bytes.subarray(from));
        });
        try {
          const result = await createProvider({ baseUrl: server.url, stream: answer.stream }).chat(chatRequest());
          assert.equal(result.content, content);
          assert.equal(result.wire.streamed, answer.stream);
          assert.equal(result.wire.responseText, answer.text);
        } finally {
          await server.close();
        }
      }
    });

    test('sequential calls reuse one keep-alive connection', async () => {
      const server = await startRawServer(completeAnswer);
      try {
        const provider = createProvider({ baseUrl: server.url, stream: false });
        for (let call = 0; call < 5; call++) assert.equal((await provider.chat(chatRequest())).wire.status, 200);
        // undici may open a second connection while it is still releasing the first one.
        const allowed = transport.settings.fetch === undefined ? 1 : 2;
        assert.ok(server.connections.opened <= allowed, `${server.connections.opened} connections for 5 calls`);
        assert.equal(server.connections.closed, 0);
      } finally {
        await server.close();
      }
    });

    test('a process exits by itself once its calls are done, over http and https', async () => {
      const https = await startRawServer(completeAnswer, { key: testTlsKey, cert: testTlsCertificate });
      const simulator = await startSimulator({ latencyMs: 1, models: [model] });
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-provider-'));
      try {
        const certificateFile = path.join(directory, 'certificate.pem');
        fs.writeFileSync(certificateFile, testTlsCertificate);
        // Both servers keep idle connections for 60 s or more: only unref'd client sockets let the child exit at once.
        const script = `
          const { createOllamaProvider } = await import(process.env.PROVIDER_MODULE);
          const settings = process.env.USE_FETCH === '1' ? { fetch: globalThis.fetch } : {};
          const contents = [];
          for (const baseUrl of JSON.parse(process.env.BASE_URLS)) {
            const result = await createOllamaProvider({ ...settings, baseUrl }).chat(JSON.parse(process.env.CHAT_REQUEST));
            contents.push(result.content);
          }
          process.stdout.write(JSON.stringify(contents) + '\\n');
        `;
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
          cwd: repository,
          env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: certificateFile,
            PROVIDER_MODULE: new URL('../src/providers/index.ts', import.meta.url).href,
            USE_FETCH: transport.settings.fetch === undefined ? '0' : '1',
            BASE_URLS: JSON.stringify([simulator.url, https.url]),
            CHAT_REQUEST: JSON.stringify(chatRequest()),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        let errors = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
        // The servers would hold a lingering child for their keep-alive (60 s or more): killed at 30 s,
        // it fails here. How soon it exits is not asserted (a loaded machine is slow, not wrong).
        const killTimer = setTimeout(() => child.kill(), 30_000);
        const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
          child.once('exit', (code, killedBy) => resolve([code, killedBy])),
        );
        clearTimeout(killTimer);
        assert.equal(signal, null, `the child lingered on its idle connections and was killed: ${errors}`);
        assert.equal(exitCode, 0, `the child failed: ${errors}`);
        const [simulated, secure] = JSON.parse(output) as [string, string];
        assert.ok(validatePerson(JSON.parse(simulated)), simulated);
        assert.deepEqual(JSON.parse(secure), { name: 'Ollama', age: 22 });
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
        await simulator.close();
        await https.close();
      }
    });

    test('no timer outlives a call, whatever its outcome', async () => {
      const server = await startRawServer((request, response) => {
        if (request.url === '/api/tags') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"models":[]}');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"model":"m","message":{"role":"assistant","content":"{}"},"done":true,"done_reason":"stop"}');
      });
      try {
        const before = countTimers();
        const provider = createProvider({ baseUrl: server.url, firstByteTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
        await provider.chat(chatRequest());
        await expectCallError(provider.chat(chatRequest(), { signal: AbortSignal.abort() }), 'aborted');
        await provider.describeModel('m');
        assert.equal(countTimers(), before);
      } finally {
        await server.close();
      }
    });
  });
}

test('node:http transport: an idle pooled socket is closed after idleSocketTimeoutMs, a busy one is not', async () => {
  // Headers after 300 ms: longer than the idle timeout, which only applies to pooled sockets.
  const server = await startRawServer((request, response) => void setTimeout(() => completeAnswer(request, response), 300));
  try {
    const transport = createNodeHttpTransport({ idleSocketTimeoutMs: 100 });
    const response = await transport.request(`${server.url}/api/chat`, { method: 'POST', headers: {}, body: '{}' });
    assert.equal(response.status, 200);
    assert.equal(response.header('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.header('x-absent'), null);
    assert.match(await response.text(), /"done":true/);
    assert.equal(server.connections.closed, 0);
    await waitFor(() => server.connections.closed === 1, 'the idle socket to be closed');
    await assert.rejects(transport.request(`${server.url.replace('//', '//user:secret@')}/api/tags`, { method: 'GET', headers: {} }), /credentials/);
  } finally {
    await server.close();
  }
});

test('node:http transport: close() closes the pooled keep-alive sockets at once', async () => {
  const server = await startRawServer(completeAnswer);
  try {
    // Idle sockets would otherwise stay pooled for a minute.
    const provider = createOllamaProvider({ baseUrl: server.url, stream: false });
    await provider.chat(chatRequest());
    await provider.chat(chatRequest());
    assert.equal(server.connections.opened, 1);
    assert.equal(server.connections.closed, 0);
    await provider.close();
    await waitFor(() => server.connections.closed === 1, 'the pooled socket to be closed by close()');
    await provider.close(); // idempotent
  } finally {
    await server.close();
  }
});

test('normalizeModelName adds :latest only to bare names', () => {
  assert.equal(normalizeModelName('llama3.2'), 'llama3.2:latest');
  assert.equal(normalizeModelName('llama3.2:3b'), 'llama3.2:3b');
  assert.equal(normalizeModelName('registry.local:5000/team/model'), 'registry.local:5000/team/model:latest');
});

/** Requests the simulator saw for `path`. */
function requestCount(stats: SimulatorStats, path: string): number {
  return stats.requestsByPath[path] ?? 0;
}
