/**
 * nn.RNN's sequence path: an LSTM, GRU or UGRNN cell unrolled over seq [T, B, I] with
 *
 *  - the input projection of all T steps as one GEMM, in one node ("rnnInputProjection"):
 *      px[t·B+b, q] = Σ_j Wx[q,j]·x[t,b,j] + bx[q] (+ bh[q] for LSTM and UGRNN, whose gates read
 *      px + ph only as a sum, so W_hh's bias is added once here instead of at every step);
 *  - one fused node per step: ph = h·W_hhᵀ (+ bh for GRU, whose candidate reads ph_n alone), then
 *    the gate kernel (src/backend/recurrent-reference.ts);
 *  - every weight gradient once, after the backward sweep, in the projection node's backward (the
 *    steps read the projection, so backward() runs it after all of them):
 *      x.grad = ∂PX·Wx     Wx.grad += ∂PXᵀ·X     bx.grad += Σ_rows ∂PX
 *      Wh.grad += ∂PHᵀ·H_prev     bh.grad += Σ_rows ∂PH
 *    where ∂PX [T·B, G] holds every step's ∂px (written by the step backwards into the projection's
 *    gradient, which is this storage), ∂PH = ∂PX for LSTM and UGRNN and its own buffer for GRU, and
 *    H_prev [T·B, H] every step's h.
 *
 * Storage: everything private to the sequence — the projection, the snapshot of W_hh, H_prev, the
 * gate activations, LSTM's cell states and tanh(c'), GRU's ph, ∂PX, ∂PH and each step's scratch —
 * is taken with "recycled" lifetime, so with the fast backend it lives in WebAssembly memory and
 * every GEMM and gate kernel runs on it in place. It is given back when the last node of the
 * sequence is released (after backward), or at the end of the forward when no backward can run.
 * Nothing user code can reach keeps it: the outputs are stacked into a new array, and the last h
 * (and c) are written into their own arrays. (The intermediate h' and c' tensors, views of the
 * sequence's buffers, are reachable only through the graph, which they leave with it.)
 *
 * W_hh packed once: where the backend has a packed-operand GEMM (PackedMatmulKernels; the fast
 * backend on float32), the snapshot of W_hh is laid out once in its micro-kernel's panels for the
 * forward's h·W_hhᵀ (freed when the forward ends) and once, at the first step backward, for the
 * backward's ∂ph·W_hh (freed with the rest of the storage), instead of inside every step's GEMM.
 */
import { gradTarget, runOp } from "../../autograd.js";
import { kernels } from "../../backend/index.js";
import type { GatedCell, PackedMatmulKernels, PackedMatrix } from "../../backend/kernels.js";
import { GATE_BLOCKS } from "../../backend/recurrent-reference.js";
import { uninitialized, type DType, type TypedArray } from "../../dtype.js";
import { recycle, takeUninitialized } from "../../grad-pool.js";
import { stack } from "../../ops/view.js";
import { locationOf } from "../../storage.js";
import { Tensor } from "../../tensor.js";
import type { GateWeights } from "./fused-step.js";
import { addBiasGrads, adoptOrAdd, cellStateOutput, mm, mmWith, packedKernels, project, work } from "./step-parts.js";

/** The result of unrolling: every step's h' ([T, B, H]) and the final state. */
export interface FusedSequence {
  outputs: Tensor;
  h: Tensor;
  c: Tensor | null;
}

/** A matrix packed by a backend's PackedMatmulKernels, with the kernels that made it (and free it). */
interface PackedOperand {
  by: PackedMatmulKernels;
  b: PackedMatrix;
}

/** op(a) packed by the active backend, or null when it cannot (no packed GEMM, float64, memory full). */
function packOperand(a: TypedArray, transB: boolean, k: number, n: number): PackedOperand | null {
  const by = packedKernels();
  const b = by ? by.packMatmulB(a, transB, k, n) : null;
  return by && b ? { by, b } : null;
}

