/** The per-endpoint AIMD limiter on its own, with a hand-driven clock: growth, one halving per episode, the ceiling, pauses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveConcurrency, type CallPermit } from '../src/providers/adaptive-concurrency.ts';

function limits(ceiling: number, now: { value: number } = { value: 0 }, initial = 1) {
  return new AdaptiveConcurrency({ ceiling, initial, random: () => 0.5, now: () => now.value });
}

async function take(count: number, limiter: ReturnType<AdaptiveConcurrency['endpoint']>): Promise<CallPermit[]> {
  const permits: CallPermit[] = [];
  for (let index = 0; index < count; index++) permits.push(await limiter.acquire());
  return permits;
}

describe('adaptive concurrency (AIMD per endpoint)', () => {
  it('starts at the ceiling by default: a round trip is a whole generation, too long to ramp up from one', () => {
    assert.equal(new AdaptiveConcurrency({ ceiling: 16 }).endpoint('gpu-1').limit, 16);
  });

  it('from a lower start, doubles per round of successes up to the ceiling, never past it', async () => {
    const limiter = limits(6).endpoint('gpu-1');
    assert.equal(limiter.limit, 1);
    (await take(1, limiter)).forEach((permit) => permit.succeeded());
    assert.equal(limiter.limit, 2);
    (await take(2, limiter)).forEach((permit) => permit.succeeded());
    assert.equal(limiter.limit, 4);
    (await take(4, limiter)).forEach((permit) => permit.succeeded());
    assert.equal(limiter.limit, 6, 'capped at the ceiling');
    const level = limiter.level();
    assert.equal(level.ceiling, 6);
    assert.equal(level.succeeded, 7);
    assert.equal(level.peakInFlight, 4);
  });

  it('an endpoint maxInFlight below the worker concurrency is the ceiling', () => {
    const registry = limits(16);
    assert.equal(registry.endpoint('small', 3).ceiling, 3);
    assert.equal(registry.endpoint('big').ceiling, 16);
    assert.deepEqual(registry.levels().map((level) => level.endpointId), ['small', 'big']);
  });

  it('halves once per busy episode: busy answers to calls sent before the decrease do not halve it again', async () => {
    const limiter = limits(16).endpoint('gpu-1');
    for (const size of [1, 2, 4]) (await take(size, limiter)).forEach((permit) => permit.succeeded());
    assert.equal(limiter.limit, 8);
    const permits = await take(8, limiter);
    permits[5]!.busy();
    assert.equal(limiter.limit, 4, 'halved');
    permits[6]!.busy();
    permits[7]!.busy();
    assert.equal(limiter.limit, 4, 'the same episode: not halved again');
    permits.slice(0, 5).forEach((permit) => permit.succeeded());
    assert.equal(limiter.level().busyAt, 6, 'the level at which the server said busy');
    // A call sent after the decrease that meets a busy server starts a new episode.
    const [next] = await take(1, limiter);
    next!.busy();
    assert.ok(limiter.limit < 4);
  });

  it('grows by about one per round below the last busy level, and far slower near it', async () => {
    const limiter = limits(16).endpoint('gpu-1');
    for (const size of [1, 2, 4]) (await take(size, limiter)).forEach((permit) => permit.succeeded());
    const burst = await take(6, limiter);
    burst[5]!.busy(); // busy with 6 in flight: the server holds 5
    burst.slice(0, 5).forEach((permit) => permit.release());
    const afterDecrease = limiter.limit;
    assert.equal(afterDecrease, 4);
    let successes = 0;
    while (limiter.limit < 5 && successes < 1000) {
      (await take(1, limiter))[0]!.succeeded();
      successes++;
    }
    // From 4 to 5 (just below the busy level 6) costs one round, 4 successes or so; from 5 to 6 eight times that.
    assert.ok(successes <= 6, `4 → 5 took ${successes} successes`);
    let probing = 0;
    while (limiter.limit < 6 && probing < 1000) {
      (await take(1, limiter))[0]!.succeeded();
      probing++;
    }
    assert.ok(probing >= 30, `5 → 6 took ${probing} successes`);
  });

  it('waiting callers are served first come, first served as places free', async () => {
    const limiter = limits(4).endpoint('gpu-1');
    const [first] = await take(1, limiter);
    const order: string[] = [];
    const second = limiter.acquire().then((permit) => (order.push('second'), permit));
    const third = limiter.acquire().then((permit) => (order.push('third'), permit));
    first!.succeeded(); // limit 2: both may start
    await Promise.all([second, third]);
    assert.deepEqual(order, ['second', 'third']);
  });

  it('an aborted wait leaves the queue', async () => {
    const limiter = limits(1).endpoint('gpu-1');
    const [held] = await take(1, limiter);
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('lease lost'));
    await assert.rejects(waiting, /lease lost/);
    held!.succeeded();
    const [next] = await take(1, limiter);
    assert.ok(next, 'the place went to the next caller, not to the aborted one');
  });

  it('busy at one call in flight, or a Retry-After, pauses new calls until the pause is over', async () => {
    const now = { value: 1_000 };
    const limiter = limits(4, now).endpoint('gpu-1');
    (await take(1, limiter))[0]!.busy(50);
    let started = false;
    const waiting = limiter.acquire().then((permit) => {
      started = true;
      return permit;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started, false, 'paused for the Retry-After');
    now.value += 50;
    (await waiting).release(); // the pause timer (50 ms) lets it start
    assert.equal(started, true);
  });
});
