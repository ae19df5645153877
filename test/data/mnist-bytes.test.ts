// MNIST as "FLMN" bytes (for a page): the package's digits round-trip bit for bit, the format's
// header and length are checked, and loadMnist names what to do where the package cannot be read.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const { encodeMnistBytes, mnistFromBytes, loadMnistFromUrl, loadMnist, mnistSplit, TensorDataset } = fl.data;

function digits(pixels: Uint8Array, labels: number[], rows: number, cols: number, scale: (p: number) => number) {
  const x = Float32Array.from(pixels, scale);
  return new TensorDataset(fl.tensor(x, [labels.length, 1, rows, cols]), Int32Array.from(labels));
}

describe("MNIST bytes", () => {
  it("round-trips the mnist package's 10,000 digits bit for bit in 7.85 MB", async () => {
    const all = await loadMnist();
    const bytes = encodeMnistBytes(all);
    expect(bytes.length).toBe(12 + 10_000 + 10_000 * 784);
    const back = mnistFromBytes(bytes);
    expect(back.inputs.shape).toEqual([10_000, 1, 28, 28]);
    expect(Buffer.from(back.inputs.data.buffer).equals(Buffer.from(all.inputs.data.buffer))).toBe(true);
    expect(back.labels).toEqual(all.labels);
    // the page's split of the decoded digits is the CLI's split
    const page = await mnistSplit({ data: back, seed: 3 });
    const node = await mnistSplit({ seed: 3 });
    expect(page.test.labels).toEqual(node.test.labels);
    expect(Buffer.from(page.test.inputs.data.buffer).equals(Buffer.from(node.test.inputs.data.buffer))).toBe(true);
  });

  it("round-trips random byte images on both scales", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.integer(), (n, rows, cols, pkg, seed) => {
        const g = new fl.Generator(Math.abs(seed) % 1000);
        const pixels = Uint8Array.from({ length: n * rows * cols }, () => Math.floor(g.random() * 256));
        const labels = Array.from({ length: n }, () => Math.floor(g.random() * 10));
        const scale = pkg ? (p: number) => Math.round((1000 * p) / 255) / 1000 : (p: number) => p / 255;
        const data = digits(pixels, labels, rows, cols, scale);
        const back = mnistFromBytes(encodeMnistBytes(data, { scale: pkg ? "mnist-package" : "byte" }));
        expect(back.inputs.shape).toEqual([n, 1, rows, cols]);
        expect(Array.from(back.inputs.data)).toEqual(Array.from(data.inputs.data));
        expect(Array.from(back.labels)).toEqual(labels);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses values the format cannot hold, and bad files, by name", () => {
    const half = new TensorDataset(fl.tensor(new Float32Array([0.5]), [1, 1, 1, 1]), Int32Array.from([3]));
    expect(() => encodeMnistBytes(half)).toThrow(/pixel 0 of image 0 is 0.5, not one of the mnist-package scale's 256 values/);
    expect(() => encodeMnistBytes(new TensorDataset(fl.zeros([1, 1, 2, 2]), Int32Array.from([10])))).toThrow(/label 0 is 10/);
    expect(() => encodeMnistBytes(new TensorDataset(fl.zeros([1, 2, 2, 2]), Int32Array.from([1])))).toThrow(/\[N, 1, rows, cols\]/);
    const good = encodeMnistBytes(new TensorDataset(fl.zeros([2, 1, 2, 2]), Int32Array.from([1, 2])));
    expect(() => mnistFromBytes(new Uint8Array([1, 2, 3]))).toThrow(/not an FLMN digits file/);
    expect(() => mnistFromBytes(good.subarray(0, good.length - 1))).toThrow(/2 images of 2×2 need 22 bytes, got 21/);
    const v2 = good.slice();
    v2[4] = 2;
    expect(() => mnistFromBytes(v2)).toThrow(/FLMN version 2 is not supported/);
    const badLabel = good.slice();
    badLabel[13] = 11;
    expect(() => mnistFromBytes(badLabel)).toThrow(/label 1 is 11/);
  });

  it("fetches a digits file from a URL, and names a failed request", async () => {
    const bytes = encodeMnistBytes(new TensorDataset(fl.ones([3, 1, 4, 4]), Int32Array.from([7, 8, 9])));
    const server = createServer((req, res) => {
      if (req.url === "/digits.bin") res.end(Buffer.from(bytes));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const data = await loadMnistFromUrl(`${base}/digits.bin`);
      expect(Array.from(data.labels)).toEqual([7, 8, 9]);
      expect(data.inputs.data[0]).toBe(1);
      await expect(loadMnistFromUrl(`${base}/missing.bin`)).rejects.toThrow(/GET .*missing.bin answered 404/);
    } finally {
      server.close();
    }
  });

  it("says in a page that the mnist package is Node/CLI-only and what to use instead", async () => {
    const saved = globalThis.process;
    let attempt: Promise<unknown>;
    try {
      (globalThis as { process?: unknown }).process = undefined; // as in a page
      attempt = loadMnist();
    } finally {
      globalThis.process = saved;
    }
    await expect(attempt).rejects.toThrow(/"mnist" package is Node\/CLI-only.*loadMnistFromUrl\(url\) or fl\.data\.mnistFromBytes\(bytes\)/);
  });
});
