/**
 * Seeded random numbers: the same seed gives the same numbers on every run and platform.
 * The generator is xoshiro128** (32-bit integer arithmetic only, so it is exact in JavaScript),
 * seeded through splitmix32; normals come from the Box–Muller transform.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restart the generator from `seed` (the same seed gives the same stream on every platform); returns this. */
  seed(seed: number): this {
    checkSeed(seed, "Generator");
    // Every safe integer gives its own state: splitmix32 spreads the low 32 bits of |seed| over
    // the four words; the high bits (|seed| / 2³², < 2²¹) are mixed into s2 and the sign into s3
    // through bijections that leave seeds in [0, 2³²) exactly as before.
    const magnitude = Math.abs(seed);
    let x = magnitude % 2 ** 32 >>> 0;
    const high = Math.floor(magnitude / 2 ** 32);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if (high !== 0) this.s2 = (this.s2 ^ fmix32(high)) >>> 0;
    if (seed < 0) this.s3 = (this.s3 ^ 0x9e3779b9) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

/** MurmurHash3's 32-bit finaliser: a bijection of 32-bit integers with fmix32(0) = 0. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seeds are integers with |seed| ≤ 2⁵³ − 1 (each gives its own stream); anything else is refused, naming `where`. */
export function checkSeed(seed: unknown, where: string): asserts seed is number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new RangeError(`${where}: seed must be an integer in [−(2^53 − 1), 2^53 − 1], got ${typeof seed === "number" ? seed : JSON.stringify(seed) ?? typeof seed}`);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalGenerator = new Generator(0);

/** Reseed the generator used when no `seed` is given. */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}

export function defaultGenerator(): Generator {
  return globalGenerator;
}

/** A generator for an optional seed: a fresh one when given, else the global one. */
export function generatorFor(seed?: number): Generator {
  return seed === undefined ? globalGenerator : new Generator(seed);
}