/** One sequence's sizes and private storage (see the file comment). */
class SequenceStorage {
  readonly G: number;
  readonly rows: number;
  /** W_hh as every step reads it, forward and backward: a copy nothing else can change. */
  readonly wh: TypedArray;
  /** Row block t: the h that step t read ([T·B, H]); step t writes its h' into block t + 1. */
  readonly hAll: TypedArray;
  /** The gates after their nonlinearity, every step ([T·B, G]). */
  readonly act: TypedArray;
  /** LSTM: tanh(c') of every step ([T·B, H]). */
  readonly aux: TypedArray | null;
  /** LSTM: row block t is the c that step t read (block 0 a copy of c0). */
  readonly cAll: TypedArray | null;
  /** GRU: every step's ph ([T·B, G], read by the backward); others: one step's ([B, G], forward only). */
  ph: TypedArray | null;
  /** GRU, during backward: every step's ∂ph ([T·B, G]), when W_hh or b_hh needs a gradient. */
  dph: TypedArray | null = null;
  /** Which steps' backward wrote their rows of ∂PX (and ∂PH): the others count as zero. */
  readonly written: Uint8Array;
  /** W_hh packed as the forward reads it (op(B) = W_hhᵀ, H × G), until the forward ends; null: plain matmul. */
  whForward: PackedOperand | null = null;
  /** W_hh packed as the backward reads it (op(B) = W_hh, G × H), from the first step backward on. */
  private whBackward: PackedOperand | null = null;
  private backwardPackTried = false;
  /** Whether the storage went back (it must not twice). */
  private released = false;
  /** Whether the W_hh snapshot was pinned beside the kernels (only when it is not in their memory). */
  private readonly pinnedBy: ReturnType<typeof kernels> | null;

  constructor(readonly kind: GatedCell, readonly T: number, readonly B: number, readonly H: number, readonly dtype: DType, wh: Tensor) {
    const G = (this.G = GATE_BLOCKS[kind] * H);
    const rows = (this.rows = T * B);
    const take = (n: number): TypedArray => takeUninitialized(dtype, n, "recycled");
    this.wh = take(wh.size);
    this.wh.set(wh.data);
    this.hAll = take(rows * H);
    this.act = take(rows * G);
    this.aux = kind === "lstm" ? take(rows * H) : null;
    this.cAll = kind === "lstm" ? take(rows * H) : null;
    this.ph = take(kind === "gru" ? rows * G : B * G);
    this.written = new Uint8Array(T);
    // a snapshot outside the kernels' memory is kept beside them for the sweep (released through the
    // backend that pinned it, whichever is active when the graph is freed)
    this.pinnedBy = locationOf(this.wh) === "wasm" ? null : kernels();
    this.pinnedBy?.retainOperand(this.wh);
    this.whForward = packOperand(this.wh, true, H, G);
  }

  /** W_hh packed for the backward's ∂h = ∂ph·W_hh (packed on the first call), or null for the plain matmul. */
  backwardWeights(): PackedOperand | null {
    if (!this.backwardPackTried && !this.released) {
      this.backwardPackTried = true;
      this.whBackward = packOperand(this.wh, false, this.G, this.H);
    }
    return this.whBackward;
  }

  private freePacked(): void {
    for (const p of [this.whForward, this.whBackward]) if (p) p.by.freePackedB(p.b);
    this.whForward = null;
    this.whBackward = null;
  }

  /** Rows [t·B, (t+1)·B) of a [T·B, width] buffer. */
  block(a: TypedArray, t: number, width: number): TypedArray {
    return a.subarray(t * this.B * width, (t + 1) * this.B * width);
  }

  /** The forward is over: a one-step ph buffer (not GRU's) is no longer read. */
  endForward(): void {
    if (this.whForward) {
      this.whForward.by.freePackedB(this.whForward.b);
      this.whForward = null;
    }
    if (this.kind !== "gru" && this.ph) {
      recycle(this.ph);
      this.ph = null;
    }
  }

