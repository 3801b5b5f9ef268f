// System.Random(seed) of .NET (the seeded, "Net5Compat" subtractive generator of Knuth), so the TS tests
// draw exactly the numbers the .NET catch-up tests draw from the same seeds.
const MBIG = 2147483647;
const MSEED = 161803398;

export class DotnetRandom {
  private readonly seedArray = new Array<number>(56).fill(0);
  private inext = 0;
  private inextp = 21;

  constructor(seed: number) {
    const subtraction = seed === -2147483648 ? MBIG : Math.abs(seed);
    let mj = MSEED - subtraction;
    this.seedArray[55] = mj;
    let mk = 1;
    let ii = 0;
    for (let i = 1; i < 55; i++) {
      if ((ii += 21) >= 55) ii -= 55;
      this.seedArray[ii] = mk;
      mk = mj - mk;
      if (mk < 0) mk += MBIG;
      mj = this.seedArray[ii];
    }
    for (let k = 1; k < 5; k++) {
      for (let i = 1; i < 56; i++) {
        let n = i + 30;
        if (n >= 55) n -= 55;
        this.seedArray[i] -= this.seedArray[1 + n];
        if (this.seedArray[i] < 0) this.seedArray[i] += MBIG;
      }
    }
  }

  private internalSample(): number {
    let locINext = this.inext;
    let locINextp = this.inextp;
    if (++locINext >= 56) locINext = 1;
    if (++locINextp >= 56) locINextp = 1;
    let retVal = this.seedArray[locINext] - this.seedArray[locINextp];
    if (retVal === MBIG) retVal--;
    if (retVal < 0) retVal += MBIG;
    this.seedArray[locINext] = retVal;
    this.inext = locINext;
    this.inextp = locINextp;
    return retVal;
  }

  private sample(): number {
    return this.internalSample() * (1.0 / MBIG);
  }

  /** Random.Next(): 0 ≤ n < int.MaxValue. */
  next(): number;
  /** Random.Next(max): 0 ≤ n < max. */
  next(maxValue: number): number;
  /** Random.Next(min, max): min ≤ n < max (ranges below 2^31 only, as the tests use). */
  next(minValue: number, maxValue: number): number;
  next(a?: number, b?: number): number {
    if (a === undefined) return this.internalSample();
    if (b === undefined) return Math.trunc(this.sample() * a);
    const range = b - a;
    if (range > MBIG) throw new Error('large ranges are not ported');
    return Math.trunc(this.sample() * range) + a;
  }

  nextDouble(): number {
    return this.sample();
  }
}
