/**
 * Reads an NDJSON (newline-delimited JSON) response body incrementally: buffers partial lines across
 * the transport's decoded text pieces and hands each complete non-blank line to a callback.
 * Callback-based rather than an async generator, so there is no promise per line on the hot path.
 * Parsing the lines is the caller's business.
 */
import type { HttpTransportResponse } from '../transport/http-transport.ts';

export interface ReadNdjsonStreamOptions {
  /** Called with each complete, non-blank line (without its `\n`). Throwing stops reading and discards the body. */
  onLine: (line: string) => void;
  /** Called with every decoded piece of text as it arrives (for the raw body and for idle timers). */
  onText?: (text: string) => void;
}

/** Reads the whole body; resolves at EOF, rejects if the body read fails or a callback throws. */
export async function readNdjsonStream(
  body: Pick<HttpTransportResponse, 'readText'>,
  options: ReadNdjsonStreamOptions,
): Promise<void> {
  const { onLine, onText } = options;
  let pending = '';
  await body.readText((text) => {
    onText?.(text);
    pending = pending.length === 0 ? text : pending + text;
    let start = 0;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      emitLine(pending.slice(start, newline), onLine);
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    if (start > 0) pending = pending.slice(start);
  });
  emitLine(pending, onLine);
}

function emitLine(line: string, onLine: (line: string) => void): void {
  if (line.length === 0 || line.trim().length === 0) return;
  onLine(line);
}
