/**
 * nn.RNN: unrolls any recurrent cell over a sequence.
 *
 *   forward(x [T, B, I], state0?) → { outputs [T, B, H], last }
 *   outputs[t] = h^{t+1} (the hidden vector after reading x[t]);  last = the final state
 *   (a tensor [B, H], or [h, c] for LSTMCell). With batchFirst, x is [B, T, I] and outputs [B, T, H].
 *
 * Backpropagation through time is ordinary backward() through the unrolled graph: the traversal is
 * iterative (no recursion depth limit) and each step's backward touches only that step's tensors, so
 * the cost is linear in T. `truncate: k` cuts the state from the graph every k steps (truncated BPTT:
 * gradients reach back at most k steps; the forward values are unchanged). To carry state across
 * calls without gradient, pass `detachState(last)` as the next call's state0. Gradient clipping is
 * the optimiser's job: `fl.optim.clipGradNorm_(model.parameters(), maxNorm)` after backward().
 */
import { fmt, ShapeError } from "../../shape.js";
import { stack, transpose, unbind } from "../../ops/view.js";
import type { Tensor } from "../../tensor.js";
import { Module } from "../module.js";
import type { GatedCell } from "../../backend/kernels.js";
import type { CellState, RecurrentCell } from "./cell.js";
import { fusedSequence } from "./fused-sequence.js";
import { GRUCell } from "./gru.js";
import { LSTMCell } from "./lstm.js";
import { UGRNNCell } from "./ugrnn.js";

/** Which fused kernel runs a cell's steps (null: the cell's own forward, step by step). */
function fusedKind(cell: unknown): GatedCell | null {
  if (cell instanceof LSTMCell) return "lstm";
  if (cell instanceof GRUCell) return "gru";
  if (cell instanceof UGRNNCell) return "ugrnn";
  return null;
}

/** Options of `RNN`: batch-first layout and truncated backpropagation through time. */
export interface RNNOptions {
  /** x is [B, T, I] and outputs [B, T, H] (default false: [T, B, ·]). */
  batchFirst?: boolean;
  /** Truncated BPTT: detach the state after every `truncate` steps (default: never). */
  truncate?: number;
  /**
   * For LSTMCell, GRUCell and UGRNNCell: run the sequence through fused steps, the input projection
   * of all steps as one GEMM and the hidden weights' gradient as one GEMM after the backward sweep
   * (default true). false calls `cell.forward` step by step (the same numbers, more work).
   */
  fused?: boolean;
}

/** What `RNN.forward` returns: every step's hidden output and the final state. */
export interface RNNResult<S extends CellState> {
  /** Every step's hidden output: [T, B, H] ([B, T, H] with batchFirst). */
  outputs: Tensor;
  /** The state after the last step. */
  last: S;
}

/**
 * Unrolls a recurrent cell over a sequence: forward(x [T, B, I], state0?) → { outputs [T, B, H], last }, with
 * batch-first and truncated BPTT options.
 */
export class RNN<S extends CellState = Tensor> extends Module {
  /** The cell unrolled over time. */
  readonly cell: RecurrentCell<S>;
  /** Whether x and outputs are [B, T, ·] instead of [T, B, ·]. */
  readonly batchFirst: boolean;
  /** Truncated BPTT: steps between detaching the state, or null for full backpropagation. */
  readonly truncate: number | null;
  readonly fused: boolean;

  constructor(cell: RecurrentCell<S>, options: RNNOptions = {}) {
    super();
    this.cell = this.module("cell", cell);
    this.batchFirst = options.batchFirst ?? false;
    const k = options.truncate;
    if (k !== undefined && (!Number.isInteger(k) || k < 1)) throw new RangeError(`RNN: truncate must be a positive integer (steps), got ${k}`);
    this.truncate = k ?? null;
    this.fused = options.fused ?? true;
  }

  /** Run the cell over x's steps from state0 (default zeros): every step's hidden output and the last state. */
  forward(x: Tensor, state0?: S): RNNResult<S> {
    if (x.ndim !== 3) {
      throw new ShapeError(`RNN: input must be ${this.batchFirst ? "[batch, time, features]" : "[time, batch, features]"}, got ${fmt(x.shape)}`);
    }
    const seq = this.batchFirst ? transpose(x, 0, 1) : x; // [T, B, I]
    const [T, B] = seq.shape as [number, number, number];
    if (T < 1) throw new ShapeError(`RNN: the sequence is empty (input shape ${fmt(x.shape)})`);
    let state = state0 ?? this.cell.initialState(B);
    const kind = this.fused ? fusedKind(this.cell) : null;
    if (kind) {
      const cell = this.cell as unknown as LSTMCell | GRUCell | UGRNNCell;
      const [h0, c0] = Array.isArray(state) ? state : [state as Tensor, null];
      if (Array.isArray(state0) !== (kind === "lstm") && state0 !== undefined) {
        throw new TypeError(`RNN: ${cell.constructor.name} takes ${kind === "lstm" ? "a pair [h, c]" : "one tensor h"} as its state`);
      }
      cell.checkSequence(seq, c0 ? [["h", h0], ["c", c0]] : [["h", h0]]); // the same checks (and messages) as a step
      const run = fusedSequence(kind, seq, h0, c0, cell.gateWeights(), this.truncate);
      const outputs = run.outputs; // [T, B, H]
      const last = (run.c ? [run.h, run.c] : run.h) as S;
      return { outputs: this.batchFirst ? transpose(outputs, 0, 1) : outputs, last };
    }
    const outs: Tensor[] = [];
    const steps = unbind(seq, 0);
    for (let t = 0; t < T; t++) {
      state = this.cell.forward(steps[t]!, state);
      outs.push(this.cell.outputOf(state));
      if (this.truncate !== null && (t + 1) % this.truncate === 0 && t + 1 < T) state = this.cell.detachState(state);
    }
    const outputs = stack(outs, 0); // [T, B, H]
    return { outputs: this.batchFirst ? transpose(outputs, 0, 1) : outputs, last: state };
  }

  /** The same state cut from the graph, to carry across calls (streaming / truncated BPTT by chunks). */
  detachState(state: S): S {
    return this.cell.detachState(state);
  }
}

/** A state (tensor or [h, c]) cut from the graph. */
export function detachState<S extends CellState>(state: S): S {
  return (Array.isArray(state) ? [state[0].detach(), state[1].detach()] : (state as Tensor).detach()) as S;
}
