/**
 * An HttpTransport over a `fetch` function (the global undici fetch, or one injected for tests,
 * proxies or instrumentation, as vercel/ai's providers allow). The body is decoded with a streaming
 * TextDecoder, so characters split across chunks come out whole.
 */
import type { HttpTransport, HttpTransportRequest, HttpTransportResponse } from './http-transport.ts';

export function createFetchTransport(fetchFunction: typeof globalThis.fetch): HttpTransport {
  return {
    async request(url: string, request: HttpTransportRequest): Promise<HttpTransportResponse> {
      const response = await fetchFunction(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      return new FetchTransportResponse(response);
    },
    // The injected fetch owns its connection pool: nothing of ours to close.
    async close() {},
  };
}

class FetchTransportResponse implements HttpTransportResponse {
  readonly status: number;
  readonly #response: Response;

  constructor(response: Response) {
    this.status = response.status;
    this.#response = response;
  }

  header(name: string): string | null {
    return this.#response.headers.get(name);
  }

  text(): Promise<string> {
    return this.#response.text();
  }

  async readText(onText: (text: string) => void): Promise<void> {
    const body = this.#response.body;
    if (body === null) return;
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (text.length > 0) onText(text);
      }
      finished = true;
      const tail = decoder.decode();
      if (tail.length > 0) onText(tail);
    } finally {
      if (!finished) {
        // Stopped early (onText threw or the read failed): release the connection instead of leaving it hanging.
        await reader.cancel().catch(() => undefined);
      }
      reader.releaseLock();
    }
  }
}
