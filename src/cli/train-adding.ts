/**
 * `fundl train adding`: a recurrent cell learns the adding problem (src/data/adding.ts).
 *
 *   model:  h^T = RNN(cell)(x)[last];  ŷ = Linear(H → 1)(h^T);  loss = MSE(ŷ, y)
 *   data:   a fresh seeded batch every step (an endless stream), and a held-out seeded test set
 *   train:  Adam with global gradient-norm clipping at 1.0
 *
 * Prints a progress bar (stderr), a summary, and with --json ends with
 * {"task":"adding","cell":C,"length":T,"testMSE":M,"trainSeconds":S}.
 *
 * Registered in train.ts as `tasks.adding` (train.ts imports this file; this file imports only a
 * type from train.ts, so there is no import cycle to trip over at load time).
 */
import { noGrad } from "../autograd.js";
import { ADDING_BASELINE_MSE, addingProblem } from "../data/adding.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import type { CellState, RecurrentCell } from "../nn/recurrent/cell.js";
import { GRUCell } from "../nn/recurrent/gru.js";
import { LSTMCell } from "../nn/recurrent/lstm.js";
import { RNN } from "../nn/recurrent/rnn.js";
import { RNNCell } from "../nn/recurrent/rnn-cell.js";
import { UGRNNCell } from "../nn/recurrent/ugrnn.js";
import { mseLoss } from "../ops/loss.js";
import { Adam } from "../optim/adam.js";
import { clipGradNorm_ } from "../optim/clip.js";
import { Generator } from "../random.js";
import { setBackend, setThreads } from "../backend/index.js";
import { slice } from "../ops/view.js";
import type { Tensor } from "../tensor.js";
import { printJsonLine } from "./output.js";
import { progressBar } from "./progress.js";
import type { TrainOptions } from "./train.js";

export const ADDING_CELLS = ["ugrnn", "gru", "lstm", "rnn"] as const;
export type AddingCell = (typeof ADDING_CELLS)[number];

/** Defaults chosen so that every gated cell beats the baseline by a wide margin at T = 50 on 2 cores. */
export const ADDING_DEFAULTS = { cell: "gru" as AddingCell, length: 50, steps: 1200, batch: 32, lr: 0.01, hidden: 32, seed: 0, testSize: 1000, clip: 1 };

export function makeAddingCell(kind: string, hidden: number, seed: number): RecurrentCell<CellState> {
  const cells: Record<AddingCell, () => RecurrentCell<CellState>> = {
    ugrnn: () => new UGRNNCell(2, hidden, { seed }) as RecurrentCell<CellState>,
    gru: () => new GRUCell(2, hidden, { seed }) as RecurrentCell<CellState>,
    // forget-gate bias 1: the usual LSTM recipe for long-range tasks (PyTorch initialises it like the rest)
    lstm: () => new LSTMCell(2, hidden, { seed, forgetBias: 1 }) as RecurrentCell<CellState>,
    rnn: () => new RNNCell(2, hidden, { seed }) as RecurrentCell<CellState>,
  };
  const make = cells[kind as AddingCell];
  if (!make) throw new Error(`train adding: unknown --cell "${kind}"; choose one of ${ADDING_CELLS.join(", ")}`);
  return make();
}

/** The last hidden state read out by a linear layer: [T, N, 2] → [N, 1]. */
export class AddingModel extends Module {
  readonly rnn: RNN<CellState>;
  readonly head: Linear;
  constructor(cell: RecurrentCell<CellState>, seed: number) {
    super();
    this.rnn = this.module("rnn", new RNN(cell));
    this.head = this.module("head", new Linear(cell.hiddenSize, 1, { seed: seed + 1 }));
  }
  forward(x: Tensor): Tensor {
    const { last } = this.rnn.forward(x);
    return this.head.forward(this.rnn.cell.outputOf(last));
  }
}

/** Mean squared error of the model on a data set, in chunks, without a graph. */
export function evaluateAdding(model: AddingModel, x: Tensor, y: Tensor, chunk = 500): number {
  const n = y.shape[0]!;
  let total = 0;
  noGrad(() => {
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const pred = model.forward(slice(x, 1, s, e));
      total += mseLoss(pred, slice(y, 0, s, e), { reduction: "sum" }).item();
    }
  });
  return total / n;
}

export async function trainAdding(options: TrainOptions): Promise<void> {
  const d = ADDING_DEFAULTS;
  const kind = options.cell ?? d.cell;
  const T = options.length ?? d.length;
  const steps = options.steps ?? d.steps;
  const batch = options.batch ?? d.batch;
  const lr = options.lr ?? d.lr;
  const seed = options.seed ?? d.seed;
  if (options.backend) setBackend(options.backend);
  if (options.threads) setThreads(options.threads);
  if (T < 2) throw new Error(`train adding: --length must be at least 2 (two markers), got ${T}`);

  const model = new AddingModel(makeAddingCell(kind, d.hidden, seed), seed);
  const opt = new Adam(model.parameters(), { lr });
  const stream = new Generator(seed);
  const test = addingProblem(d.testSize, T, { seed: seed + 1_000_003 });

  const bar = progressBar(`adding ${kind} T=${T}`, steps, "loss {loss}");
  let ema = NaN;
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const { x, y } = addingProblem(batch, T, { generator: stream });
    opt.zeroGrad();
    const loss = mseLoss(model.forward(x), y);
    loss.backward();
    clipGradNorm_(model.parameters(), d.clip);
    opt.step();
    const v = loss.item();
    ema = Number.isNaN(ema) ? v : 0.95 * ema + 0.05 * v;
    bar.update(step, { loss: ema.toFixed(4) });
  }
  bar.stop();
  const trainSeconds = (performance.now() - t0) / 1000;
  const testMSE = evaluateAdding(model, test.x, test.y);
  const verdict = testMSE < ADDING_BASELINE_MSE / 10 ? "learned" : testMSE < ADDING_BASELINE_MSE * 0.9 ? "partly learned" : "not learned";
  console.log(
    `adding problem: cell ${kind}, T=${T}, hidden ${d.hidden}, ${steps} steps of batch ${batch}, Adam lr ${lr}: ` +
      `test MSE ${testMSE.toFixed(5)} (predicting the mean: ${ADDING_BASELINE_MSE.toFixed(3)}) — ${verdict}; ${trainSeconds.toFixed(1)} s`,
  );
  if (options.json) {
    printJsonLine({ task: "adding", cell: kind, length: T, testMSE: Number(testMSE.toPrecision(6)), trainSeconds: Number(trainSeconds.toFixed(2)) });
  }
}
