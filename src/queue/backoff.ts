/** Exponential backoff with jitter for retries: base × 2^(attempt−1), capped, then "equal jitter". */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
