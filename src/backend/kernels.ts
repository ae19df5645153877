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

/** The unary ops with an elementwise kernel (definitions in src/backend/elementwise-reference.ts). */
export type UnaryKernelOp = "neg" | "exp" | "log" | "sqrt" | "square" | "abs" | "tanh" | "sigmoid";

/** The binary ops with an elementwise kernel. */
export type BinaryKernelOp = "add" | "sub" | "mul" | "div";

/**
 * Where a binary kernel reads one operand: the result is rows × cols, and its element (r, c) reads
 * the operand's element r·rowStride + c·colStep. (cols, 1): the operand is full; (0, 1): a row
 * repeated over the rows ([.., n] ⊙ [n]); (1, 0): a column repeated along each row ([.., n] ⊙ [.., 1]);
 * (0, 0): a scalar.
 */
export interface OperandLayout {
  rowStride: number;
  colStep: 0 | 1;
}

/** The geometry of a broadcasting binary kernel: a rows × cols result and where each operand is read. */
export interface BinaryArgs {
  rows: number;
  cols: number;
  a: OperandLayout;
  b: OperandLayout;
}

// The elementwise and last-axis kernels, merged into the interface above (added later: optional).
export interface Kernels {
  /** y[i] = f(x[i]) for the unary op `op`. */
  unaryForward?(op: UnaryKernelOp, x: TypedArray, y: TypedArray): void;
  /**
   * x.grad[i] (+)= y.grad[i] · f'(x[i]), with y = f(x) from the forward (adds into gx; with
   * accumulate false, gx's old contents are ignored).
   */
  unaryBackward?(op: UnaryKernelOp, x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, accumulate?: boolean): void;
  /** out[r, c] = a[r·a.rowStride + c·a.colStep] ⊙ b[r·b.rowStride + c·b.colStep] for the binary op `op`. */
  binaryForward?(op: BinaryKernelOp, a: TypedArray, b: TypedArray, out: TypedArray, args: BinaryArgs): void;
  /**
   * One operand's gradient (side 0: a, side 1: b) of out = a ⊙ b, with g = out.grad: each element's
   * contribution (add: g; sub: ±g; mul: g·b or g·a; div: g/b or −g·out/b), summed over the positions
   * that read the same element of that operand (its layout in args), added into gx (with accumulate
   * false, gx's old contents are ignored).
   */
  binaryBackward?(op: BinaryKernelOp, side: 0 | 1, g: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, gx: TypedArray, args: BinaryArgs, accumulate?: boolean): void;
  /** y[r] = Σ_c x[r, c] over the last axis of a rows × cols array. */
  sumLast?(x: TypedArray, y: TypedArray, rows: number, cols: number): void;
  /** x.grad[r, c] (+)= y.grad[r]  (sum's backward; with accumulate false, gx's old contents are ignored). */
  expandLast?(gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate?: boolean): void;
  /**
   * y[r] = max_c x[r, c] (min when `which` is "min") and arg[r] = the first c where it is taken; a
   * NaN wins (the row's first NaN). cols ≥ 1.
   */
  extremeLast?(which: "max" | "min", x: TypedArray, y: TypedArray, arg: Int32Array, rows: number, cols: number): void;
  /** y[r] = m + ln Σ_c e^{x[r, c] − m}, m the row's largest value ignoring NaN, or 0 when that is ±∞. */
  logSumExpLast?(x: TypedArray, y: TypedArray, rows: number, cols: number): void;
  /** x.grad[r, c] (+)= y.grad[r] · e^{x[r, c] − y[r]}, nothing where y[r] = −∞. */
  logSumExpLastBackward?(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate?: boolean): void;
  /**
   * logSoftmax (log true) or softmax over the last axis: y[r, c] = x[r, c] − lse[r] with lse[r] = m +
   * ln Σ_c e^{x[r, c] − m} (m the row's max, a NaN makes the row NaN; 0 when m is ±∞); softmax takes e^ of that.
   */
  softmaxLast?(x: TypedArray, y: TypedArray, rows: number, cols: number, log: boolean): void;
  /**
   * softmax: x.grad[r, c] (+)= y[r, c]·(y.grad[r, c] − Σ_j y.grad[r, j]·y[r, j]);
   * logSoftmax: x.grad[r, c] (+)= y.grad[r, c] − e^{y[r, c]}·Σ_j y.grad[r, j].
   */
  softmaxLastBackward?(y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, log: boolean, accumulate?: boolean): void;
}

