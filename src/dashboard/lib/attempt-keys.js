/**
 * Which row of a job's history a URL or a click names. Attempt numbers repeat: a deferred call (the
 * server was busy) and an attempt given back by a forced stop do not spend an attempt, so the next one
 * carries the same number; and a dead letter retried with fresh attempts starts again at #1. Each row
 * gets a key of its own:
 * - the attempt that counted is its number ("2"); the calls of that number that did not count are the
 *   number and their place among those ("2.1", "2.2", …);
 * - after a retry with fresh attempts, a round number goes in front ("2:1", "2:1.1").
 * The history only grows, so a key keeps naming the same row.
 */
const uncounted = new Set(['DEFERRED']);

/** Whether a row spent an attempt: a DEFERRED call did not; an ABANDONED one did unless a later row reuses its number. */
function counted(attempts, index) {
  const attempt = attempts[index];
  if (uncounted.has(String(attempt.status))) return false;
  if (String(attempt.status) !== 'ABANDONED') return true;
  // A forced stop gives the job back without counting: the next claim carries the same number.
  const next = attempts[index + 1];
  return !(next && next.number === attempt.number);
}

/** The attempts (oldest first) with `key`, `label`, `round` and `counted` added. */
export function keyAttempts(attempts) {
  let round = 1;
  let lastNumber = 0;
  let countedInRound = new Set();
  let places = new Map();
  return attempts.map((attempt, index) => {
    const number = Number(attempt.number);
    if (number < lastNumber || countedInRound.has(number)) {
      round += 1;
      countedInRound = new Set();
      places = new Map();
    }
    lastNumber = number;
    const prefix = round > 1 ? `${round}:` : '';
    const suffix = round > 1 ? ` (round ${round})` : '';
    if (counted(attempts, index)) {
      countedInRound.add(number);
      return { ...attempt, round, counted: true, key: `${prefix}${number}`, label: `#${number}${suffix}` };
    }
    const place = (places.get(number) ?? 0) + 1;
    places.set(number, place);
    return { ...attempt, round, counted: false, key: `${prefix}${number}.${place}`, label: `#${number}.${place}${suffix}` };
  });
}

/**
 * The row a key names. A bare number with no counted attempt of that number in the first round (every
 * call so far was deferred) names the latest row of that number; an unknown key names nothing.
 */
export function findAttempt(keyed, key) {
  if (key === undefined || key === null || key === '') return undefined;
  const exact = keyed.find((attempt) => attempt.key === String(key));
  if (exact) return exact;
  if (!/^\d+$/.test(String(key))) return undefined;
  const ofNumber = keyed.filter((attempt) => attempt.number === Number(key));
  return ofNumber.filter((attempt) => attempt.counted).at(-1) ?? ofNumber.at(-1);
}
