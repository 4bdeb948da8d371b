/**
 * Reads a `text/event-stream` body (Server-Sent Events) incrementally, as OpenAI-compatible servers
 * stream chat completions: lines are buffered across the transport's text pieces, `data:` lines of one
 * event are joined with `\n`, an event ends at a blank line, comments (`:`) and other fields are
 * skipped, and CR/CRLF line ends are accepted. Each event's data goes to a callback; `[DONE]` is
 * passed on too (the caller decides what it means).
 */
import type { HttpTransportResponse } from '../transport/http-transport.ts';

export interface ReadSseStreamOptions {
  /** Called with each event's data (the `data:` lines joined); throwing stops reading and discards the body. */
  onData: (data: string, event: string | undefined) => void;
  /** Every decoded piece of text as it arrives (for the raw body and idle timers). */
  onText?: (text: string) => void;
}

export async function readSseStream(body: Pick<HttpTransportResponse, 'readText'>, options: ReadSseStreamOptions): Promise<void> {
  const { onData, onText } = options;
  let pending = '';
  let dataLines: string[] = [];
  let eventName: string | undefined;

  const dispatch = (): void => {
    if (dataLines.length > 0) onData(dataLines.join('\n'), eventName);
    dataLines = [];
    eventName = undefined;
  };
  const takeLine = (line: string): void => {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventName = value;
  };

  await body.readText((text) => {
    onText?.(text);
    pending += text;
    let start = 0;
    for (;;) {
      const newline = pending.indexOf('\n', start);
      const carriage = pending.indexOf('\r', start);
      let end: number;
      let next: number;
      if (carriage !== -1 && (newline === -1 || carriage < newline)) {
        // A CR at the very end may be the first half of CRLF: wait for more text.
        if (carriage === pending.length - 1) break;
        end = carriage;
        next = pending[carriage + 1] === '\n' ? carriage + 2 : carriage + 1;
      } else if (newline !== -1) {
        end = newline;
        next = newline + 1;
      } else break;
      takeLine(pending.slice(start, end));
      start = next;
    }
    if (start > 0) pending = pending.slice(start);
  });
  if (pending.endsWith('\r')) pending = pending.slice(0, -1);
  if (pending !== '') takeLine(pending);
  // A stream that ends without the blank line still delivers its last event.
  dispatch();
}
