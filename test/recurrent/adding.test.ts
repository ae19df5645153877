import { describe, expect, it } from "vitest";
import { ADDING_BASELINE_MSE, addingProblem } from "../../src/data/adding.js";
import { Generator } from "../../src/random.js";

describe("the adding problem generator", () => {
  it("is deterministic per seed, and different seeds differ", () => {
    const a = addingProblem(8, 20, { seed: 3 });
    const b = addingProblem(8, 20, { seed: 3 });
    const c = addingProblem(8, 20, { seed: 4 });
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    expect(Array.from(a.y.data)).toEqual(Array.from(b.y.data));
    expect(Array.from(a.x.data)).not.toEqual(Array.from(c.x.data));
  });

  it("continues a stream from a shared generator (successive batches differ)", () => {
    const g = new Generator(5);
    const first = addingProblem(4, 10, { generator: g });
    const second = addingProblem(4, 10, { generator: g });
    expect(Array.from(first.x.data)).not.toEqual(Array.from(second.x.data));
    const replay = new Generator(5);
    addingProblem(4, 10, { generator: replay });
    expect(Array.from(addingProblem(4, 10, { generator: replay }).y.data)).toEqual(Array.from(second.y.data));
  });

  it("has exactly two markers, one in each half, and the target is the sum of the marked values", () => {
    const T = 13;
    const N = 50;
    const { x, y, positions } = addingProblem(N, T, { seed: 1, dtype: "float64" });
    expect(x.shape).toEqual([T, N, 2]);
    expect(y.shape).toEqual([N, 1]);
    const half = Math.floor(T / 2);
    for (let n = 0; n < N; n++) {
      const marked: number[] = [];
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const value = x.data[(t * N + n) * 2]!;
        const marker = x.data[(t * N + n) * 2 + 1]!;
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
        expect(marker === 0 || marker === 1).toBe(true);
        if (marker === 1) {
          marked.push(t);
          sum += value;
        }
      }
      expect(marked).toEqual([positions[2 * n], positions[2 * n + 1]]);
      expect(marked[0]!).toBeLessThan(half);
      expect(marked[1]!).toBeGreaterThanOrEqual(half);
      expect(y.data[n]).toBe(sum);
    }
  });

  it("predicting the mean scores MSE ≈ 1/6 (the baseline), and markers cover both halves", () => {
    const N = 20000;
    const T = 10;
    const { y, positions } = addingProblem(N, T, { seed: 2, dtype: "float64" });
    let mse = 0;
    for (let n = 0; n < N; n++) mse += (y.data[n]! - 1) ** 2 / N;
    expect(Math.abs(mse - ADDING_BASELINE_MSE)).toBeLessThan(0.006);
    const seen = new Set(positions);
    for (let t = 0; t < T; t++) expect(seen.has(t)).toBe(true);
  });

  it("rejects lengths below 2 and bad counts", () => {
    expect(() => addingProblem(4, 1)).toThrow(/length must be an integer ≥ 2/);
    expect(() => addingProblem(0, 10)).toThrow(/count must be a positive integer/);
  });
});
