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

export const WORKLOADS: Workload[] = [
  { name: "gemm-256", description: "C = A·B, 256×256", flops: 2 * 256 ** 3, reps: { full: 40, quick: 10 } },
  { name: "gemm-1024", description: "C = A·B, 1024×1024", flops: 2 * 1024 ** 3, reps: { full: 12, quick: 4 } },
  { name: "conv-fwd", description: "conv2d 32×32×28×28 → 64 channels, 3×3, padding 1", flops: 2 * 32 * 64 * 28 * 28 * 32 * 9, reps: { full: 12, quick: 4 } },
  { name: "conv-fwd-bwd", description: "the same, forward plus input and filter gradients", flops: 3 * 2 * 32 * 64 * 28 * 28 * 32 * 9, reps: { full: 10, quick: 3 } },
  { name: "mnist-cnn-step", description: "one SGD step of the MNIST CNN, batch 64", flops: null, reps: { full: 15, quick: 5 } },
  { name: "lstm-seq", description: "LSTM, batch 64, 128 → 256, 32 steps, forward and backward", flops: null, reps: { full: 6, quick: 3 } },
];

/** Shapes shared by every library's version of a workload. */
export const SHAPES = {
  conv: { batch: 32, cin: 32, cout: 64, h: 28, w: 28, k: 3, pad: 1 },
  mnist: { batch: 64 },
  lstm: { batch: 64, input: 128, hidden: 256, steps: 32 },
} as const;
