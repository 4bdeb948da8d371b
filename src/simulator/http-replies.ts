/**
 * Low-level HTTP helpers with the exact headers Ollama (Gin) sends: JSON bodies as
 * `application/json; charset=utf-8`, errors as `{"error":"..."}`, plain-text pages, and body reading.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const jsonContentType = 'application/json; charset=utf-8';
export const ndjsonContentType = 'application/x-ndjson';

export function sendJsonText(response: ServerResponse, status: number, bodyText: string): void {
  response.writeHead(status, { 'Content-Type': jsonContentType, 'Content-Length': Buffer.byteLength(bodyText) });
  response.end(bodyText);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendJsonText(response, status, JSON.stringify(body));
}

export function sendJsonError(response: ServerResponse, status: number, message: string): void {
  sendJsonText(response, status, `{"error":${JSON.stringify(message)}}`);
}

export function sendPlainText(response: ServerResponse, status: number, text: string, contentType: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Gin's default for unknown routes and methods. */
export function sendRouteNotFound(response: ServerResponse): void {
  sendPlainText(response, 404, '404 page not found', 'text/plain');
}

/** The whole request body as UTF-8 text. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
