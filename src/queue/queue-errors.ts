/** Errors the queue raises for requests it must refuse; each names the job and the reason. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: number) {
    super(`No job with id ${jobId}.`);
  }
}

export class JobStateError extends Error {
  override readonly name = 'JobStateError';
  constructor(
    readonly jobId: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}
