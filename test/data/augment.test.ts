import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("randomShift", () => {
  it("moves each image by its own offset with zeros filling in, y[b,c,i,j] = x[b,c,i−dy,j−dx]", () => {
    const B = 6, C = 2, H = 5, W = 4;
    const x = fl.rand([B, C, H, W], { seed: 3 });
    const gen = new fl.Generator(11);
    const y = fl.data.randomShift(x, 2, gen);
    // replay the generator to learn the offsets, then check every element against the definition
    const replay = new fl.Generator(11);
    const seen = new Set<string>();
    for (let b = 0; b < B; b++) {
      const dy = replay.int(5) - 2;
      const dx = replay.int(5) - 2;
      seen.add(`${dy},${dx}`);
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            const si = i - dy, sj = j - dx;
            const want = si >= 0 && si < H && sj >= 0 && sj < W ? x.data[((b * C + c) * H + si) * W + sj]! : 0;
            expect(y.data[((b * C + c) * H + i) * W + j]).toBe(want);
          }
    }
    expect(seen.size).toBeGreaterThan(1);
    expect(Array.from(fl.data.randomShift(x, 0, new fl.Generator(1)).data)).toEqual(Array.from(x.data));
    expect(() => fl.data.randomShift(fl.zeros([2, 3]), 1, gen)).toThrow(/expected images \[B, C, H, W\], got shape \[2, 3\]/);
  });
});
