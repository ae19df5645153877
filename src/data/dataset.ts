/** Datasets: a length and a way to gather a batch by indices. */
import { Tensor } from "../tensor.js";
import { fmt, ShapeError } from "../shape.js";

/** One batch: inputs x (batch first) and integer labels y. */
export interface Batch {
  /** Inputs, batch first. */
  x: Tensor;
  /** Integer labels, one per row. */
  y: Int32Array;
}

/** A dataset: its length and a way to gather rows by index into a batch. */
export interface Dataset {
  /** Number of rows. */
  readonly length: number;
  /** Gather rows `indices` (in that order) into one batch. */
  batch(indices: ArrayLike<number>): Batch;
}

/** Inputs [N, …] (any trailing shape) with integer labels [N]. */
export class TensorDataset implements Dataset {
  /** Number of rows. */
  readonly length: number;
  private readonly rowSize: number;

  constructor(readonly inputs: Tensor, readonly labels: Int32Array) {
    if (inputs.ndim < 1) throw new ShapeError(`TensorDataset: inputs must have a batch dimension, got shape ${fmt(inputs.shape)}`);
    if (inputs.shape[0] !== labels.length) {
      throw new ShapeError(`TensorDataset: ${inputs.shape[0]} input rows (shape ${fmt(inputs.shape)}) but ${labels.length} labels`);
    }
    this.length = labels.length;
    this.rowSize = inputs.size / Math.max(1, this.length);
  }

  batch(indices: ArrayLike<number>): Batch {
    const r = this.rowSize;
    const src = this.inputs.data;
    const x = this.inputs.dtype === "float64" ? new Float64Array(indices.length * r) : new Float32Array(indices.length * r);
    const y = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b]!;
      if (!(i >= 0 && i < this.length && Number.isInteger(i))) throw new RangeError(`TensorDataset.batch: index ${i} out of range [0, ${this.length})`);
      // x[b, …] = inputs[i, …]
      x.set(src.subarray(i * r, (i + 1) * r), b * r);
      y[b] = this.labels[i]!;
    }
    return { x: new Tensor(x, [indices.length, ...this.inputs.shape.slice(1)]), y };
  }

  /** The rows `indices` as a new dataset (copies). */
  subset(indices: ArrayLike<number>): TensorDataset {
    const { x, y } = this.batch(indices);
    return new TensorDataset(x, y);
  }
}
