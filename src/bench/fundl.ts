/**
 * fundl's side of each workload, through the public API (`import * as fl`), as a user would write it.
 * Modules that may not exist yet (conv, pooling, LSTM) are looked up at run time, so a missing one
 * makes that workload report an error instead of breaking the build.
 */
import * as fl from "../index.js";
import type { Tensor } from "../tensor.js";
import { SHAPES, type Step } from "./workload.js";

type ModuleLike = { forward(...inputs: unknown[]): unknown; parameters(): Iterable<Tensor> };
type Ctor = new (...args: never[]) => ModuleLike;
type Sgd = { step(): void; zeroGrad(o?: { setToNone?: boolean }): void };
/** PyTorch 1.13's `zero_grad()` (the peer's side) zeroes gradients in place: set_to_none=False. */
const KEEP_GRADS = { setToNone: false };

/** fl[name] (or fl.nn[name], fl.optim[name]) as a function, or a clear error if it is not there yet. */
function need<T>(where: Record<string, unknown> | undefined, path: string, name: string): T {
  const v = where?.[name];
  if (typeof v !== "function") throw new Error(`${path}.${name} is not available in this build`);
  return v as T;
}

const api = fl as unknown as Record<string, unknown>;
const nn = () => api.nn as Record<string, unknown> | undefined;
const optim = () => api.optim as Record<string, unknown> | undefined;

function gemm(n: number): Step {
  const a = fl.randn([n, n], { seed: 1 });
  const b = fl.randn([n, n], { seed: 2 });
  return () => void fl.matmul(a, b);
}

function conv(backward: boolean): Step {
  const conv2d = need<(x: Tensor, w: Tensor, b: Tensor | null, o: object) => Tensor>(api, "fl", "conv2d");
  const { batch, cin, cout, h, w, k, pad } = SHAPES.conv;
  const x = fl.randn([batch, cin, h, w], { seed: 3 });
  const wt = fl.randn([cout, cin, k, k], { seed: 4 });
  if (!backward) return () => void conv2d(x, wt, null, { padding: pad });
  x.requiresGrad = true;
  wt.requiresGrad = true;
  const gy = fl.randn([batch, cout, h, w], { seed: 5 });
  return () => {
    x.grad = null;
    wt.grad = null;
    conv2d(x, wt, null, { padding: pad }).backward(gy);
  };
}

/**
 * One SGD step of the MNIST CNN (PyTorch's side is the same nn.Sequential). `sequential`: the
 * layers in an nn.Sequential, as PyTorch's side has them — the activations passed between fundl's
 * own layers then live in the kernels' WebAssembly memory; otherwise the layers are called one by
 * one from user code, so every activation is an ordinary array the garbage collector frees.
 */
function mnistStep(sequential: boolean): Step {
  const n = nn();
  const Conv2d = need<Ctor>(n, "fl.nn", "Conv2d");
  const Linear = need<Ctor>(n, "fl.nn", "Linear");
  const SGD = need<new (p: Iterable<Tensor>, o: object) => Sgd>(optim(), "fl.optim", "SGD");
  const maxPool2d = need<(x: Tensor, o: object) => Tensor>(api, "fl", "maxPool2d");
  const crossEntropy = need<(logits: Tensor, labels: Tensor) => Tensor>(api, "fl", "crossEntropy");
  const make = (C: Ctor, ...args: unknown[]) => new (C as unknown as new (...a: unknown[]) => ModuleLike)(...args);
  if (sequential) return mnistSequentialStep(make, Conv2d, Linear, SGD, crossEntropy);
  const conv1 = make(Conv2d, 1, 32, 3, { padding: 1 });
  const conv2 = make(Conv2d, 32, 64, 3, { padding: 1 });
  const fc1 = make(Linear, 3136, 128);
  const fc2 = make(Linear, 128, 10);
  const params = [conv1, conv2, fc1, fc2].flatMap((m) => [...m.parameters()]);
  const opt = new SGD(params, { lr: 0.01 });
  const { batch } = SHAPES.mnist;
  const x = fl.rand([batch, 1, 28, 28], { seed: 6 });
  const labels = fl.tensor(Array.from({ length: batch }, (_, i) => (i * 7) % 10));
  return () => {
    opt.zeroGrad(KEEP_GRADS);
    let h = maxPool2d(fl.relu(conv1.forward(x) as Tensor), { kernel: 2 });
    h = maxPool2d(fl.relu(conv2.forward(h) as Tensor), { kernel: 2 });
    h = fl.reshape(h, [batch, 3136]);
    const logits = fc2.forward(fl.relu(fc1.forward(h) as Tensor)) as Tensor;
    crossEntropy(logits, labels).backward();
    opt.step();
  };
}

