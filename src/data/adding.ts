/**
 * The adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015): a sequence of T
 * pairs (value, marker) with value ~ U[0, 1) and exactly two markers equal to 1 — one at a
 * position drawn uniformly from the first half [0, ⌊T/2⌋), one from the second half [⌊T/2⌋, T).
 * The target is the sum of the two marked values. Predicting the mean (1.0) scores an MSE of
 * Var(u1 + u2) = 2/12 ≈ 0.167, the baseline a model must beat.
 *
 * Layout is time-major, as nn.RNN expects: x is [T, N, 2] with x[t,n,0] the value and x[t,n,1]
 * the marker; y is [N, 1]. Everything comes from a seeded generator: the same seed gives the same
 * data on every run.
 */
import type { DType } from "../dtype.js";
import { Generator } from "../random.js";
import { zeros, type Tensor } from "../tensor.js";

/** MSE of always predicting the mean target 1.0: Var(U[0,1]) · 2 = 1/6. */
export const ADDING_BASELINE_MSE = 1 / 6;

/** Options of `addingProblem`: seed or generator, and dtype. */
export interface AddingOptions {
  /** Seed of the generator (default 0); ignored when `generator` is given. */
  seed?: number;
  /** A generator to draw from (to continue a stream). */
  generator?: Generator;
  /** Element type of x and y (default float32). */
  dtype?: DType;
}

/** One batch of the adding problem: sequences x [T, N, 2], targets y [N, 1] and the marked positions. */
export interface AddingBatch {
  /** Shape [T, N, 2]: x[t,n,0] = value, x[t,n,1] = marker. */
  x: Tensor;
  /** Shape [N, 1]: the sum of the two marked values. */
  y: Tensor;
  /** The two marked positions of each sequence: positions[2n], positions[2n+1]. */
  positions: Int32Array;
}

/** N sequences of length T for the adding problem. */
export function addingProblem(count: number, length: number, options: AddingOptions = {}): AddingBatch {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`addingProblem: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(length) || length < 2) throw new RangeError(`addingProblem: length must be an integer ≥ 2 (two markers), got ${length}`);
  const gen = options.generator ?? new Generator(options.seed ?? 0);
  const dtype = options.dtype ?? "float32";
  const T = length;
  const N = count;
  const half = Math.floor(T / 2);
  const x = zeros([T, N, 2], { dtype });
  const y = zeros([N, 1], { dtype });
  const positions = new Int32Array(2 * N);
  for (let n = 0; n < N; n++) {
    // x[t,n,0] = u_t ~ U[0,1)
    for (let t = 0; t < T; t++) x.data[(t * N + n) * 2] = gen.random();
    const p = gen.int(half);
    const q = half + gen.int(T - half);
    positions[2 * n] = p;
    positions[2 * n + 1] = q;
    // x[p,n,1] = x[q,n,1] = 1;  y[n] = x[p,n,0] + x[q,n,0]
    x.data[(p * N + n) * 2 + 1] = 1;
    x.data[(q * N + n) * 2 + 1] = 1;
    y.data[n] = x.data[(p * N + n) * 2]! + x.data[(q * N + n) * 2]!;
  }
  return { x, y, positions };
}