/** Kernels whose argument lists grew after the interface above was written (declaration merging: these overload it). */
export interface Kernels {
  /**
   * x.grad[argmax[o]] += y.grad[o] with the pooling's geometry (a fast backend runs the common 2×2,
   * stride-2 window as one write per input pixel instead of a zero-fill and a scatter); without
   * `args` the scatter above.
   */
  maxPool2dBackward?(gy: TypedArray, argmax: Int32Array, gx: TypedArray, accumulate?: boolean, args?: Pool2dArgs): void;
}

/**
 * The conv epilogue: a convolution whose bias and ReLU run inside its kernels (`conv2d` with
 * `activation: "relu"`). A backend may supply these beside its Kernels (the fast one does); the op
 * falls back to the definitions in src/backend/reference.ts (`conv2dReluForwardReference` composes
 * the backend's conv2dForward with ReLU in place).
 */
export interface ConvEpilogueKernels {
  /** y[b,c,i,j] = max(Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c], 0)  (a NaN stays NaN) */
  conv2dReluForward(x: TypedArray, w: TypedArray, y: TypedArray, args: Conv2dArgs, bias?: TypedArray | null): void;
  /**
   * gm[b,c,i,j] = y.grad[b,c,i,j] · 1[y[b,c,i,j] > 0]  (nothing passes where y ≤ 0 or NaN, not even a
   * NaN gradient), and when gb is given bias.grad[c] += Σ_{b,i,j} gm[b,c,i,j]. gm may be gy itself.
   */
  reluMaskBiasGrad(y: TypedArray, gy: TypedArray, gm: TypedArray, args: Conv2dArgs, gb?: TypedArray | null): void;
}

/**
 * A matrix op(B) (k×n) that a backend has laid out once for many products against it (the fast
 * backend: its GEMM's packed panels, in a WebAssembly heap block). Opaque to callers; `source` is
 * the array it was made from, which must not change while the handle lives.
 */
export interface PackedMatrix {
  /** Rows of op(B) (the products' inner dimension). */
  readonly k: number;
  /** Columns of op(B) (and of the products' C). */
  readonly n: number;
  /** B was stored n×k (op(B) = Bᵀ). */
  readonly transB: boolean;
  /** The array B, as given to `packMatmulB`. */
  readonly source: TypedArray;
}

/**
 * A GEMM operand packed once. A backend may supply these beside its Kernels (the fast one does; the
 * reference leaves them out, as `Required<Kernels>` cannot hold optional extras); callers look them
 * up on `kernels()` and fall back to `matmul` when they are absent or `packMatmulB` returns null.
 */
export interface PackedMatmulKernels {
  /**
   * The plain matmul these agree with: callers take the packed path only while it is the active
   * backend's `matmul` (a backend that overrides matmul but spreads in these does not get them).
   */
  readonly plainMatmul: Kernels["matmul"];
  /** op(B) (k×n; B stored n×k when transB) packed for `matmulPacked`, or null when this backend cannot (e.g. float64). */
  packMatmulB(b: TypedArray, transB: boolean, k: number, n: number): PackedMatrix | null;
  /** C[i,j] (+)= Σ_p op(A)[i,p] · op(B)[p,j] for i < m, with op(B) given packed (C m×n, one matrix). */
  matmulPacked(a: TypedArray, b: PackedMatrix, c: TypedArray, m: number, transA: boolean, accumulate: boolean): void;
  /** Give back what `packMatmulB` took (once per handle). */
  freePackedB(b: PackedMatrix): void;
}
