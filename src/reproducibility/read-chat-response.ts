/**
 * Reads a chat response body as it came back to a replay — whichever wire protocol the stored request
 * spoke: Ollama's NDJSON stream or whole JSON (`message.content`), or an OpenAI-compatible SSE stream
 * or whole JSON (`choices[0].message.content` / `delta.content`). Returns the answer text, the finish
 * reason, and the body as one object for response.json.
 */
export interface ReadChatResponse {
  content: string;
  finishReason: string | null;
  streamed: boolean;
  body: unknown;
}

export function readChatResponse(contentType: string, text: string): ReadChatResponse {
  if (contentType.includes('event-stream') || /^data:/m.test(text.slice(0, 200))) return readServerSentEvents(text);
  if (contentType.includes('ndjson') || (text.includes('\n{') && !contentType.includes('application/json'))) return readNdjson(text);
  const body = JSON.parse(text) as Record<string, unknown>;
  const ollama = body.message as { content?: string } | undefined;
  if (ollama) return { content: ollama.content ?? '', finishReason: (body.done_reason as string | undefined) ?? null, streamed: false, body };
  const choice = (body.choices as { message?: { content?: string }; finish_reason?: string }[] | undefined)?.[0];
  return { content: choice?.message?.content ?? '', finishReason: choice?.finish_reason ?? null, streamed: false, body };
}

function readNdjson(text: string): ReadChatResponse {
  let content = '';
  let last: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const chunk = JSON.parse(line) as Record<string, unknown>;
    if (typeof chunk.error === 'string') throw new Error(`the server reported an error mid-stream: ${chunk.error}`);
    content += (chunk.message as { content?: string } | undefined)?.content ?? '';
    last = chunk;
  }
  return {
    content,
    finishReason: (last.done_reason as string | undefined) ?? null,
    streamed: true,
    body: { ...last, message: { ...((last.message as object | undefined) ?? {}), content } },
  };
}

function readServerSentEvents(text: string): ReadChatResponse {
  let content = '';
  let finishReason: string | null = null;
  let last: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]' || data === '') continue;
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
    const choice = chunk.choices?.[0];
    content += choice?.delta?.content ?? '';
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    last = chunk as Record<string, unknown>;
  }
  return { content, finishReason, streamed: true, body: { ...last, content } };
}
