/**
 * Reads an NDJSON (newline-delimited JSON) response body incrementally: decodes bytes as UTF-8, buffers
 * partial lines across chunks and hands each complete non-blank line to a callback. Callback-based
 * rather than an async generator, so there is no promise per line on the hot path. Parsing the lines
 * is the caller's business.
 */

export interface ReadNdjsonStreamOptions {
  /** Called with each complete, non-blank line (without its `\n`). Throwing stops reading and cancels the body. */
  onLine: (line: string) => void;
  /** Called with every decoded piece of text as it arrives (for the raw body and for idle timers). */
  onText?: (text: string) => void;
}

/** Reads the whole stream; resolves at EOF, rejects if the stream errors or a callback throws. */
export async function readNdjsonStream(
  body: ReadableStream<Uint8Array>,
  options: ReadNdjsonStreamOptions,
): Promise<void> {
  const { onLine, onText } = options;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text.length === 0) continue;
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
    }
    finished = true;
    const tail = decoder.decode();
    if (tail.length > 0) {
      onText?.(tail);
      pending += tail;
    }
    emitLine(pending, onLine);
  } finally {
    if (!finished) {
      // Stopped early (callback threw or the read failed): release the connection instead of leaving it hanging.
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
  }
}

function emitLine(line: string, onLine: (line: string) => void): void {
  if (line.length === 0 || line.trim().length === 0) return;
  onLine(line);
}
