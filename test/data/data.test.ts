import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

function toyDataset(n: number): fl.data.TensorDataset {
  // row i holds the values [i, 10 i] and label i % 3
  const x = fl.tensor(Array.from({ length: n * 2 }, (_, k) => (k % 2 ? 10 : 1) * Math.floor(k / 2)), [n, 2]);
  return new fl.data.TensorDataset(x, Int32Array.from({ length: n }, (_, i) => i % 3));
}

const rowsOf = (b: fl.data.Batch) => Array.from({ length: b.y.length }, (_, r) => b.x.data[r * 2]!);

describe("TensorDataset", () => {
  it("gathers rows and labels by index", () => {
    const ds = toyDataset(5);
    const b = ds.batch([4, 0, 2]);
    expect(b.x.toArray()).toEqual([[4, 40], [0, 0], [2, 20]]);
    expect(Array.from(b.y)).toEqual([1, 0, 2]);
    expect(() => ds.batch([5])).toThrow(/index 5 out of range \[0, 5\)/);
    expect(() => new fl.data.TensorDataset(fl.zeros([3, 2]), new Int32Array(2))).toThrow(/3 input rows .* but 2 labels/);
  });
});

describe("DataLoader", () => {
  it("visits every row once per epoch, in order without shuffle, with a short last batch unless dropLast", () => {
    const ds = toyDataset(10);
    const plain = new fl.data.DataLoader(ds, { batchSize: 4 });
    const batches = [...plain];
    expect(batches.map((b) => b.y.length)).toEqual([4, 4, 2]);
    expect(batches.flatMap(rowsOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.epoch).toBe(1);
    const dropped = new fl.data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map((b) => b.y.length)).toEqual([4, 4]);
  });

  it("shuffles by (seed, epoch): a permutation each epoch, different across epochs and seeds, reproducible", () => {
    const ds = toyDataset(50);
    const a = new fl.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 7 });
    const e0 = [...a].flatMap(rowsOf);
    const e1 = [...a].flatMap(rowsOf);
    expect([...e0].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...e1].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e1).not.toEqual(e0);
    expect(e0).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const b = new fl.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 7 });
    expect([...b].flatMap(rowsOf)).toEqual(e0);
    const c = new fl.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 8 });
    expect([...c].flatMap(rowsOf)).not.toEqual(e0);
    expect(Array.from(a.order(1))).toEqual(e1);
  });

  it("resumes mid-epoch from its state with the same remaining batches", () => {
    const ds = toyDataset(30);
    const straight = new fl.data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
    const all = [...[...straight].map(rowsOf), ...[...straight].map(rowsOf)];

    const first = new fl.data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
    const got: number[][] = [];
    for (const b of first) got.push(rowsOf(b)); // epoch 0
    for (const b of first) {
      got.push(rowsOf(b));
      if (got.length === 11) break; // stop partway through epoch 1
    }
    const state = first.stateDict();
    expect(state).toEqual({ seed: 3, epoch: 1, position: 3 });
    const resumed = new fl.data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 0 });
    resumed.loadStateDict(JSON.parse(JSON.stringify(state)));
    for (const b of resumed) got.push(rowsOf(b));
    expect(got).toEqual(all);
    expect(() => resumed.loadStateDict({ seed: 3, epoch: 0, position: 99 })).toThrow(/position 99 is beyond the 8 batches/);
  });
});

describe("MNIST", () => {
  it("loads the package's 10,000 digits as [N,1,28,28] float32 in [0,1] and splits them 8,000/2,000 by seed", async () => {
    const all = await fl.data.loadMnist();
    expect(all.length).toBe(10000);
    expect(all.inputs.shape).toEqual([10000, 1, 28, 28]);
    expect(all.inputs.dtype).toBe("float32");
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all.inputs.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const counts = new Array(10).fill(0);
    for (const y of all.labels) counts[y]++;
    expect(counts.every((c) => c > 800 && c < 1200)).toBe(true);
    expect(counts.reduce((a, b) => a + b)).toBe(10000);

    const s1 = await fl.data.mnistSplit();
    const s2 = await fl.data.mnistSplit({ seed: 0 });
    const s3 = await fl.data.mnistSplit({ seed: 1 });
    expect(s1.train.length).toBe(8000);
    expect(s1.test.length).toBe(2000);
    expect(Array.from(s1.test.labels)).toEqual(Array.from(s2.test.labels));
    expect(Array.from(s1.test.inputs.data.subarray(0, 784 * 5))).toEqual(Array.from(s2.test.inputs.data.subarray(0, 784 * 5)));
    expect(Array.from(s3.test.labels)).not.toEqual(Array.from(s1.test.labels));
    // train and test are disjoint and together hold every digit: compare a fingerprint per image
    const key = (d: fl.data.TensorDataset, i: number) => `${d.labels[i]}:${Array.from(d.inputs.data.subarray(i * 784, (i + 1) * 784)).join(",")}`;
    const all_ = new Map<string, number>();
    for (let i = 0; i < all.length; i++) all_.set(key(all, i), (all_.get(key(all, i)) ?? 0) + 1);
    for (const part of [s1.train, s1.test]) {
      for (let i = 0; i < part.length; i++) {
        const k = key(part, i);
        const left = all_.get(k);
        expect(left).toBeGreaterThan(0);
        all_.set(k, left! - 1);
      }
    }
    expect([...all_.values()].every((v) => v === 0)).toBe(true);
    // both halves have every class
    expect(new Set(s1.test.labels).size).toBe(10);
  });
});
