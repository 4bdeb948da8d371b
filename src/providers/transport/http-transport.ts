/**
 * The HTTP seam under the LLM providers: one request in, a status, headers and a UTF-8 text body out.
 * Two implementations: node:http/node:https with a keep-alive Agent (the default, several times cheaper
 * in CPU per request than fetch) and an injected `fetch`. Providers own timeouts and error
 * classification; a transport only reports what happened (rejecting with the network error, or with
 * the signal's reason once it aborts).
 */

export interface HttpTransportRequest {
  method: 'GET' | 'POST';
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /** Aborting it destroys the request: before the headers, `request` rejects; after them, the body read does. */
  signal?: AbortSignal;
}

export interface HttpTransportResponse {
  readonly status: number;
  /** A response header by lower-case name; null when absent. */
  header(name: string): string | null;
  /**
   * Reads the body as UTF-8 text, piece by piece as it arrives (a multi-byte character split across
   * network chunks is decoded whole). Resolves at the end of the body; rejects when the connection
   * fails or the request is aborted, or with what `onText` throws, in which case the rest of the body
   * is discarded with its connection. Read a body once, with this or `text()`.
   */
  readText(onText: (text: string) => void): Promise<void>;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
}

export interface HttpTransport {
  /** Resolves when the response headers arrive; the caller must then read the body (or abort). */
  request(url: string, request: HttpTransportRequest): Promise<HttpTransportResponse>;
  /** Closes pooled connections (sockets in use are destroyed with them). Idempotent. */
  close(): Promise<void>;
}
