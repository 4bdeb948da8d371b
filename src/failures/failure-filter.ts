/** Which failures and attempts a ledger query counts. */
export interface FailureFilter {
  interrogation?: string;
  model?: string;
  runLabel?: string;
  /** Most rows returned (default 50). */
  limit?: number;
}

export const defaultFailureRowLimit = 50;
