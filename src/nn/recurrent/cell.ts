/**
 * What every recurrent cell shares: sizes, dtype, a zero initial state, shape checks, and the
 * hooks `nn.RNN` needs to unroll it (the hidden output of a state, and a detached copy of a state
 * for truncated backpropagation through time). A state is one tensor [B, H], or [h, c] for LSTM.
 */
import type { DType } from "../../dtype.js";
import { generatorFor, type Generator } from "../../random.js";
import { fmt, ShapeError } from "../../shape.js";
import { zeros, type Tensor } from "../../tensor.js";
import { uniform_ } from "../init.js";
import { Module } from "../module.js";

/** An LSTM's state: hidden h [B, H] and cell c [B, H]. */
export type LSTMState = [Tensor, Tensor];
/** A recurrent cell's state: one tensor [B, H], or [h, c] for LSTMCell. */
export type CellState = Tensor | LSTMState;

/** Options of the recurrent cells: dtype, and the seed or generator of the initial weights. */
export interface CellOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Seed for the initial weights (default: the global generator). */
  seed?: number;
  /** A generator to draw the initial weights from (takes precedence over seed). */
  generator?: Generator;
  /** Include the bias vectors (default true, as in PyTorch). */
  bias?: boolean;
}

/**
 * Base class of recurrent cells: input and hidden sizes, dtype, a zero initial state, and the hooks `RNN` uses
 * to unroll a cell.
 */
export abstract class RecurrentCell<S extends CellState = Tensor> extends Module {
  /** Input features I. */
  readonly inputSize: number;
  /** Hidden units H. */
  readonly hiddenSize: number;
  /** Parameter dtype. */
  readonly dtype: DType;

  constructor(name: string, inputSize: number, hiddenSize: number, options: CellOptions) {
    super();
    for (const [n, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name}: ${n} must be a positive integer, got ${v}`);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.dtype = options.dtype ?? "float32";
  }

  /** One step: the next state from input x [B, I] and state. */
  abstract override forward(x: Tensor, state: S): S;

  /** The zero state for a batch of B sequences. */
  abstract initialState(batch: number): S;

  /** The hidden vector h [B, H] that a state exposes as the step's output. */
  abstract outputOf(state: S): Tensor;

  /** The same state cut from the graph (no gradient flows back through it). */
  abstract detachState(state: S): S;

  /** PyTorch's default for recurrent cells: every parameter ~ U(−1/√H, 1/√H). */
  protected uniformParam(shape: number[], gen: Generator): Tensor {
    const k = 1 / Math.sqrt(this.hiddenSize);
    return uniform_(zeros(shape, { dtype: this.dtype }), -k, k, { generator: gen });
  }

  protected generator(options: CellOptions): Generator {
    return options.generator ?? generatorFor(options.seed);
  }

  /** Throws a ShapeError naming the cell, the tensor and the disagreeing dimension. */
  protected checkStep(x: Tensor, states: [string, Tensor][]): void {
    if (x.ndim !== 2) throw new ShapeError(`${this.constructor.name}: input x must be [batch, ${this.inputSize}], got ${fmt(x.shape)}`);
    this.checkShapes(x.shape, x.dtype, states);
  }

  /** The checks of one step, for a whole sequence [T, B, I] (as `nn.RNN` runs it through fused steps). */
  checkSequence(seq: Tensor, states: [string, Tensor][]): void {
    this.checkShapes(seq.shape.slice(1), seq.dtype, states);
  }

  private checkShapes(xShape: readonly number[], xDtype: DType, states: [string, Tensor][]): void {
    const name = this.constructor.name;
    if (xShape[1] !== this.inputSize) {
      throw new ShapeError(`${name}: input x has shape ${fmt(xShape)} but the cell's inputSize is ${this.inputSize} (dimension 1 disagrees)`);
    }
    if (xDtype !== this.dtype) throw new TypeError(`${name}: input x is ${xDtype} but the cell's parameters are ${this.dtype}`);
    const batch = xShape[0]!;
    for (const [what, t] of states) {
      if (t.ndim !== 2 || t.shape[0] !== batch || t.shape[1] !== this.hiddenSize) {
        const dim = t.ndim !== 2 ? "rank" : t.shape[0] !== batch ? "dimension 0 (batch)" : "dimension 1 (hidden)";
        throw new ShapeError(`${name}: state ${what} has shape ${fmt(t.shape)} but must be [${batch}, ${this.hiddenSize}] for input ${fmt(xShape)} (${dim} disagrees)`);
      }
      if (t.dtype !== this.dtype) throw new TypeError(`${name}: state ${what} is ${t.dtype} but the cell's parameters are ${this.dtype}`);
    }
  }

  protected zeroState(batch: number): Tensor {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`${this.constructor.name}: batch must be a positive integer, got ${batch}`);
    return zeros([batch, this.hiddenSize], { dtype: this.dtype });
  }
}

/** Base for cells whose state is a single tensor h (RNN, GRU, UGRNN). */
export abstract class SingleStateCell extends RecurrentCell<Tensor> {
  initialState(batch: number): Tensor {
    return this.zeroState(batch);
  }
  outputOf(state: Tensor): Tensor {
    return state;
  }
  detachState(state: Tensor): Tensor {
    return state.detach();
  }
}