function mnistSequentialStep(
  make: (C: Ctor, ...args: unknown[]) => ModuleLike,
  Conv2d: Ctor,
  Linear: Ctor,
  SGD: new (p: Iterable<Tensor>, o: object) => Sgd,
  crossEntropy: (logits: Tensor, labels: Tensor) => Tensor,
): Step {
  const n = nn();
  const layer = (name: string, ...args: unknown[]) => make(need<Ctor>(n, "fl.nn", name), ...args);
  const model = layer(
    "Sequential",
    make(Conv2d, 1, 32, 3, { padding: 1 }), layer("ReLU"), layer("MaxPool2d", 2),
    make(Conv2d, 32, 64, 3, { padding: 1 }), layer("ReLU"), layer("MaxPool2d", 2),
    layer("Flatten"), make(Linear, 3136, 128), layer("ReLU"), make(Linear, 128, 10),
  );
  const opt = new SGD(model.parameters(), { lr: 0.01 });
  const { batch } = SHAPES.mnist;
  const x = fl.rand([batch, 1, 28, 28], { seed: 6 });
  const labels = fl.tensor(Array.from({ length: batch }, (_, i) => (i * 7) % 10));
  return () => {
    opt.zeroGrad(KEEP_GRADS);
    crossEntropy(model.forward(x) as Tensor, labels).backward();
    opt.step();
  };
}

/**
 * A recurrent cell over the sequence through nn.RNN (one GEMM for the input projection of all
 * steps, fused steps), forward and backward of Σ h_T; the input does not need a gradient.
 */
function recurrentSeq(cellName: "LSTMCell" | "GRUCell" | "UGRNNCell"): Step {
  const Cell = need<Ctor>(nn(), "fl.nn", cellName);
  const RNN = need<Ctor>(nn(), "fl.nn", "RNN");
  const { batch, input, hidden, steps } = SHAPES.lstm;
  const make = (C: Ctor, ...args: unknown[]) => new (C as unknown as new (...a: unknown[]) => ModuleLike)(...args);
  const rnn = make(RNN, make(Cell, input, hidden));
  const params = [...rnn.parameters()];
  const xs = fl.randn([steps, batch, input], { seed: 10 });
  return () => {
    for (const p of params) p.grad = null;
    const { last } = rnn.forward(xs) as { last: Tensor | [Tensor, Tensor] };
    fl.sum(Array.isArray(last) ? last[0] : last).backward();
  };
}

/** fundl's step for a workload (throws with a clear message when a needed module is missing). */
export function fundlStep(name: string): Step {
  switch (name) {
    case "gemm-256":
      return gemm(256);
    case "gemm-1024":
      return gemm(1024);
    case "conv-fwd":
      return conv(false);
    case "conv-fwd-bwd":
      return conv(true);
    case "mnist-cnn-step":
      return mnistStep(true);
    case "mnist-cnn-functional":
      return mnistStep(false);
    case "lstm-seq":
      return recurrentSeq("LSTMCell");
    case "gru-seq":
      return recurrentSeq("GRUCell");
    case "ugrnn-seq":
      return recurrentSeq("UGRNNCell");
    default:
      throw new Error(`bench: unknown workload ${name}`);
  }
}

export { fl };
