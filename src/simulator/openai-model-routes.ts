/**
 * The OpenAI-compatible side's other routes: `GET /v1/models` in each server's shape, llama-server's
 * `/health` (503 "Loading model" while it loads, then `{"status":"ok"}`), vLLM's `/health` (200, empty),
 * and each server's answer to an unknown route.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-replies.ts';
import type { CatalogModel } from './model-catalog.ts';
import { llamaServerLoading } from './openai-chat-route.ts';
import { busySpec, sendOpenAiError, type OpenAiSide } from './openai-errors.ts';
import type { SimulatorRuntime } from './simulator-runtime.ts';

function created(model: CatalogModel): number {
  const time = Date.parse(model.modifiedAt);
  return Number.isNaN(time) ? 0 : Math.floor(time / 1000);
}

function modelEntry(side: OpenAiSide, model: CatalogModel): Record<string, unknown> {
  const base = { id: model.name, object: 'model', created: created(model) };
  switch (side) {
    case 'ollama':
      return { ...base, owned_by: 'library' };
    case 'llama-server':
      return { ...base, owned_by: 'llamacpp', meta: { n_ctx_train: model.contextLength, n_params: model.parameterCount, size: model.sizeBytes } };
    case 'vllm':
      return { ...base, owned_by: 'vllm', root: model.name, parent: null, max_model_len: model.contextLength };
    case 'openai':
      return { ...base, owned_by: 'system' };
  }
}

export function handleOpenAiModels(runtime: SimulatorRuntime, side: OpenAiSide, response: ServerResponse): void {
  // llama-server serves one model.
  const models = side === 'llama-server' ? runtime.catalog.list().slice(0, 1) : runtime.catalog.list();
  sendJson(response, 200, { object: 'list', data: models.map((model) => modelEntry(side, model)) });
}

export function handleHealth(runtime: SimulatorRuntime, side: OpenAiSide, response: ServerResponse): void {
  if (side === 'llama-server') {
    if (llamaServerLoading(runtime)) sendOpenAiError(response, side, busySpec(side, true));
    else sendJson(response, 200, { status: 'ok' });
    return;
  }
  response.writeHead(200, { 'Content-Length': 0 });
  response.end();
}

export function sendOpenAiRouteNotFound(side: OpenAiSide, response: ServerResponse): void {
  if (side === 'vllm') {
    sendJson(response, 404, { detail: 'Not Found' });
    return;
  }
  sendOpenAiError(response, side, { status: 404, message: 'File Not Found', type: 'not_found_error' });
}
