/** The web app's MNIST asset format: exact round trip of the `mnist` package's digits, and clear errors. */
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { decodeMnistAsset, encodeMnistAsset } from "../../web/src/mnist-format.js";

describe("web MNIST asset", () => {
  it("packs the 10,000 digits into about 1.6 MB and decodes exactly fl.data.loadMnist's float32 pixels", async () => {
    const all = await fl.data.loadMnist();
    const pixels = all.inputs.data as Float32Array;
    const packed = gzipSync(encodeMnistAsset({ count: all.length, rows: 28, cols: 28, pixels, labels: all.labels }));
    expect(packed.length).toBeLessThan(2_500_000);
    const back = decodeMnistAsset(new Uint8Array(gunzipSync(packed)));
    expect(back.count).toBe(10_000);
    expect(back.labels).toEqual(all.labels);
    expect(Buffer.from(back.pixels.buffer).equals(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength))).toBe(true);
  });

  it("round-trips any images whose pixels take at most 256 values", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 256 }), fc.integer(), (count, rows, cols, levels, seed) => {
        const g = new fl.Generator(seed >>> 0);
        const pixels = Float32Array.from({ length: count * rows * cols }, () => Math.floor(g.random() * levels) / levels);
        const labels = Int32Array.from({ length: count }, () => Math.floor(g.random() * 10));
        const back = decodeMnistAsset(encodeMnistAsset({ count, rows, cols, pixels, labels }));
        expect([back.count, back.rows, back.cols]).toEqual([count, rows, cols]);
        expect(back.pixels).toEqual(pixels);
        expect(back.labels).toEqual(labels);
      }),
      { numRuns: 50 },
    );
  });

  it("names what is wrong", () => {
    const pixels = Float32Array.from({ length: 300 }, (_, i) => i);
    expect(() => encodeMnistAsset({ count: 1, rows: 15, cols: 20, pixels, labels: new Int32Array(1) })).toThrow(/300 distinct values \(at most 256/);
    expect(() => decodeMnistAsset(new TextEncoder().encode("not an asset at all"))).toThrow(/not an MNIST asset/);
    const ok = encodeMnistAsset({ count: 1, rows: 1, cols: 1, pixels: new Float32Array(1), labels: new Int32Array(1) });
    expect(() => decodeMnistAsset(ok.subarray(0, ok.length - 1))).toThrow(/bytes, but 1 images of 1×1/);
  });
});
