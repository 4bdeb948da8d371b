/**
 * The Ollama provider against real HTTP: the project's Ollama simulator for everything it can produce,
 * and small raw node:http servers (or a port nothing listens on) for the few cases it cannot
 * (429 with Retry-After, a stalled stream, a 200 that is not Ollama's protocol, a refused connection).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { LlmCallError, type LlmErrorCode } from '../src/providers/llm-call-error.ts';
import type { StructuredChatRequest } from '../src/providers/llm-provider.ts';
import { createOllamaProvider, normalizeModelName } from '../src/providers/index.ts';
import { startSimulator, type RunningSimulator, type SimulatorStats } from '../src/simulator/index.ts';

const model = 'llama3.2:latest';

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
  close(): Promise<void>;
}

/** A plain node:http server for the answers the simulator does not give. */
async function startRawServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<RawServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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

describe('ollama provider against the simulator', () => {
  let simulator: RunningSimulator;

  before(async () => {
    simulator = await startSimulator({ latencyMs: 5, loadMs: 0, models: [model] });
  });
  after(async () => {
    await simulator.close();
  });

  test('streams by default: content parses and satisfies the schema, the wire looks like a non-streamed answer', async () => {
    const provider = createOllamaProvider({ baseUrl: `${simulator.url}/` });
    assert.equal(provider.baseUrl, simulator.url);
    const result = await provider.chat(chatRequest());

    assert.ok(validatePerson(JSON.parse(result.content)), JSON.stringify(validatePerson.errors));
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.rawFinishReason, 'stop');
    assert.equal(result.model, model);
    assert.ok((result.usage.promptTokens ?? 0) > 0);
    assert.ok((result.usage.completionTokens ?? 0) > 0);
    assert.ok((result.timings.totalDurationNs ?? 0) > 0);
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
    const provider = createOllamaProvider({ baseUrl: simulator.url, stream: false });
    const result = await provider.chat(chatRequest());
    assert.ok(validatePerson(JSON.parse(result.content)), JSON.stringify(validatePerson.errors));
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.wire.streamed, false);
    assert.equal((result.wire.requestBody as { stream: boolean }).stream, false);
    assert.deepEqual(JSON.parse(result.wire.responseText), result.wire.responseBody);
    assert.equal((result.wire.responseBody as { message: { content: string } }).message.content, result.content);
  });

  test('maps generation options to snake_case and keep_alive, sending only what is set', async () => {
    const provider = createOllamaProvider({ baseUrl: simulator.url });
    const result = await provider.chat(
      chatRequest({
        options: { temperature: 0, seed: 42, numCtx: 8192, numPredict: 256, topP: 0.5, topK: 10, stop: ['\n\n'] },
        keepAlive: '10m',
      }),
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

    const partial = await provider.chat(chatRequest({ options: { seed: 7 }, keepAlive: 0 }));
    const partialBody = partial.wire.requestBody as Record<string, unknown>;
    assert.deepEqual(partialBody.options, { seed: 7 });
    assert.equal(partialBody.keep_alive, 0);
  });

  test('redacts Authorization and API-key headers in the wire record, still sending them', async () => {
    const provider = createOllamaProvider({
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

  test('an unknown model is model_not_found: final, with a useful message', async () => {
    const provider = createOllamaProvider({ baseUrl: simulator.url });
    const error = await expectCallError(provider.chat(chatRequest({ model: 'nope:7b' })), 'model_not_found');
    assert.equal(error.isRetryable, false);
    assert.equal(error.statusCode, 404);
    assert.equal(error.url, `${simulator.url}/api/chat`);
    assert.match(error.message, new RegExp(`^Ollama at ${simulator.url}: model "nope:7b" not found, try pulling it first \\(404\\)`));
    assert.match(error.responseBody ?? '', /not found/);
  });

  test('a plain-text 404 (wrong base URL) is bad_request saying it is not an Ollama server', async () => {
    const provider = createOllamaProvider({ baseUrl: `${simulator.url}/v1` });
    const error = await expectCallError(provider.chat(chatRequest()), 'bad_request');
    assert.equal(error.statusCode, 404);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /does not look like an Ollama server/);
  });

  test('400 is bad_request (final) with the server message', async () => {
    const provider = createOllamaProvider({ baseUrl: simulator.url });
    // A unit-less keep_alive string is a 400 on Ollama.
    const error = await expectCallError(provider.chat(chatRequest({ keepAlive: '3600' })), 'bad_request');
    assert.equal(error.statusCode, 400);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /bad request for model "llama3.2:latest" \(400\) on POST \/api\/chat: \S/);
  });

  test('a server error is server_error (retryable)', async () => {
    const faulty = await startSimulator({ latencyMs: 1, models: [model], faults: { serverError: 1 }, faultSeed: 1 });
    try {
      const provider = createOllamaProvider({ baseUrl: faulty.url });
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
      const provider = createOllamaProvider({ baseUrl: faulty.url });
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
        const provider = createOllamaProvider({ baseUrl: faulty.url, stream });
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
      const provider = createOllamaProvider({ baseUrl: faulty.url });
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
      const provider = createOllamaProvider({ baseUrl: busy.url });
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
      const provider = createOllamaProvider({ baseUrl: cold.url, firstByteTimeoutMs: 150 });
      const startedAt = performance.now();
      const error = await expectCallError(provider.chat(chatRequest()), 'timeout');
      assert.ok(performance.now() - startedAt < 1_000, 'the timeout fires well before the model is loaded');
      assert.match(error.message, /no response headers within 150 ms/);
      assert.equal(error.isRetryable, true);
    } finally {
      await cold.close();
    }
  });

  test("the caller's AbortSignal aborts a call in flight, and an already aborted one at once", async () => {
    const slow = await startSimulator({ latencyMs: 1_000, models: [model] });
    try {
      const provider = createOllamaProvider({ baseUrl: slow.url });
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
      const provider = createOllamaProvider({ baseUrl: fresh.url });
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
      const other = createOllamaProvider({ baseUrl: fresh.url });
      const shared = other.describeModel(model);
      await expectCallError(other.describeModel(model, { signal: AbortSignal.abort() }), 'aborted');
      assert.equal((await shared).digest, first.digest);
      assert.equal(requestCount(fresh.stats(), '/api/tags'), 2);

      // A new provider instance has its own cache.
      await createOllamaProvider({ baseUrl: fresh.url }).describeModel(model);
      assert.equal(requestCount(fresh.stats(), '/api/tags'), 3);
    } finally {
      await fresh.close();
    }
  });

  test('describeModel: an unknown model is model_not_found, and the failure is not cached', async () => {
    const fresh = await startSimulator({ latencyMs: 1, models: [model] });
    try {
      const provider = createOllamaProvider({ baseUrl: fresh.url });
      const error = await expectCallError(provider.describeModel('ghost'), 'model_not_found');
      assert.match(error.message, /model "ghost:latest" not found/);
      await expectCallError(provider.describeModel('ghost'), 'model_not_found');
      assert.equal(requestCount(fresh.stats(), '/api/tags'), 2);
    } finally {
      await fresh.close();
    }
  });
});

describe('ollama provider against raw sockets', () => {
  test('a refused connection is connection_failed', async () => {
    const port = await unusedPort();
    const provider = createOllamaProvider({ baseUrl: `http://127.0.0.1:${port}` });
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
      const provider = createOllamaProvider({ baseUrl: server.url });
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
        const provider = createOllamaProvider({ baseUrl: server.url });
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
      const error = await expectCallError(createOllamaProvider({ baseUrl: garbled.url }).chat(chatRequest()), 'invalid_response');
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
        const provider = createOllamaProvider({ baseUrl: server.url });
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
      const provider = createOllamaProvider({ baseUrl: server.url, idleTimeoutMs: 150 });
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
      const provider = createOllamaProvider({ baseUrl: server.url });
      const controller = new AbortController();
      const pending = provider.chat(chatRequest(), { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await expectCallError(pending, 'aborted');
      assert.match(error.responseBody ?? '', /"done":false/, 'what arrived before the abort is kept');
    } finally {
      await server.close();
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
      const provider = createOllamaProvider({ baseUrl: server.url, firstByteTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
      await provider.chat(chatRequest());
      await expectCallError(provider.chat(chatRequest(), { signal: AbortSignal.abort() }), 'aborted');
      await provider.describeModel('m');
      assert.equal(countTimers(), before);
    } finally {
      await server.close();
    }
  });

  test('normalizeModelName adds :latest only to bare names', () => {
    assert.equal(normalizeModelName('llama3.2'), 'llama3.2:latest');
    assert.equal(normalizeModelName('llama3.2:3b'), 'llama3.2:3b');
    assert.equal(normalizeModelName('registry.local:5000/team/model'), 'registry.local:5000/team/model:latest');
  });
});

/** Requests the simulator saw for `path`. */
function requestCount(stats: SimulatorStats, path: string): number {
  return stats.requestsByPath[path] ?? 0;
}
