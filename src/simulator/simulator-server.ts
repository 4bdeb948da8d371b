/**
 * The LLM server simulator: a real `node:http` server speaking Ollama's wire format (and Ollama's own
 * `/v1`), or — with `protocol: 'openai'` — an OpenAI-compatible server (llama-server, vLLM or hosted
 * OpenAI), for tests and benchmarks that cannot download model weights. `startSimulator` listens and returns its URL, live
 * stats and a `close()` that does not hang on idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChat } from './chat-route.ts';
import { readBody, sendJsonError, sendRouteNotFound } from './http-replies.ts';
import { handlePs, handleRoot, handleShow, handleTags, handleVersion } from './model-routes.ts';
import { handleOpenAiChat } from './openai-chat-route.ts';
import { handleHealth, handleOpenAiModels, sendOpenAiRouteNotFound } from './openai-model-routes.ts';
import { parseSimulatorOptions, type SimulatorStartOptions } from './simulator-options.ts';
import { createSimulatorRuntime, type SimulatorRuntime } from './simulator-runtime.ts';
import type { SimulatorStats } from './simulator-stats.ts';

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43123`. */
  url: string;
  port: number;
  stats(): SimulatorStats;
  /** Stops accepting, closes idle keep-alive sockets, lets in-flight answers finish (at most 5 s), then resolves. */
  close(): Promise<void>;
}

const keepAliveTimeoutMilliseconds = 65_000;
const closeGraceMilliseconds = 5_000;
/** While closing, connections that finish their last answer are closed this often. */
const idleSweepMilliseconds = 20;

type RouteHandler = (runtime: SimulatorRuntime, request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

const withBody =
  (handler: (runtime: SimulatorRuntime, request: IncomingMessage, response: ServerResponse, body: string) => void | Promise<void>): RouteHandler =>
  async (runtime, request, response) => handler(runtime, request, response, await readBody(request));

const routes: ReadonlyMap<string, RouteHandler> = new Map<string, RouteHandler>([
  ['GET /', (_runtime, _request, response) => handleRoot(response)],
  ['HEAD /', (_runtime, _request, response) => handleRoot(response)],
  ['GET /api/version', (_runtime, _request, response) => handleVersion(response)],
  ['HEAD /api/version', (_runtime, _request, response) => handleVersion(response)],
  ['GET /api/tags', (runtime, _request, response) => handleTags(runtime, response)],
  ['HEAD /api/tags', (runtime, _request, response) => handleTags(runtime, response)],
  ['GET /api/ps', (runtime, _request, response) => handlePs(runtime, response)],
  ['POST /api/show', withBody((runtime, _request, response, body) => handleShow(runtime, response, body))],
  ['POST /api/chat', withBody(handleChat)],
  // Ollama's own OpenAI-compatible API.
  ['POST /v1/chat/completions', withBody((runtime, request, response, body) => handleOpenAiChat(runtime, 'ollama', request, response, body))],
  ['GET /v1/models', (runtime, _request, response) => handleOpenAiModels(runtime, 'ollama', response)],
]);

/** An OpenAI-compatible server of the configured flavour (`protocol: 'openai'`). */
const openAiRoutes: ReadonlyMap<string, RouteHandler> = new Map<string, RouteHandler>([
  ['POST /v1/chat/completions', withBody((runtime, request, response, body) => handleOpenAiChat(runtime, runtime.options.flavor, request, response, body))],
  ['GET /v1/models', (runtime, _request, response) => handleOpenAiModels(runtime, runtime.options.flavor, response)],
  ['GET /health', (runtime, _request, response) => handleHealth(runtime, runtime.options.flavor, response)],
]);

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const queryStart = raw.indexOf('?');
  return queryStart === -1 ? raw : raw.slice(0, queryStart);
}

function reportUnexpectedError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJsonError(response, 500, error instanceof Error ? error.message : String(error));
}

function dispatch(runtime: SimulatorRuntime, request: IncomingMessage, response: ServerResponse): void {
  const method = request.method ?? 'GET';
  const path = pathOf(request.url);
  runtime.stats.recordRequest(method, path);
  if (runtime.closing) response.setHeader('Connection', 'close');
  const openAi = runtime.options.protocol === 'openai';
  const handler = (openAi ? openAiRoutes : routes).get(`${method} ${path}`);
  if (handler === undefined) {
    if (openAi) sendOpenAiRouteNotFound(runtime.options.flavor, response);
    else sendRouteNotFound(response);
    return;
  }
  try {
    const pending = handler(runtime, request, response);
    if (pending !== undefined) pending.catch((error: unknown) => reportUnexpectedError(response, error));
  } catch (error) {
    reportUnexpectedError(response, error);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlHost(host: string, family: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return family === 'IPv6' || host.includes(':') ? `[${host}]` : host;
}

function closeServer(server: Server, runtime: SimulatorRuntime): Promise<void> {
  return new Promise((resolve, reject) => {
    runtime.closing = true;
    const forceTimer = setTimeout(() => server.closeAllConnections(), closeGraceMilliseconds);
    const idleSweep = setInterval(() => server.closeIdleConnections(), idleSweepMilliseconds);
    forceTimer.unref();
    idleSweep.unref();
    server.close((error) => {
      clearTimeout(forceTimer);
      clearInterval(idleSweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

export async function startSimulator(options: SimulatorStartOptions = {}): Promise<RunningSimulator> {
  const resolved = parseSimulatorOptions(options);
  const runtime = createSimulatorRuntime(resolved);
  const server = createServer((request, response) => dispatch(runtime, request, response));
  server.keepAliveTimeout = keepAliveTimeoutMilliseconds;
  server.headersTimeout = keepAliveTimeoutMilliseconds + 1_000;
  server.requestTimeout = 0;
  await listen(server, resolved.port, resolved.host);
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(resolved.host, address.family)}:${address.port}`,
    port: address.port,
    stats: () => runtime.stats.snapshot(runtime.slots),
    close: () => (closing ??= closeServer(server, runtime)),
  };
}
