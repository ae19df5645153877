/**
 * A benchmark workload: one name, its work in floating-point operations (where that applies), and
 * how each library sets it up. `setup` returns the step to time; a step finishes its work before
 * it returns (peers read their result back), so timing it measures the whole computation.
 */
export type Step = () => void;

export interface Library {
  name: string;
  /** Called before each of this library's samples (tfjs selects its backend here). */
  activate(): Promise<void>;
}

export interface Workload {
  name: string;
  description: string;
  /** Floating-point operations per step, for GFLOP/s; null where it does not apply. */
  flops: number | null;
  /** How many timed samples after warm-up (full run, --quick run). */
  reps: { full: number; quick: number };
}

/** Shapes shared by every library's version of a workload. */
export const SHAPES = {
  conv: { batch: 32, cin: 32, cout: 64, h: 28, w: 28, k: 3, pad: 1 },
  mnist: { batch: 64 },
  lstm: { batch: 64, input: 128, hidden: 256, steps: 32 },
} as const;

/**
 * GEMM flops of a gated recurrent cell with `blocks` gate blocks over the lstm shapes, forward and
 * backward without the input's gradient: the input projection and its weight gradient (2 × 2·T·B·G·I),
 * the hidden projection, h's gradient and W_hh's gradient (3 × 2·T·B·G·H), G = blocks·H.
 */
function recurrentFlops(blocks: number): number {
  const { batch, input, hidden, steps } = SHAPES.lstm;
  const rows = steps * batch;
  const G = blocks * hidden;
  return 2 * 2 * rows * G * input + 3 * 2 * rows * G * hidden;
}

export const WORKLOADS: Workload[] = [
  { name: "gemm-256", description: "C = A·B, 256×256", flops: 2 * 256 ** 3, reps: { full: 40, quick: 10 } },
  { name: "gemm-1024", description: "C = A·B, 1024×1024", flops: 2 * 1024 ** 3, reps: { full: 12, quick: 4 } },
  { name: "conv-fwd", description: "conv2d 32×32×28×28 → 64 channels, 3×3, padding 1", flops: 2 * 32 * 64 * 28 * 28 * 32 * 9, reps: { full: 12, quick: 4 } },
  { name: "conv-fwd-bwd", description: "the same, forward plus input and filter gradients", flops: 3 * 2 * 32 * 64 * 28 * 28 * 32 * 9, reps: { full: 10, quick: 3 } },
  { name: "mnist-cnn-step", description: "one SGD step of the MNIST CNN as an nn.Sequential, batch 64", flops: null, reps: { full: 15, quick: 5 } },
  { name: "mnist-cnn-functional", description: "the same step with the layers called one by one (every activation reaches user code)", flops: null, reps: { full: 15, quick: 5 } },
  { name: "lstm-seq", description: "LSTM, batch 64, 128 → 256, 32 steps, forward and backward", flops: recurrentFlops(4), reps: { full: 12, quick: 5 } },
  { name: "gru-seq", description: "GRU, batch 64, 128 → 256, 32 steps, forward and backward", flops: recurrentFlops(3), reps: { full: 12, quick: 5 } },
  { name: "ugrnn-seq", description: "UGRNN, batch 64, 128 → 256, 32 steps, forward and backward", flops: recurrentFlops(2), reps: { full: 12, quick: 5 } },
];
