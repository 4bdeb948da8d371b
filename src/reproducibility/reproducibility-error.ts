/** A user's mistake with a reproducibility command (unknown attempt, unreadable lake file): exit 2, one line. */
export class ReproducibilityError extends Error {
  override readonly name = 'ReproducibilityError';
}