  /** Give every buffer back (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.freePacked();
    this.pinnedBy?.releaseOperand(this.wh);
    for (const a of [this.wh, this.hAll, this.act, this.aux, this.cAll, this.ph, this.dph]) if (a) recycle(a);
    this.ph = null;
    this.dph = null;
  }
}

/**
 * Unrolls a cell over seq [T, B, I] from (h0, c0) with the input projection done once for all T
 * and every weight gradient once after the sweep. `truncate` detaches the state every that many steps.
 */
export function fusedSequence(kind: GatedCell, seq: Tensor, h0: Tensor, c0: Tensor | null, w: GateWeights, truncate: number | null): FusedSequence {
  const [T, B] = seq.shape as [number, number, number];
  const H = h0.shape[1]!;
  const lstm = kind === "lstm";
  const gru = kind === "gru";
  const st = new SequenceStorage(kind, T, B, H, seq.dtype, w.wh);
  const { G, hAll, cAll } = st;
  st.block(hAll, 0, H).set(h0.data);
  if (cAll) st.block(cAll, 0, H).set(c0!.data);
  let liveNodes = 0;
  const releaseNode = (): void => {
    if (--liveNodes === 0) st.release();
  };
  const xp = inputProjection(seq, w, st, releaseNode);
  if (xp._node) liveNodes++;
  // whether W_hh or b_hh needs its gradient from ∂PH (for LSTM and UGRNN ∂PH is ∂PX, which xp's gradient holds)
  const hiddenNeedsGrad = w.wh.requiresGrad || (w.bh?.requiresGrad ?? false);
  let h = h0;
  let c = c0;
  const outputs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const step = t;
    const last = step === T - 1;
    const hPrev = h;
    const cPrev = c;
    const hRows = st.block(hAll, step, H); // the h this step reads (a copy of hPrev's values)
    const cRows = cAll ? st.block(cAll, step, H) : null;
    const act = st.block(st.act, step, G);
    const aux = st.aux ? st.block(st.aux, step, H) : null;
    let gcIn: TypedArray | null = null;
    let cOut: TypedArray | null = null;
    const hNext = runOp(`${kind}Step`, [xp, hPrev, ...(cPrev ? [cPrev] : [])], () => {
      const px = st.block(xp.data, step, G);
      const ph = gru ? st.block(st.ph!, step, G) : st.ph!;
      // ph[b,q] = Σ_k Wh[q,k]·h[b,k] (+ bh[q] for GRU; LSTM's and UGRNN's bh is in px)
      project(hRows, B, H, st.wh, G, gru ? (w.bh?.data ?? null) : null, ph, st.whForward);
      // h' is row block t + 1 of hAll (where the next step reads it), except the last, which the caller keeps
      const hOut = last ? uninitialized(st.dtype, B * H) : st.block(hAll, step + 1, H);
      cOut = !lstm ? null : last ? uninitialized(st.dtype, B * H) : st.block(cAll!, step + 1, H);
      kernels().gatesForward(kind, { batch: B, hidden: H, px, ph, h: hRows, c: cRows, act, aux, hOut, cOut });
      const { multiplies, adds } = work(B, G, H);
      return {
        out: new Tensor(hOut, [B, H]),
        multiplies,
        adds,
        release: releaseNode,
        backward: (out) => {
          const gc = gcIn;
          gcIn = null;
          // ∂px: rows t of xp's gradient (∂PX), which this storage becomes on the first step backward
          let dpx: TypedArray;
          if (xp.requiresGrad) {
            if (xp.grad === null) xp.grad = new Tensor(takeUninitialized(st.dtype, st.rows * G, "recycled"), xp.shape, false);
            dpx = st.block(xp.grad.data, step, G);
            st.written[step] = 1;
          } else dpx = takeUninitialized(st.dtype, B * G, "recycled");
          let dph: TypedArray | null = null;
          if (gru) {
            if (hiddenNeedsGrad) {
              st.dph ??= takeUninitialized(st.dtype, st.rows * G, "recycled");
              dph = st.block(st.dph, step, G);
            } else dph = takeUninitialized(st.dtype, B * G, "recycled");
          }
          const side = takeUninitialized(st.dtype, B * H, "recycled"); // GRU/UGRNN: h's direct gradient; LSTM: c's gradient
          kernels().gatesBackward(kind, {
            batch: B, hidden: H, gh: out.grad!.data, gc, act, aux, h: hRows, c: cRows, ph: gru ? st.block(st.ph!, step, G) : null,
            dpx, dph, ghDirect: lstm ? null : side, gcPrev: lstm ? side : null,
          });
          if (gc) recycle(gc);
          const gph = dph ?? dpx;
          // h.grad[b,k] += Σ_q ∂ph[b,q]·Wh[q,k]  (+ the direct term of GRU/UGRNN, `side`)
          if (lstm) {
            if (cPrev!.requiresGrad) adoptOrAdd(cPrev!, side);
            else recycle(side);
            if (hPrev.requiresGrad) {
              const tg = gradTarget(hPrev);
              mmWith(st.backwardWeights(), gph, st.wh, tg.data, B, H, G, false, tg.accumulate);
            }
          } else if (hPrev.requiresGrad) {
            adoptOrAdd(hPrev, side);
            mmWith(st.backwardWeights(), gph, st.wh, hPrev.grad!.data, B, H, G, false, true);
          } else recycle(side);
          if (!xp.requiresGrad) recycle(dpx);
          if (dph && !(gru && hiddenNeedsGrad)) recycle(dph);
        },
      };
    });
    if (hNext._node) liveNodes++;
    h = hNext;
    c = lstm ? cellStateOutput(kind, hNext, cOut!, (g) => (gcIn = g)) : null;
    outputs.push(h);
    if (truncate !== null && (t + 1) % truncate === 0 && t + 1 < T) {
      h = h.detach();
      c = c ? c.detach() : null;
    }
  }
  const stacked = stack(outputs, 0); // [T, B, H], copied out of hAll into the user's own array
  recycle(xp.data); // only the steps' forward read it
  st.endForward();
  if (liveNodes === 0) st.release(); // no node will run backward
  return { outputs: stacked, h, c };
}

