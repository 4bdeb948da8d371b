/** The pair that identifies an attempt in hand: the job and its fencing token. */
export interface HeldAttempt {
  jobId: number;
  runId: string;
}
