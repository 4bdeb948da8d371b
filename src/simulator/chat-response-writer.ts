/**
 * Serialises `/api/chat` responses byte-compatibly with Ollama: NDJSON chunk lines, the final object
 * with keys in Ollama's order (model, created_at, message, done, done_reason, then metrics), and metrics
 * omitted when zero. Strings are built directly (no intermediate objects) to keep throughput high.
 */

export interface ChatMetrics {
  totalDurationNanoseconds: number;
  loadDurationNanoseconds: number;
  promptEvalCount: number;
  promptEvalDurationNanoseconds: number;
  evalCount: number;
  evalDurationNanoseconds: number;
}

export const midStreamErrorLine = '{"error":"an error was encountered while running the model"}\n';

/** One streamed chunk, `\n`-terminated. `modelJson` is the already JSON-encoded model name. */
export function formatChunkLine(modelJson: string, createdAt: string, delta: string): string {
  return `{"model":${modelJson},"created_at":"${createdAt}","message":{"role":"assistant","content":${JSON.stringify(delta)}},"done":false}\n`;
}

function formatMetrics(metrics: ChatMetrics | undefined): string {
  if (metrics === undefined) return '';
  const entries: Array<[string, number]> = [
    ['total_duration', metrics.totalDurationNanoseconds],
    ['load_duration', metrics.loadDurationNanoseconds],
    ['prompt_eval_count', metrics.promptEvalCount],
    ['prompt_eval_duration', metrics.promptEvalDurationNanoseconds],
    ['eval_count', metrics.evalCount],
    ['eval_duration', metrics.evalDurationNanoseconds],
  ];
  let text = '';
  for (const [key, value] of entries) {
    const rounded = Math.round(value);
    if (rounded > 0) text += `,"${key}":${rounded}`;
  }
  return text;
}

/** The final (or only) response object, without a trailing newline. */
export function formatFinalObject(
  modelJson: string,
  createdAt: string,
  content: string,
  doneReason: string | undefined,
  metrics: ChatMetrics | undefined,
): string {
  const reason = doneReason === undefined || doneReason === '' ? '' : `,"done_reason":${JSON.stringify(doneReason)}`;
  return `{"model":${modelJson},"created_at":"${createdAt}","message":{"role":"assistant","content":${JSON.stringify(content)}},"done":true${reason}${formatMetrics(metrics)}}`;
}

/** Groups tokens into `lineCount` nearly equal chunks (the deltas of the stream). */
export function groupTokens(tokens: readonly string[], lineCount: number): string[] {
  if (tokens.length === 0) return [];
  const perLine = Math.ceil(tokens.length / Math.max(1, lineCount));
  const lines: string[] = [];
  for (let start = 0; start < tokens.length; start += perLine) lines.push(tokens.slice(start, start + perLine).join(''));
  return lines;
}
