import { describe, expect, it } from "vitest";
import { SimRandom } from "./sim-random.ts";

describe("SimRandom (xoshiro128**)", () => {
  it("matches the C reference implementation seeded the same way (splitmix32 of seed 42, stream 3)", () => {
    // Outputs of xoshiro128starstar.c after filling s[0..3] with splitmix32 from 42 ^ (3 · 0x632be5ab).
    const r = new SimRandom(42, 3);
    expect(Array.from({ length: 6 }, () => r.nextUint32())).toEqual([
      2493737463, 4098027096, 3246800805, 2025499289, 97121115, 1948134740,
    ]);
  });

  it("is reproducible per seed and differs between seeds and streams", () => {
    const draw = (seed: number, stream = 0) => {
      const r = new SimRandom(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7, 0)).not.toEqual(draw(7, 1));
    expect(draw(0).some((x) => x !== 0)).toBe(true);
  });

  it("draws uniforms in [0, 1), exponentials and normals with the right moments", () => {
    const r = new SimRandom(2026);
    const n = 200_000;
    let u = 0;
    let e = 0;
    let z = 0;
    let z2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = r.uniform();
      min = Math.min(min, x);
      max = Math.max(max, x);
      u += x;
      e += r.exponential(3);
      const g = r.normal();
      z += g;
      z2 += g * g;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // 4 standard errors: uniform sd 0.289, exponential sd 3, normal sd 1 (and sd of z² is √2).
    expect(Math.abs(u / n - 0.5)).toBeLessThan((4 * 0.289) / Math.sqrt(n));
    expect(Math.abs(e / n - 3)).toBeLessThan((4 * 3) / Math.sqrt(n));
    expect(Math.abs(z / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(z2 / n - 1)).toBeLessThan((4 * Math.SQRT2) / Math.sqrt(n));
  });
});