/**
 * The input projection of all T·B rows in one GEMM (see the file comment), into the sequence's
 * storage (recycled once the steps' forward has read it). Its backward runs after every step's and
 * computes all the weight gradients.
 */
function inputProjection(seq: Tensor, w: GateWeights, st: SequenceStorage, release: () => void): Tensor {
  const { kind, rows, G, T, H } = st;
  const I = seq.shape[2]!;
  const gru = kind === "gru";
  const inputs = [seq, w.wx, ...(w.bx ? [w.bx] : []), w.wh, ...(w.bh ? [w.bh] : [])];
  return runOp("rnnInputProjection", inputs, () => {
    const y = takeUninitialized(seq.dtype, rows * G, "recycled");
    project(seq.data, rows, I, w.wx.data, G, inputBias(w, gru, G), y);
    return {
      out: new Tensor(y, [rows, G]),
      multiplies: rows * G * I,
      adds: rows * G * I,
      release,
      backward: (out) => {
        const dpx = out.grad!.data;
        // rows of steps whose backward did not run (their outputs reached no loss) count as zero
        for (let t = 0; t < T; t++) {
          if (st.written[t]) continue;
          st.block(dpx, t, G).fill(0);
          if (st.dph) st.block(st.dph, t, G).fill(0);
        }
        st.written.fill(0);
        if (seq.requiresGrad) {
          // x.grad[r,j] += Σ_q ∂px[r,q]·Wx[q,j]
          const t = gradTarget(seq);
          mm(dpx, w.wx.data, t.data, rows, I, G, false, false, t.accumulate);
        }
        if (w.wx.requiresGrad) {
          // Wx.grad[q,j] += Σ_r ∂px[r,q]·x[r,j]
          const t = gradTarget(w.wx);
          mm(dpx, seq.data, t.data, G, I, rows, true, false, t.accumulate);
        }
        const dph = gru ? st.dph : dpx;
        if (gru) addBiasGrads([w.bx], dpx, rows, G);
        else addBiasGrads([w.bx, w.bh], dpx, rows, G);
        if (dph) {
          if (w.wh.requiresGrad) {
            // Wh.grad[q,k] += Σ_r ∂ph[r,q]·h_prev[r,k]
            const t = gradTarget(w.wh);
            mm(dph, st.hAll, t.data, G, H, rows, true, false, t.accumulate);
          }
          if (gru) addBiasGrads([w.bh], dph, rows, G);
        }
        if (st.dph) {
          recycle(st.dph);
          st.dph = null;
        }
      },
    };
  });
}

/** The bias the projection adds: bx, plus bh for LSTM and UGRNN (see the file comment); null without biases. */
function inputBias(w: GateWeights, gru: boolean, G: number): TypedArray | null {
  const bh = gru ? null : w.bh;
  if (!w.bx && !bh) return null;
  if (!bh) return w.bx!.data;
  if (!w.bx) return bh.data;
  const sum = w.bx.data.slice(0, G);
  for (let q = 0; q < G; q++) sum[q] = sum[q]! + bh.data[q]!;
  return sum;
}
