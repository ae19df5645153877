/**
 * DataLoader: batches over a dataset, in order or shuffled by a seeded permutation. Epoch e's order
 * depends only on (seed, e), so any epoch can be reproduced, and the loader's state (seed, epoch,
 * position within the epoch) is three numbers that a checkpoint can carry for an exact resume.
 */
import { Generator } from "../random.js";
import type { Batch, Dataset } from "./dataset.js";

/** Options of `DataLoader`: batch size, shuffling, seed and whether to drop a short last batch. */
export interface DataLoaderOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Shuffle every epoch (default false). */
  shuffle?: boolean;
  /** Seed for the shuffles (default 0). */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** A DataLoader's position: its seed, the epochs completed and the batches taken from the current epoch. */
export interface DataLoaderState {
  /** Seed of the shuffles. */
  seed: number;
  /** Epochs completed. */
  epoch: number;
  /** Batches already taken from the current epoch. */
  position: number;
}

/**
 * Batches over a dataset, in order or shuffled by a seeded permutation per epoch; its state (seed, epoch,
 * position) resumes exactly.
 */
export class DataLoader implements Iterable<Batch> {
  /** Rows per batch. */
  readonly batchSize: number;
  /** Whether each epoch is a fresh seeded permutation. */
  readonly shuffle: boolean;
  /** Whether a short last batch is dropped. */
  readonly dropLast: boolean;
  /** Seed of the shuffles. */
  seed: number;
  /** Epochs completed. */
  epoch = 0;
  /** Batches already taken from the current epoch. */
  position = 0;

  constructor(readonly dataset: Dataset, options: DataLoaderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${options.batchSize}`);
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new RangeError(`DataLoader: seed must be an integer, got ${this.seed}`);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The order of the rows in epoch `epoch`: 0..N−1, or a permutation drawn from (seed, epoch). */
  order(epoch: number): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return new Generator(mixSeed(this.seed, epoch)).permutation(n);
  }

  /**
   * The remaining batches of the current epoch, from `position` on. When the epoch is finished
   * the loader moves to the next one, so `for (const b of loader)` once per epoch walks the epochs.
   */
  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.order(this.epoch);
    const count = this.length;
    while (this.position < count) {
      const start = this.position * this.batchSize;
      const idx = order.subarray(start, Math.min(start + this.batchSize, order.length));
      this.position++;
      yield this.dataset.batch(idx);
    }
    this.epoch++;
    this.position = 0;
  }

  /** The loader's position (seed, epoch, position), for a checkpoint. */
  stateDict(): DataLoaderState {
    return { seed: this.seed, epoch: this.epoch, position: this.position };
  }

  /** Continue from a position saved by `stateDict()`. */
  loadStateDict(s: DataLoaderState): void {
    for (const k of ["seed", "epoch", "position"] as const) {
      if (!Number.isInteger(s[k]) || (k !== "seed" && s[k] < 0)) throw new RangeError(`DataLoader.loadStateDict: ${k} must be an integer${k === "seed" ? "" : " ≥ 0"}, got ${s[k]}`);
    }
    if (s.position > this.length) throw new RangeError(`DataLoader.loadStateDict: position ${s.position} is beyond the ${this.length} batches of an epoch`);
    this.seed = s.seed;
    this.epoch = s.epoch;
    this.position = s.position;
  }
}

/** A 53-bit seed from (seed, epoch): distinct epochs give distinct, well-mixed generator seeds. */
function mixSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(epoch + 1, 0xc2b2ae35), 0x27d4eb2f) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h * 2097152 + (epoch & 0x1fffff);
}
