/**
 * The OpenAI-compatible provider against the simulator's OpenAI side over HTTP (llama-server, vLLM and
 * hosted-OpenAI flavours) and against the Ollama simulator's own /v1: the nested response_format,
 * seed/temperature/max_tokens on the wire, usage and llama-server's timings, SSE streaming,
 * truncation, both error shapes, Retry-After on 429 and 503, schema refusals, and the API key kept out
 * of every record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LlmCallError } from '../src/providers/llm-call-error.ts';
import type { StructuredChatRequest } from '../src/providers/llm-provider.ts';
import { createOpenAiCompatibleProvider } from '../src/providers/openai-compatible/create-openai-compatible-provider.ts';
import { readOpenAiErrorBody } from '../src/providers/openai-compatible/openai-call-errors.ts';
import { readSseStream } from '../src/providers/openai-compatible/read-sse-stream.ts';
import { startSimulator, type RunningSimulator, type SimulatorStartOptions } from '../src/simulator/index.ts';
import { parseSimCommandFlags, SimFlagError } from '../src/cli/commands/sim-command.ts';

const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0, maximum: 120 } },
  required: ['name', 'age'],
  additionalProperties: false,
};

function request(extra: Partial<StructuredChatRequest> = {}): StructuredChatRequest {
  return {
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'Leia Organa is 19.' }],
    schema: personSchema,
    options: { temperature: 0, seed: 42, maxOutputTokens: 256 },
    ...extra,
  };
}

async function withSimulator<T>(options: SimulatorStartOptions, work: (simulator: RunningSimulator) => Promise<T>): Promise<T> {
  const simulator = await startSimulator({ protocol: 'openai', ...options });
  try {
    return await work(simulator);
  } finally {
    await simulator.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<LlmCallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(LlmCallError.isInstance(error), `an LlmCallError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call should have failed');
}

describe('OpenAI-compatible provider against a simulated llama-server', () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator({ protocol: 'openai', flavor: 'llama-server', latencyMs: 5 });
  });
  after(() => simulator.close());

  it('sends the schema in the nested json_schema form with seed, temperature and max_tokens, and reads usage and timings', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, endpointId: 'llama-1' });
    try {
      const result = await provider.chat(request());
      const body = result.wire.requestBody as Record<string, unknown>;
      assert.equal(result.wire.url, `${simulator.url}/v1/chat/completions`);
      assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'output', schema: personSchema, strict: true } });
      assert.equal(body.seed, 42);
      assert.equal(body.temperature, 0);
      assert.equal(body.max_tokens, 256);
      assert.equal(body.stream, false);
      const answer = JSON.parse(result.content) as { name: unknown; age: unknown };
      assert.equal(typeof answer.name, 'string');
      assert.ok(Number.isInteger(answer.age));
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.rawFinishReason, 'stop');
      assert.ok(result.usage.promptTokens! > 0 && result.usage.completionTokens! > 0, JSON.stringify(result.usage));
      assert.equal(result.usage.cachedPromptTokens, 0);
      // llama-server's timings are milliseconds; the generation took about the 5 ms latency.
      assert.ok(result.timings.evalDurationMs! > 2, JSON.stringify(result.timings));
      assert.equal(result.serverTimings?.predicted_n, result.usage.completionTokens);
      assert.ok(typeof result.serverTimings?.predicted_per_second === 'number');
      assert.deepEqual(result.servedBy, { endpointId: 'llama-1', provider: 'openai', baseUrl: `${simulator.url}/v1` });
      const model = await provider.describeModel('llama3.2:latest');
      assert.equal(model.digest, null);
      assert.equal(model.details?.owned_by, 'llamacpp');
    } finally {
      await provider.close();
    }
  });

  it('reads an SSE stream into the same answer, with the usage chunk and the timings', async () => {
    const whole = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
    const streamed = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, stream: true });
    try {
      const [a, b] = await Promise.all([whole.chat(request()), streamed.chat(request())]);
      assert.equal(b.wire.streamed, true);
      assert.match(b.wire.responseText, /^data: /);
      assert.match(b.wire.responseText, /data: \[DONE\]\n\n$/);
      assert.deepEqual((b.wire.requestBody as Record<string, unknown>).stream_options, { include_usage: true });
      assert.equal(b.content, a.content, 'deterministic for the same request');
      assert.equal(b.finishReason, 'stop');
      assert.equal(b.usage.completionTokens, a.usage.completionTokens);
      assert.ok(b.serverTimings?.predicted_n !== undefined);
    } finally {
      await whole.close();
      await streamed.close();
    }
  });

  it('reports finish_reason "length" as a truncation, streamed or not', async () => {
    for (const stream of [false, true]) {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, stream });
      try {
        const result = await provider.chat(request({ options: { maxOutputTokens: 3 } }));
        assert.equal(result.finishReason, 'length');
        assert.equal(result.usage.completionTokens, 3);
        assert.throws(() => JSON.parse(result.content));
      } finally {
        await provider.close();
      }
    }
  });

  it('understands llama-server\'s error shape (integer code) and a schema its grammar converter refuses', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
    try {
      const error = await rejection(provider.chat(request({ schema: { type: 'object', properties: { id: { type: 'string', pattern: '[a-z]+' } } } })));
      assert.equal(error.code, 'schema_refused');
      assert.equal(error.isRetryable, false);
      assert.equal(error.statusCode, 400);
      assert.equal(error.url, `${simulator.url}/v1/chat/completions`);
      assert.match(error.message, /Pattern must start with '\^' and end with '\$'/);
      const body = readOpenAiErrorBody(error.responseBody!);
      assert.equal(body?.code, 400);
      assert.equal(body?.type, 'invalid_request_error');
      assert.deepEqual(Object.keys(JSON.parse(error.responseBody!).error), ['code', 'message', 'type']);
    } finally {
      await provider.close();
    }
  });

  it('is refused with llama-server\'s 503 "Loading model" while the model loads, and /health says so', async () => {
    await withSimulator({ flavor: 'llama-server', loadMs: 60_000 }, async (loading) => {
      const health = await fetch(`${loading.url}/health`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${loading.url}/v1` });
      try {
        const error = await rejection(provider.chat(request()));
        assert.equal(error.code, 'server_busy');
        assert.equal(error.statusCode, 503);
        assert.equal(error.isRetryable, true);
        assert.match(error.message, /Loading model/);
      } finally {
        await provider.close();
      }
    });
    const ready = await fetch(`${simulator.url}/health`);
    assert.deepEqual(await ready.json(), { status: 'ok' });
  });
});

describe('OpenAI-compatible provider against simulated vLLM and hosted OpenAI', () => {
  it('understands OpenAI\'s error shape, strict mode\'s schema refusal, and Retry-After on 429', async () => {
    await withSimulator({ flavor: 'openai', faults: { rateLimited: 1 }, retryAfterSeconds: 7 }, async (simulator) => {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, apiKey: 'sk-test-secret-123' });
      try {
        const limited = await rejection(provider.chat(request()));
        assert.equal(limited.code, 'rate_limited');
        assert.equal(limited.statusCode, 429);
        assert.equal(limited.retryAfterSeconds, 7);
        assert.equal(limited.isRetryable, true);
        const body = JSON.parse(limited.responseBody!) as { error: Record<string, unknown> };
        assert.deepEqual(Object.keys(body.error), ['message', 'type', 'param', 'code']);
        assert.equal(body.error.code, 'rate_limit_exceeded');
        assert.doesNotMatch(limited.message, /sk-test-secret/);
        assert.equal(limited.request?.requestHeaders.authorization, '[redacted]');
      } finally {
        await provider.close();
      }
    });
    await withSimulator({ flavor: 'openai' }, async (simulator) => {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
      try {
        const loose = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name'] };
        const refused = await rejection(provider.chat(request({ schema: loose })));
        assert.equal(refused.code, 'schema_refused');
        assert.equal(refused.statusCode, 400);
        assert.match(refused.message, /additionalProperties/);
        // The same schema without strict passes, and an unknown model is a 404 model_not_found.
        const relaxed = await provider.chat(request({ schema: loose, providerOptions: { openai: { strict: false } } }));
        assert.equal(relaxed.finishReason, 'stop');
        const missing = await rejection(provider.chat(request({ model: 'gpt-nonexistent' })));
        assert.equal(missing.code, 'model_not_found');
        assert.equal(missing.isRetryable, false);
      } finally {
        await provider.close();
      }
    });
  });

  it('understands vLLM\'s error shape and honours Retry-After on a 503', async () => {
    await withSimulator({ flavor: 'vllm', parallel: 1, maxQueue: 0, latencyMs: 150, retryAfterSeconds: 3 }, async (simulator) => {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
      try {
        const first = provider.chat(request());
        await new Promise((resolve) => setTimeout(resolve, 30));
        const busy = await rejection(provider.chat(request()));
        assert.equal(busy.code, 'server_busy');
        assert.equal(busy.retryAfterSeconds, 3);
        const body = JSON.parse(busy.responseBody!) as { error: Record<string, unknown> };
        assert.equal(body.error.code, 503);
        assert.equal(body.error.type, 'ServiceUnavailableError');
        assert.equal((await first).finishReason, 'stop');
        const missing = await rejection(provider.chat(request({ model: 'Qwen/Nope' })));
        assert.equal(missing.code, 'model_not_found');
        assert.match(missing.message, /does not exist/);
      } finally {
        await provider.close();
      }
    });
  });

  it('reads a stream cut by an error event as a server error, and a dropped stream as a dropped connection', async () => {
    await withSimulator({ flavor: 'vllm', faults: { streamError: 1 } }, async (simulator) => {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, stream: true });
      try {
        const error = await rejection(provider.chat(request()));
        assert.equal(error.code, 'server_error');
        assert.match(error.message, /mid-stream/);
      } finally {
        await provider.close();
      }
    });
    await withSimulator({ flavor: 'llama-server', faults: { dropConnection: 1 } }, async (simulator) => {
      const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, stream: true });
      try {
        const error = await rejection(provider.chat(request()));
        assert.equal(error.code, 'connection_dropped');
        assert.equal(error.isRetryable, true);
      } finally {
        await provider.close();
      }
    });
  });
});

describe('OpenAI-compatible provider against Ollama\'s own /v1', () => {
  it('gets schema-valid answers and Ollama\'s /v1 error shape', async () => {
    const simulator = await startSimulator({ protocol: 'ollama' });
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1`, server: 'ollama' });
    try {
      const result = await provider.chat(request());
      assert.equal(result.finishReason, 'stop');
      assert.ok(Number.isInteger((JSON.parse(result.content) as { age: number }).age));
      assert.equal((result.wire.responseBody as Record<string, unknown>).system_fingerprint, 'fp_ollama');
      const missing = await rejection(provider.chat(request({ model: 'nonexistent:1b' })));
      assert.equal(missing.code, 'model_not_found');
      assert.deepEqual(JSON.parse(missing.responseBody!), {
        error: { message: 'model "nonexistent:1b" not found, try pulling it first', type: 'not_found_error', param: null, code: null },
      });
      const refused = await rejection(provider.chat(request({ schema: { type: 'string', pattern: 'a+' } })));
      assert.equal(refused.code, 'schema_refused');
      assert.equal(refused.statusCode, 500);
    } finally {
      await provider.close();
      await simulator.close();
    }
  });
});

describe('OpenAI-compatible provider probe', () => {
  it('says a server is up when it answers GET /models, and names the failure when it does not', async () => {
    const simulator = await startSimulator({ protocol: 'openai', flavor: 'vllm' });
    const up = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
    try {
      await up.probe!();
      assert.equal(simulator.stats().requestsByRoute['GET /v1/models'], 1);
    } finally {
      await up.close();
      await simulator.close();
    }
    const down = createOpenAiCompatibleProvider({ baseUrl: `${simulator.url}/v1` });
    try {
      const error = await rejection(down.probe!());
      assert.equal(error.code, 'connection_failed');
      assert.match(error.message, /is the OpenAI-compatible server running at this address/);
    } finally {
      await down.close();
    }
  });
});

describe('SSE reading', () => {
  it('joins data lines, accepts CRLF and CR, skips comments, and holds partial lines across pieces', async () => {
    const pieces = [': keep-alive\r\n', 'data: {"a"', ':1}\r\n\r', '\ndata: line1\ndata: line2\n\nevent: x\rdata: [DONE]\r\r', 'data: tail'];
    const seen: string[] = [];
    await readSseStream({ readText: async (onText) => pieces.forEach(onText) }, { onData: (data) => seen.push(data) });
    assert.deepEqual(seen, ['{"a":1}', 'line1\nline2', '[DONE]', 'tail']);
  });
});

describe('holocron sim flags for the OpenAI side', () => {
  it('parses --protocol, --flavor, --retry-after-seconds and --fault-rate-limited, and names a bad one', () => {
    const options = parseSimCommandFlags({ host: '127.0.0.1', port: '0', protocol: 'openai', flavor: 'vllm', retryAfterSeconds: '4', faultRateLimited: '0.25' });
    assert.equal(options.protocol, 'openai');
    assert.equal(options.flavor, 'vllm');
    assert.equal(options.retryAfterSeconds, 4);
    assert.equal(options.faults.rateLimited, 0.25);
    assert.equal(parseSimCommandFlags({ host: '127.0.0.1', port: '0' }).protocol, 'ollama');
    assert.throws(() => parseSimCommandFlags({ host: '127.0.0.1', port: '0', protocol: 'openai', flavor: 'lmstudio' }), (error: unknown) => error instanceof SimFlagError && /--flavor/.test(error.message));
  });
});
