/**
 * The non-chat Ollama endpoints: `GET|HEAD /`, `/api/version`, `/api/tags`, `POST /api/show`, `/api/ps`,
 * with Ollama's field names, key order and error texts.
 */
import type { ServerResponse } from 'node:http';
import { goJsonSyntaxError, formatRfc3339 } from './go-formats.ts';
import { sendJson, sendJsonError, sendPlainText } from './http-replies.ts';
import { formatModelfile, type CatalogModel } from './model-catalog.ts';
import type { SimulatorRuntime } from './simulator-runtime.ts';

export const simulatedOllamaVersion = '0.12.6';
const defaultContextLength = 4096;
/** How far in the future `/api/ps` puts "forever" (Go prints a far-future date too). */
const foreverMilliseconds = 100 * 365 * 24 * 3_600_000;

export function handleRoot(response: ServerResponse): void {
  sendPlainText(response, 200, 'Ollama is running', 'text/plain; charset=utf-8');
}

export function handleVersion(response: ServerResponse): void {
  sendJson(response, 200, { version: simulatedOllamaVersion });
}

function tagEntry(model: CatalogModel): Record<string, unknown> {
  return {
    name: model.name,
    model: model.name,
    modified_at: model.modifiedAt,
    size: model.sizeBytes,
    digest: model.digest,
    details: model.details,
  };
}

export function handleTags(runtime: SimulatorRuntime, response: ServerResponse): void {
  sendJson(response, 200, { models: runtime.catalog.list().map(tagEntry) });
}

function showEntry(model: CatalogModel): Record<string, unknown> {
  return {
    license: '',
    modelfile: formatModelfile(model),
    parameters: model.parameters,
    template: model.template,
    details: model.details,
    model_info: {
      'general.architecture': model.architecture,
      'general.file_type': 15,
      'general.parameter_count': model.parameterCount,
      'general.quantization_version': 2,
      [`${model.architecture}.context_length`]: model.contextLength,
    },
    capabilities: ['completion'],
    modified_at: model.modifiedAt,
  };
}

export function handleShow(runtime: SimulatorRuntime, response: ServerResponse, bodyText: string): void {
  if (bodyText.trim() === '') return sendJsonError(response, 400, 'missing request body');
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    return sendJsonError(response, 400, goJsonSyntaxError(bodyText, error));
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const name = typeof fields.name === 'string' && fields.name !== '' ? fields.name : fields.model;
  if (typeof name !== 'string' || name === '') return sendJsonError(response, 400, 'model is required');
  const model = runtime.catalog.find(name);
  if (model === undefined) return sendJsonError(response, 404, `model '${name}' not found`);
  sendJson(response, 200, showEntry(model));
}

export function handlePs(runtime: SimulatorRuntime, response: ServerResponse): void {
  const now = Date.now();
  const models = runtime.residency.list(now).flatMap(({ name, expiresAt }) => {
    const model = runtime.catalog.find(name);
    if (model === undefined) return [];
    const expiry = Number.isFinite(expiresAt) ? expiresAt : now + foreverMilliseconds;
    return [
      {
        name: model.name,
        model: model.name,
        size: model.sizeBytes,
        digest: model.digest,
        details: model.details,
        expires_at: formatRfc3339(expiry),
        size_vram: model.sizeBytes,
        context_length: defaultContextLength,
      },
    ];
  });
  sendJson(response, 200, { models });
}
