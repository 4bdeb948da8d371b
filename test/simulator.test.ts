/**
 * The Ollama server simulator over real HTTP: routes and exact error texts, NDJSON streaming,
 * non-streaming key order, schema-valid and deterministic answers, queue limits (503), model load
 * delay, client disconnects, and every fault kind at rate 1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startSimulator, type RunningSimulator, type SimulatorStartOptions } from '../src/simulator/index.ts';

const model = 'llama3.2';
const busyBody = '{"error":"server busy, please try again.  maximum pending requests exceeded"}';
const evidence = 'Marie Curie was born in Warsaw on 7 November 1867 and won the Nobel Prize in Physics in 1903 with Pierre Curie.';

const personSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    birth_year: { type: 'integer', minimum: 1800, maximum: 2000 },
    birth_city: { type: ['string', 'null'] },
    awards: { type: 'array', items: { type: 'string' }, maxItems: 3 },
  },
  required: ['name', 'birth_year', 'birth_city', 'awards'],
  additionalProperties: false,
};

const nestedRefSchema = {
  $defs: {
    date: { type: 'string', format: 'date' },
    event: {
      type: 'object',
      properties: {
        kind: { enum: ['birth', 'award', 'death'] },
        on: { $ref: '#/$defs/date' },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        source: { type: 'string', format: 'uri' },
      },
      required: ['kind', 'on', 'confidence'],
    },
  },
  type: 'object',
  properties: {
    events: { type: 'array', items: { $ref: '#/$defs/event' }, minItems: 1, maxItems: 5 },
    summary: { type: 'string', maxLength: 200 },
    subject: { anyOf: [{ type: 'null' }, { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] }] },
  },
  required: ['events', 'summary', 'subject'],
};

const treeSchema = {
  definitions: {
    node: {
      type: 'object',
      properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/definitions/node' } } },
      required: ['label', 'children'],
    },
  },
  allOf: [{ $ref: '#/definitions/node' }, { properties: { depth: { type: 'integer', minimum: 0 } }, required: ['depth'] }],
};

function validatorFor(schema: object, draft2020 = false): ValidateFunction {
  const ajv = draft2020 ? new Ajv2020({ strict: false }) : new Ajv({ strict: false });
  addFormatsModule.default(ajv);
  return ajv.compile(schema);
}

function chatBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: evidence }], format: personSchema, ...overrides };
}

interface HttpResult {
  status: number;
  contentType: string | null;
  text: string;
}

async function post(url: string, path: string, body: unknown, signal?: AbortSignal): Promise<HttpResult> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

async function get(url: string, path: string, method = 'GET'): Promise<HttpResult> {
  const response = await fetch(`${url}${path}`, { method });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

function parseLines(text: string): Array<Record<string, unknown>> {
  assert.ok(text.endsWith('\n'), 'every NDJSON line is newline-terminated');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function contentOf(lines: Array<Record<string, unknown>>): string {
  return lines.map((line) => (line.message as { content?: string } | undefined)?.content ?? '').join('');
}

/** Polls until `condition` holds — a synchronization point, not a time bound (the limit only stops a hang). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    assert.ok(tries < 2_000, `gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function withSimulator<T>(options: SimulatorStartOptions, run: (simulator: RunningSimulator) => Promise<T>): Promise<T> {
  const simulator = await startSimulator(options);
  try {
    return await run(simulator);
  } finally {
    await simulator.close();
  }
}

function assertDurationsAreIntegerNanoseconds(final: Record<string, unknown>): void {
  for (const key of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration']) {
    assert.ok(Number.isInteger(final[key]) && (final[key] as number) > 0, `${key} is a positive integer: ${String(final[key])}`);
  }
  assert.ok((final.total_duration as number) >= (final.eval_duration as number));
}

describe('simulator: routes and validation', () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator({ models: ['llama3.2', 'qwen2.5:7b'] });
  });
  after(async () => simulator.close());

  test('root, HEAD, version and unknown routes', async () => {
    assert.deepEqual(await get(simulator.url, '/'), { status: 200, contentType: 'text/plain; charset=utf-8', text: 'Ollama is running' });
    const head = await get(simulator.url, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.deepEqual(await get(simulator.url, '/api/version'), {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      text: '{"version":"0.12.6"}',
    });
    for (const [method, path] of [['GET', '/api/nothing'], ['GET', '/api/chat'], ['DELETE', '/']]) {
      assert.deepEqual(await get(simulator.url, path!, method), { status: 404, contentType: 'text/plain', text: '404 page not found' });
    }
  });

  test('/api/tags lists the models with tag, digest and details', async () => {
    const result = await get(simulator.url, '/api/tags');
    const { models } = JSON.parse(result.text) as { models: Array<Record<string, unknown>> };
    assert.deepEqual(models.map((entry) => entry.name), ['llama3.2:latest', 'qwen2.5:7b']);
    for (const entry of models) {
      assert.deepEqual(Object.keys(entry), ['name', 'model', 'modified_at', 'size', 'digest', 'details']);
      assert.equal(entry.model, entry.name);
      assert.match(entry.digest as string, /^[0-9a-f]{64}$/);
      assert.ok(Number.isInteger(entry.size));
      assert.deepEqual(Object.keys(entry.details as object), ['parent_model', 'format', 'family', 'families', 'parameter_size', 'quantization_level']);
    }
    assert.equal((models[1]!.details as { family: string }).family, 'qwen2');
    assert.equal(JSON.parse((await get(simulator.url, '/api/tags')).text).models[0].digest, models[0]!.digest, 'digests are stable');
  });

  test('/api/show: details without digest or size, and its errors', async () => {
    const shown = JSON.parse((await post(simulator.url, '/api/show', { model })).text) as Record<string, unknown>;
    for (const key of ['modelfile', 'parameters', 'template', 'details', 'model_info', 'capabilities', 'modified_at']) assert.ok(key in shown, key);
    assert.ok(!('digest' in shown) && !('size' in shown));
    assert.deepEqual(shown.capabilities, ['completion']);
    const info = shown.model_info as Record<string, unknown>;
    assert.equal(info['general.architecture'], 'llama');
    assert.equal(info['llama.context_length'], 131072);
    assert.match(shown.parameters as string, /^stop\s+"<\|start_header_id\|>"$/m);

    assert.deepEqual(await post(simulator.url, '/api/show', ''), {
      status: 400,
      contentType: 'application/json; charset=utf-8',
      text: '{"error":"missing request body"}',
    });
    assert.equal((await post(simulator.url, '/api/show', {})).text, '{"error":"model is required"}');
    const missing = await post(simulator.url, '/api/show', { model: 'ghost' });
    assert.equal(missing.status, 404);
    assert.equal(missing.text, `{"error":"model 'ghost' not found"}`);
  });

  test('/api/chat request errors have Ollama status codes and texts', async () => {
    const cases: Array<[unknown, number, string]> = [
      ['', 400, 'missing request body'],
      ['{"model":', 400, 'unexpected EOF'],
      ['{bad json}', 400, "invalid character 'b' looking for beginning of value"],
      [{ messages: [] }, 400, 'model is required'],
      [chatBody({ model: 'ghost:7b' }), 404, 'model "ghost:7b" not found, try pulling it first'],
      [chatBody({ format: 'xml' }), 400, 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object'],
      [chatBody({ format: { type: 'object', properties: { a: { $ref: '#/$defs/none' } } } }), 400, 'invalid JSON schema in format'],
      [chatBody({ keep_alive: '3600' }), 400, 'time: missing unit in duration "3600"'],
      [chatBody({ think: true }), 400, '"llama3.2" does not support thinking'],
      [chatBody({ options: { temperature: 'hot' } }), 500, 'option "temperature" must be of type float32'],
      [chatBody({ model: 42 }), 400, 'json: cannot unmarshal number into Go struct field ChatRequest.model of type string'],
    ];
    for (const [body, status, message] of cases) {
      const result = await post(simulator.url, '/api/chat', body);
      assert.equal(result.status, status, message);
      assert.equal(result.contentType, 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(result.text), { error: message });
    }
  });

  test('format null, "" and "json" are accepted; unknown options are ignored', async () => {
    for (const format of [null, '', 'json']) {
      const result = await post(simulator.url, '/api/chat', chatBody({ format, stream: false, options: { whatever: 'x' } }));
      assert.equal(result.status, 200);
      const content = (JSON.parse(result.text) as { message: { content: string } }).message.content;
      if (format === 'json') assert.equal(typeof JSON.parse(content), 'object');
      else assert.throws(() => JSON.parse(content), 'free text is prose');
    }
  });

  test('stats count requests by path and route', () => {
    const stats = simulator.stats();
    assert.ok((stats.requestsByPath['/api/chat'] ?? 0) >= 11);
    assert.ok((stats.requestsByRoute['GET /api/chat'] ?? 0) === 1);
    assert.equal(stats.generating, 0);
    assert.equal(stats.queueDepth, 0);
  });
});

describe('simulator: answers', () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator({ models: [model] });
  });
  after(async () => simulator.close());

  test('streaming is the default: NDJSON deltas, then one done:true line with metrics', async () => {
    const result = await post(simulator.url, '/api/chat', chatBody());
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'application/x-ndjson');
    const lines = parseLines(result.text);
    assert.ok(lines.length >= 2);
    const final = lines.at(-1)!;
    for (const line of lines.slice(0, -1)) {
      assert.deepEqual(Object.keys(line), ['model', 'created_at', 'message', 'done']);
      assert.equal(line.done, false);
      assert.equal(line.model, model);
      assert.match(line.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    assert.equal(final.done, true);
    assert.equal(final.done_reason, 'stop');
    assert.deepEqual(final.message, { role: 'assistant', content: '' });
    assertDurationsAreIntegerNanoseconds(final);
    const content = contentOf(lines);
    assert.ok(validatorFor(personSchema)(JSON.parse(content)), content);
    assert.ok((final.eval_count as number) >= Math.floor(content.length / 4));
    assert.ok((final.prompt_eval_count as number) >= Math.floor(evidence.length / 4));
  });

  test('stream:false answers one object with keys in Ollama order', async () => {
    const result = await post(simulator.url, '/api/chat', chatBody({ stream: false }));
    assert.equal(result.contentType, 'application/json; charset=utf-8');
    const body = JSON.parse(result.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), [
      'model', 'created_at', 'message', 'done', 'done_reason', 'total_duration', 'load_duration',
      'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration',
    ]);
    assert.deepEqual(Object.keys(body.message as object), ['role', 'content']);
    assertDurationsAreIntegerNanoseconds(body);
  });

  test('answers satisfy nested, $ref, anyOf and allOf schemas', async () => {
    const cases: Array<[object, boolean]> = [[personSchema, false], [nestedRefSchema, true], [treeSchema, false]];
    for (const [schema, draft2020] of cases) {
      const validate = validatorFor(schema, draft2020);
      for (let seed = 0; seed < 15; seed += 1) {
        const result = await post(simulator.url, '/api/chat', chatBody({ format: schema, stream: seed % 2 === 0, options: { seed } }));
        const content = seed % 2 === 0 ? contentOf(parseLines(result.text)) : (JSON.parse(result.text) as { message: { content: string } }).message.content;
        assert.ok(validate(JSON.parse(content)), `${content} ${JSON.stringify(validate.errors)}`);
      }
    }
  });

  test('string values come from the user message', async () => {
    const result = await post(simulator.url, '/api/chat', chatBody({ stream: false }));
    const answer = JSON.parse((JSON.parse(result.text) as { message: { content: string } }).message.content) as { name: string };
    for (const word of answer.name.split(' ')) assert.ok(evidence.includes(word), word);
  });

  test('deterministic per request body and seed; streaming and not give the same content', async () => {
    const contentFor = async (overrides: Record<string, unknown>): Promise<string> => {
      const result = await post(simulator.url, '/api/chat', chatBody({ format: nestedRefSchema, ...overrides }));
      return overrides.stream === false ? (JSON.parse(result.text) as { message: { content: string } }).message.content : contentOf(parseLines(result.text));
    };
    const first = await contentFor({ options: { seed: 7 }, stream: false });
    assert.equal(await contentFor({ options: { seed: 7 }, stream: false }), first);
    assert.equal(await contentFor({ options: { seed: 7 } }), first);
    assert.notEqual(await contentFor({ options: { seed: 8 }, stream: false }), first);
    assert.notEqual(await contentFor({ options: { seed: 7 }, model: 'llama3.2:latest', messages: [{ role: 'user', content: 'Other text entirely here.' }], stream: false }), first);
  });

  test('num_predict caps the answer with done_reason length', async () => {
    const body = JSON.parse((await post(simulator.url, '/api/chat', chatBody({ stream: false, options: { num_predict: 3 } }))).text);
    assert.equal(body.done_reason, 'length');
    assert.equal(body.eval_count, 3);
    assert.ok(body.message.content.length <= 12);
  });

  test('messages [] loads the model (done_reason load); keep_alive 0 unloads it', async () => {
    const loaded = await post(simulator.url, '/api/chat', { model, messages: [] });
    assert.equal(loaded.status, 200);
    const body = JSON.parse(loaded.text);
    assert.deepEqual(Object.keys(body), ['model', 'created_at', 'message', 'done', 'done_reason']);
    assert.deepEqual(body.message, { role: 'assistant', content: '' });
    assert.equal(body.done_reason, 'load');
    assert.equal(JSON.parse((await get(simulator.url, '/api/ps')).text).models[0].name, 'llama3.2:latest');
    const unloaded = JSON.parse((await post(simulator.url, '/api/chat', { model, messages: [], keep_alive: 0 })).text);
    assert.equal(unloaded.done_reason, 'unload');
    assert.deepEqual(JSON.parse((await get(simulator.url, '/api/ps')).text), { models: [] });
  });
});

describe('simulator: timing, load and queue', () => {
  test('latency spreads the stream over the generation time', async () => {
    await withSimulator({ latencyMs: 200 }, async (simulator) => {
      const startedAt = performance.now();
      const result = await post(simulator.url, '/api/chat', chatBody());
      const elapsed = performance.now() - startedAt;
      const lines = parseLines(result.text);
      assert.ok(elapsed >= 190, `took ${elapsed} ms`);
      assert.ok(lines.length >= 5, 'several chunks');
      const final = lines.at(-1)!;
      assert.ok((final.eval_duration as number) >= 150e6);
      assert.ok((final.total_duration as number) >= 195e6);
      const first = Date.parse(lines[0]!.created_at as string);
      assert.ok(Date.parse(final.created_at as string) - first >= 100, 'chunks carry spread timestamps');
    });
  });

  test('tokensPerSecond derives generation time from the completion length', async () => {
    await withSimulator({ tokensPerSecond: 400 }, async (simulator) => {
      const body = JSON.parse((await post(simulator.url, '/api/chat', chatBody({ stream: false }))).text);
      const expectedNanoseconds = (body.eval_count / 400) * 1e9;
      assert.ok(body.eval_duration >= expectedNanoseconds * 0.9, `${body.eval_duration} vs ${expectedNanoseconds}`);
    });
  });

  test('a cold model delays the first byte by loadMs and reports it as load_duration', async () => {
    await withSimulator({ loadMs: 300 }, async (simulator) => {
      const startedAt = performance.now();
      const response = await fetch(`${simulator.url}/api/chat`, { method: 'POST', body: JSON.stringify(chatBody()) });
      const timeToHeaders = performance.now() - startedAt;
      const final = parseLines(await response.text()).at(-1)!;
      assert.ok(timeToHeaders >= 290, `headers after ${timeToHeaders} ms`);
      assert.ok((final.load_duration as number) >= 290e6);

      const warm = JSON.parse((await post(simulator.url, '/api/chat', chatBody({ stream: false }))).text);
      assert.equal(simulator.stats().modelLoads, 1, 'the model stays loaded');
      assert.ok(warm.load_duration < 50e6);

      await post(simulator.url, '/api/chat', chatBody({ stream: false, keep_alive: 0 }));
      const reloaded = JSON.parse((await post(simulator.url, '/api/chat', chatBody({ stream: false }))).text);
      assert.ok(reloaded.load_duration >= 290e6, 'keep_alive 0 unloaded the model');
      assert.equal(simulator.stats().modelLoads, 2);
    });
  });

  test('beyond parallel + maxQueue requests get 503 with the two-space message', async () => {
    await withSimulator({ parallel: 1, maxQueue: 1, latencyMs: 300 }, async (simulator) => {
      const results = await Promise.all(Array.from({ length: 5 }, () => post(simulator.url, '/api/chat', chatBody({ stream: false }))));
      const busy = results.filter((result) => result.status === 503);
      assert.equal(busy.length, 3);
      for (const result of busy) {
        assert.equal(result.text, busyBody);
        assert.equal(result.contentType, 'application/json; charset=utf-8');
      }
      assert.equal(results.filter((result) => result.status === 200).length, 2);
      const stats = simulator.stats();
      assert.equal(stats.busyRejections, 3);
      assert.equal(stats.maxConcurrentGenerating, 1);
      assert.equal(stats.chatsAnswered, 2);
    });
  });

  test('parallel requests generate concurrently up to the limit', async () => {
    await withSimulator({ parallel: 3, latencyMs: 150 }, async (simulator) => {
      const startedAt = performance.now();
      await Promise.all(Array.from({ length: 6 }, () => post(simulator.url, '/api/chat', chatBody({ stream: false }))));
      const elapsed = performance.now() - startedAt;
      // Never faster than two rounds (a loaded machine only makes it slower; no upper bound is asserted).
      assert.ok(elapsed >= 290, `6 requests, 3 at a time, 150 ms each: ${elapsed} ms`);
      assert.equal(simulator.stats().maxConcurrentGenerating, 3);
      assert.equal(simulator.stats().chatsAnswered, 6);
    });
  });

  test('a client that goes away while queued or generating frees its place', async () => {
    await withSimulator({ parallel: 1, maxQueue: 1, latencyMs: 250 }, async (simulator) => {
      const holder = new AbortController();
      const waiter = new AbortController();
      const holding = post(simulator.url, '/api/chat', chatBody({ stream: false }), holder.signal).catch((error: unknown) => error);
      await until(() => simulator.stats().generating === 1, 'the first request generates');
      const waiting = post(simulator.url, '/api/chat', chatBody({ stream: false }), waiter.signal).catch((error: unknown) => error);
      await until(() => simulator.stats().queueDepth === 1, 'the second request waits');
      waiter.abort();
      holder.abort();
      await Promise.all([holding, waiting]);
      await until(() => simulator.stats().clientDisconnects === 2, 'the server notices both clients left');
      const stats = simulator.stats();
      assert.equal(stats.queueDepth, 0);
      assert.equal(stats.generating, 0);
      assert.equal(stats.clientDisconnects, 2);
      const results = await Promise.all([post(simulator.url, '/api/chat', chatBody({ stream: false })), post(simulator.url, '/api/chat', chatBody({ stream: false }))]);
      assert.deepEqual(results.map((result) => result.status), [200, 200], 'both places are free again');
    });
  });

  test('a client that goes away mid-stream frees the slot', async () => {
    await withSimulator({ parallel: 1, latencyMs: 300 }, async (simulator) => {
      const controller = new AbortController();
      const response = await fetch(`${simulator.url}/api/chat`, { method: 'POST', body: JSON.stringify(chatBody()), signal: controller.signal });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await until(() => simulator.stats().clientDisconnects === 1, 'the server notices the client left');
      assert.equal(simulator.stats().generating, 0);
      assert.equal(simulator.stats().clientDisconnects, 1);
      const next = await post(simulator.url, '/api/chat', chatBody({ stream: false }));
      assert.equal(next.status, 200);
    });
  });
});

describe('simulator: faults', () => {
  const faultyChat = (overrides: Record<string, unknown> = {}): Record<string, unknown> => chatBody(overrides);

  test('serverError: 500 with a JSON error body', async () => {
    await withSimulator({ faults: { serverError: 1 } }, async (simulator) => {
      const result = await post(simulator.url, '/api/chat', faultyChat());
      assert.equal(result.status, 500);
      assert.equal(result.contentType, 'application/json; charset=utf-8');
      assert.equal(typeof JSON.parse(result.text).error, 'string');
      assert.equal(simulator.stats().faults.serverError, 1);
    });
  });

  test('modelNotFound: the scheduling-time 404 text', async () => {
    await withSimulator({ faults: { modelNotFound: 1 } }, async (simulator) => {
      const result = await post(simulator.url, '/api/chat', faultyChat());
      assert.equal(result.status, 404);
      assert.equal(result.text, '{"error":"model \\"llama3.2\\" not found, try pulling it first"}');
    });
  });

  test('dropConnection: the socket dies mid-stream, or before any byte when not streaming', async () => {
    await withSimulator({ faults: { dropConnection: 1 } }, async (simulator) => {
      const streamed = await fetch(`${simulator.url}/api/chat`, { method: 'POST', body: JSON.stringify(faultyChat()) });
      assert.equal(streamed.status, 200, 'headers went out');
      await assert.rejects(streamed.text());
      await assert.rejects(post(simulator.url, '/api/chat', faultyChat({ stream: false })));
      assert.equal(simulator.stats().faults.dropConnection, 2);
      assert.equal(simulator.stats().chatsAnswered, 0);
    });
  });

  test('streamError: some chunks, then an error line and no done:true', async () => {
    await withSimulator({ faults: { streamError: 1 } }, async (simulator) => {
      const result = await post(simulator.url, '/api/chat', faultyChat());
      assert.equal(result.status, 200);
      const lines = parseLines(result.text);
      assert.ok(lines.length >= 2);
      assert.deepEqual(lines.at(-1), { error: 'an error was encountered while running the model' });
      assert.ok(lines.every((line) => line.done !== true));
      const notStreamed = await post(simulator.url, '/api/chat', faultyChat({ stream: false }));
      assert.equal(notStreamed.status, 200, 'streamError only applies to streams');
    });
  });

  test('invalidJson: content that does not parse, with done_reason stop', async () => {
    for (const faultSeed of [1, 2, 3, 4, 5, 6]) {
      await withSimulator({ faults: { invalidJson: 1 }, faultSeed }, async (simulator) => {
        const body = JSON.parse((await post(simulator.url, '/api/chat', faultyChat({ stream: false }))).text);
        assert.equal(body.done_reason, 'stop');
        assert.throws(() => JSON.parse(body.message.content), SyntaxError, body.message.content);
      });
    }
  });

  test('schemaViolation: valid JSON that fails the schema', async () => {
    await withSimulator({ faults: { schemaViolation: 1 } }, async (simulator) => {
      for (const schema of [personSchema, nestedRefSchema]) {
        const validate = validatorFor(schema, schema === nestedRefSchema);
        for (const stream of [true, false]) {
          const result = await post(simulator.url, '/api/chat', faultyChat({ format: schema, stream }));
          const content = stream ? contentOf(parseLines(result.text)) : JSON.parse(result.text).message.content;
          assert.equal(validate(JSON.parse(content)), false, content);
        }
      }
      assert.equal(simulator.stats().faults.schemaViolation, 4);
    });
  });

  test('truncated: done_reason length and JSON cut mid-way', async () => {
    await withSimulator({ faults: { truncated: 1 } }, async (simulator) => {
      const lines = parseLines((await post(simulator.url, '/api/chat', faultyChat())).text);
      assert.equal(lines.at(-1)!.done_reason, 'length');
      const content = contentOf(lines);
      assert.ok(content.startsWith('{'));
      assert.throws(() => JSON.parse(content), SyntaxError);
    });
  });

  test('faults come from one seeded sequence: reproducible per run, and a retry can succeed', async () => {
    const statuses = async (): Promise<number[]> =>
      withSimulator({ faults: { serverError: 0.5 }, faultSeed: 7 }, async (simulator) => {
        const seen: number[] = [];
        for (let attempt = 0; attempt < 20; attempt += 1) seen.push((await post(simulator.url, '/api/chat', faultyChat({ stream: false }))).status);
        return seen;
      });
    const first = await statuses();
    assert.deepEqual(await statuses(), first);
    assert.ok(first.includes(200) && first.includes(500), first.join(','));
  });
});

describe('simulator: lifecycle', () => {
  test('close() resolves promptly with idle keep-alive connections open', async () => {
    const simulator = await startSimulator();
    await get(simulator.url, '/api/tags');
    await post(simulator.url, '/api/chat', chatBody());
    // Waiting out the idle connection's keep-alive would take 65 s; the race only keeps a regression
    // from hanging the suite, it does not bound how fast close() is.
    let timer: NodeJS.Timeout | undefined;
    const waitedOutKeepAlive = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('close() waited for the idle keep-alive connection')), 30_000);
    });
    await Promise.race([simulator.close(), waitedOutKeepAlive]).finally(() => clearTimeout(timer));
    await assert.rejects(fetch(`${simulator.url}/`));
  });

  test('close() lets an answer in flight finish', async () => {
    const simulator = await startSimulator({ latencyMs: 200 });
    const inFlight = post(simulator.url, '/api/chat', chatBody({ stream: false }));
    await until(() => simulator.stats().generating === 1, 'the answer is in flight');
    await simulator.close();
    assert.equal((await inFlight).status, 200);
  });

  test('invalid options are rejected', async () => {
    await assert.rejects(startSimulator({ parallel: 0 }));
    await assert.rejects(startSimulator({ faults: { truncated: 2 } }));
  });
});

describe('answers echo what the prompt states', () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator();
  });
  after(async () => {
    await simulator.close();
  });

  test('a stated key fills the same-named property when the schema allows it, not otherwise', async () => {
    const format = {
      type: 'object',
      properties: {
        entity_type: { type: 'string', enum: ['character', 'planet', 'starship'] },
        entity_id: { type: 'string', pattern: '^[a-z0-9_]+$' },
        color: { type: 'string', enum: ['red', 'blue'] },
      },
      required: ['entity_type', 'entity_id', 'color'],
    };
    const content = 'Entity type: starship\nEntity id: millennium_falcon\nColor: green\nentity_name: the name as the evidence gives it.';
    const response = await fetch(`${simulator.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', stream: false, format, messages: [{ role: 'user', content }] }),
    });
    const answer = JSON.parse(((await response.json()) as { message: { content: string } }).message.content);
    assert.equal(answer.entity_type, 'starship');
    assert.equal(answer.entity_id, 'millennium_falcon');
    assert.ok(['red', 'blue'].includes(answer.color), 'a stated value the schema forbids is not used');
  });
});
