/**
 * The kernel interface: the few loops that dominate the work, on raw typed arrays. The reference
 * backend writes each as its index equation; a fast backend may replace any subset, per kernel,
 * without touching the ops that call them.
 */
import type { TypedArray } from "../dtype.js";

/** Geometry of a batched matrix product C[b] = op(A[b]) · op(B[b]) (row-major). */
export interface MatmulArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored k×m (read transposed) instead of m×k. */
  transA: boolean;
  /** B is stored n×k (read transposed) instead of k×n. */
  transB: boolean;
  /** Elements between consecutive batch entries (0 broadcasts one matrix over the batch). */
  strideA: number;
  strideB: number;
  /** Add into C instead of overwriting it. */
  accumulate: boolean;
}

/** Geometry of a 2-D convolution on NCHW input with [Cout, Cin, kH, kW] weights. */
export interface Conv2dArgs {
  batch: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  /** Output height and width. */
  ho: number;
  wo: number;
  strideH: number;
  strideW: number;
  /** Padding before row 0 / column 0 (the same amount is assumed after, within the output size). */
  padH: number;
  padW: number;
  /** "zeros": out-of-range pixels read 0; "circular": indices wrap around (a torus). */
  padMode: "zeros" | "circular";
}

/** Geometry of 2-D max pooling on NCHW input (padding never wins a window). */
export interface Pool2dArgs {
  batch: number;
  channels: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  ho: number;
  wo: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/**
 * Kernels marked optional were added later; a backend may leave them out, and `kernels()` always
 * returns every kernel (the reference fills the gaps), typed as Required<Kernels>.
 */
export interface Kernels {
  /** C[b,i,j] (+)= Σ_k A[b,i,k] · B[b,k,j] */
  matmul(a: TypedArray, b: TypedArray, c: TypedArray, args: MatmulArgs): void;
  /**
   * y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
   * (y overwritten; without a bias the last term is 0)
   */
  conv2dForward(x: TypedArray, w: TypedArray, y: TypedArray, args: Conv2dArgs, bias?: TypedArray | null): void;
  /**
   * x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]  (adds into gx; with
   * accumulate false, gx's old contents are ignored: it is zeroed first)
   */
  conv2dBackwardInput(gy: TypedArray, w: TypedArray, gx: TypedArray, args: Conv2dArgs, accumulate?: boolean): void;
  /**
   * W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]  (adds into gw), and when gb
   * is given also bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]  (both reduce the same y.grad)
   */
  conv2dBackwardWeight(gy: TypedArray, x: TypedArray, gw: TypedArray, args: Conv2dArgs, gb?: TypedArray | null): void;
  /**
   * y[b,c,i,j] = max_{di,dj} x[b,c,s·i+di−p, s·j+dj−p], and argmax[b,c,i,j] = the flat index into x
   * of that maximum (the first on ties; a NaN wins and ends its window).
   */
  maxPool2dForward?(x: TypedArray, y: TypedArray, argmax: Int32Array, args: Pool2dArgs): void;
  /** x.grad[argmax[o]] += y.grad[o]  (adds into gx; with accumulate false, gx is zeroed first) */
  maxPool2dBackward?(gy: TypedArray, argmax: Int32Array, gx: TypedArray, accumulate?: boolean): void;
  /** y[i] = max(x[i], 0)   (a NaN stays NaN) */
  reluForward?(x: TypedArray, y: TypedArray): void;
  /**
   * x.grad[i] += y.grad[i] · 1[x[i] > 0]   (adds into gx; where x ≤ 0 nothing is added, not even a
   * NaN; with accumulate false, gx's old contents are ignored: it is zeroed first)
   */
  reluBackward?(x: TypedArray, gy: TypedArray, gx: TypedArray, accumulate?: boolean): void;
  /** A recurrent cell's gates, forward (equations in src/backend/recurrent-reference.ts). */
  gatesForward?(cell: GatedCell, args: GateForwardArgs): void;
  /** A recurrent cell's gates, backward (equations in src/backend/recurrent-reference.ts). */
  gatesBackward?(cell: GatedCell, args: GateBackwardArgs): void;
  /**
   * out[q] += Σ_r g[r·cols + q]   for r < rows, q < cols: the column sums of a row-major
   * [rows, cols] gradient, added into out (a bias gradient).
   */
  addColumnSums?(g: TypedArray, rows: number, cols: number, out: TypedArray): void;
  /**
   * A promise that `a`'s contents never change from now on and that many calls will read it: a
   * backend may keep a copy beside its kernels (the fast backend: in wasm memory) until released.
   */
  retainOperand?(a: TypedArray): void;
  /** The end of `retainOperand`'s promise for `a`. */
  releaseOperand?(a: TypedArray): void;
}

/** The gated recurrent cells whose gate arithmetic runs as one fused kernel per step. */
export type GatedCell = "lstm" | "gru" | "ugrnn";

/**
 * One step's gate arithmetic, forward. With G gates of width H (LSTM 4: i f g o; GRU 3: r z n;
 * UGRNN 2: f d) every array is row-major over the batch: px, ph, act are [B, G·H]; the rest [B, H].
 *   px = x·W_ihᵀ + b_ih and ph = h·W_hhᵀ + b_hh (inputs);  act: the gates after their nonlinearity;
 *   aux: LSTM's tanh(c') (unused otherwise);  c, cOut: LSTM's cell state (null otherwise).
 */
export interface GateForwardArgs {
  batch: number;
  hidden: number;
  px: TypedArray;
  ph: TypedArray;
  h: TypedArray;
  c: TypedArray | null;
  act: TypedArray;
  aux: TypedArray | null;
  hOut: TypedArray;
  cOut: TypedArray | null;
}

/**
 * One step's gate arithmetic, backward (every output array is overwritten, none is read):
 *   gh, gc: the gradients of h' and c' (null means zero);  dpx: the gradient of px;
 *   dph: the gradient of ph where it differs from dpx (GRU only, else null);
 *   ghDirect: the part of h's gradient that does not go through W_hh (GRU, UGRNN; else null);
 *   gcPrev: the gradient of c (LSTM; else null).
 */
export interface GateBackwardArgs {
  batch: number;
  hidden: number;
  gh: TypedArray | null;
  gc: TypedArray | null;
  act: TypedArray;
  aux: TypedArray | null;
  h: TypedArray;
  c: TypedArray | null;
  ph: TypedArray | null;
  dpx: TypedArray;
  dph: TypedArray | null;
  ghDirect: TypedArray | null;
  gcPrev: TypedArray | null;
}
