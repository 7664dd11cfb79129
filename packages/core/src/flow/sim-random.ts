/**
 * The simulator's own random numbers, so a run is reproducible from its seed on any machine and Node
 * version (Math.random is neither seedable nor specified).
 *
 * Generator: xoshiro128** 1.1 (Blackman and Vigna, 2018; public domain reference at
 * https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state, period 2^128 − 1. The state is
 * filled from the 32-bit seed (and a stream number, so each session of a day gets its own independent
 * stream) by splitmix32, which never leaves the state all zero for a non-degenerate seed. Uniforms have 32
 * bits of resolution (k / 2^32), ample for service times and coin flips.
 */

/** splitmix32 step (the finaliser of MurmurHash3 over a Weyl sequence), used only to seed. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_32 = 4294967296;

/** A seeded xoshiro128** generator with uniform, exponential and normal draws. */
export class SimRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  /** `seed` is an integer 0..2^32−1; `stream` picks an independent sequence for the same seed. */
  constructor(seed: number, stream = 0) {
    const st = { s: (seed >>> 0) ^ Math.imul(stream, 0x632be5ab) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    // An all-zero state would output zeros forever; splitmix32 makes it vanishingly rare, this makes it impossible.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const b = this.b;
    const m = Math.imul(b, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.nextUint32() / TWO_32;
  }

  /** Exponential with the given mean (inversion on (0, 1], so never infinite). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /** Standard normal by Box–Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log never sees 0
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** A uniformly chosen index 0..n−1. */
  index(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}
