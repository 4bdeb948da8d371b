/**
 * A small, fast, seedable pseudo-random generator (sfc32) for the simulator. Everything the simulator
 * "decides" (answer content, fault draws) comes from one of these so runs are reproducible.
 */
import { createHash } from 'node:crypto';

export class SeededRandom {
  private stateA: number;
  private stateB: number;
  private stateC: number;
  private stateD: number;

  constructor(seedA: number, seedB: number, seedC: number, seedD: number) {
    this.stateA = seedA >>> 0;
    this.stateB = seedB >>> 0;
    this.stateC = seedC >>> 0;
    this.stateD = seedD >>> 0;
    // Warm up so that similar seeds diverge quickly.
    for (let round = 0; round < 12; round += 1) this.nextUint32();
  }

  /** A generator seeded from one integer (expanded with splitmix32). */
  static fromNumber(seed: number): SeededRandom {
    let state = Math.trunc(seed) >>> 0;
    const nextWord = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
      return (mixed ^ (mixed >>> 16)) >>> 0;
    };
    return new SeededRandom(nextWord(), nextWord(), nextWord(), nextWord());
  }

  /** A generator seeded from the SHA-256 of a text: equal texts give equal sequences. */
  static fromText(text: string): SeededRandom {
    const digest = createHash('sha256').update(text).digest();
    return new SeededRandom(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
  }

  nextUint32(): number {
    const a = this.stateA;
    const b = this.stateB;
    const c = this.stateC;
    const d = this.stateD;
    const result = (((a + b) >>> 0) + d) >>> 0;
    this.stateD = (d + 1) >>> 0;
    this.stateA = b ^ (b >>> 9);
    this.stateB = (c + (c << 3)) >>> 0;
    this.stateC = ((c << 21) | (c >>> 11)) >>> 0;
    this.stateC = (this.stateC + result) >>> 0;
    return result;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [minimum, maximum], both inclusive. */
  integerBetween(minimum: number, maximum: number): number {
    if (maximum <= minimum) return minimum;
    return minimum + Math.floor(this.nextFloat() * (maximum - minimum + 1));
  }

  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.nextFloat() * items.length)] as T;
  }
}
