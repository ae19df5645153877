/**
 * Fused recurrent steps: a whole LSTM, GRU or UGRNN step as one autograd node, its gate arithmetic
 * one kernel forward and one backward (`gatesForward` / `gatesBackward`, defined in
 * src/backend/recurrent-reference.ts, SIMD in asm/recurrent.ts), around the two projections
 *
 *   px[b,q] = Σ_j Wx[q,j]·x[b,j] + bx[q]        ph[b,q] = Σ_k Wh[q,k]·h[b,k] + bh[q]
 *
 * (q runs over the G = blocks·H gate rows). Backward, with ∂px and ∂ph from the gate kernel:
 *
 *   x.grad[b,j] += Σ_q ∂px[b,q]·Wx[q,j]        Wx.grad[q,j] += Σ_b ∂px[b,q]·x[b,j]      bx.grad[q] += Σ_b ∂px[b,q]
 *   h.grad[b,k] += Σ_q ∂ph[b,q]·Wh[q,k] + (the direct term of GRU/UGRNN)
 *   Wh.grad[q,k] += Σ_b ∂ph[b,q]·h[b,k]        bh.grad[q] += Σ_b ∂ph[b,q]
 *
 * An LSTM step has two outputs; the node returns h', and c' is a second tensor whose tiny node
 * hands its gradient to the step's backward (which then runs once for both).
 *
 * `fusedSequence` unrolls a cell over [T, B, I]: the input projection of all T steps is one GEMM
 * (an ordinary `linear` over T·B rows, whose backward is one GEMM for Wx.grad), and Wh's gradient
 * is one GEMM after the backward sweep: each step writes its ∂ph into row t of a [T·B, G] buffer
 * and its h into row t of a [T·B, H] buffer, and a node that every step reads Wh through (so its
 * backward runs after all of theirs) computes Wh.grad += ∂PHᵀ·H_prev and bh.grad once.
 */
import { gradBuffer, gradTarget, isGradEnabled, runOp } from "../../autograd.js";
import { kernels } from "../../backend/index.js";
import type { GatedCell } from "../../backend/kernels.js";
import { GATE_BLOCKS } from "../../backend/recurrent-reference.js";
import { uninitialized, type DType, type TypedArray } from "../../dtype.js";
import { recycle, takeUninitialized } from "../../grad-pool.js";
import { stack } from "../../ops/view.js";
import { Tensor } from "../../tensor.js";

/**
 * The names of the autograd ops this file records (a cell step, LSTM's c' output, a step of nn.RNN's
 * sequence path, the sequence's input projection and its shared W_hh): ops that exist only inside a
 * recurrent cell or nn.RNN, which ONNX export converts whole, as one op per registered module.
 */
export const FUSED_RECURRENT_OPS: readonly string[] = [
  "lstmCell", "gruCell", "ugrnnCell", "lstmCellState",
  "lstmStep", "gruStep", "ugrnnStep", "rnnInputProjection", "rnnHiddenWeights",
];

/** The projections' parameters: Wx [G, I], Wh [G, H], biases [G] (or null). */
export interface GateWeights {
  wx: Tensor;
  wh: Tensor;
  bx: Tensor | null;
  bh: Tensor | null;
}

/** C (+)= op(A)·op(B), C m×n, one matrix. */
function mm(a: TypedArray, b: TypedArray, c: TypedArray, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  kernels().matmul(a, b, c, { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, accumulate });
}

/** out[r,q] = Σ_j src[r,j]·W[q,j] + bias[q]   (out rows × G, W is G × k). */
function project(src: TypedArray, rows: number, k: number, w: Tensor, bias: Tensor | null, out: TypedArray): void {
  const G = w.shape[0]!;
  if (bias) for (let r = 0; r < rows; r++) out.set(bias.data, r * G);
  mm(src, w.data, out, rows, G, k, false, true, bias !== null);
}

/** bias.grad[q] += Σ_r g[r,q]   (four rows per pass over bias.grad) */
function addColumnSums(bias: Tensor, g: TypedArray, rows: number): void {
  const gb = gradBuffer(bias);
  const G = gb.length;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = r * G;
    for (let q = 0; q < G; q++) gb[q] = gb[q]! + ((g[o + q]! + g[o + G + q]!) + (g[o + 2 * G + q]! + g[o + 3 * G + q]!));
  }
  for (; r < rows; r++) for (let q = 0; q < G; q++) gb[q] = gb[q]! + g[r * G + q]!;
}

/** t.grad += a: adopts `a` as t's gradient when it has none (a must be private storage), else adds and recycles it. */
function adoptOrAdd(t: Tensor, a: TypedArray): void {
  if (t.grad === null) {
    t.grad = new Tensor(a, t.shape, false);
    return;
  }
  const g = t.grad.data;
  for (let i = 0; i < g.length; i++) g[i] = g[i]! + a[i]!;
  recycle(a);
}

/** Storage the step's backward needs from its forward. */
interface Saved {
  act: TypedArray;
  aux: TypedArray | null;
  /** ph, kept for GRU's backward (∂a_r reads ph_n). */
  ph: TypedArray | null;
}

function saveOrRecycle(keep: boolean, kind: GatedCell, act: TypedArray, aux: TypedArray | null, ph: TypedArray): Saved | null {
  if (kind !== "gru") recycle(ph);
  if (keep) return { act, aux, ph: kind === "gru" ? ph : null };
  recycle(act);
  if (aux) recycle(aux);
  if (kind === "gru") recycle(ph);
  return null;
}

function releaseSaved(s: Saved | null): void {
  if (!s) return;
  recycle(s.act);
  if (s.aux) recycle(s.aux);
  if (s.ph) recycle(s.ph);
}

/** LSTM's c' as its own tensor: its node passes c'.grad on to the step node that made h'. */
function cellStateOutput(kind: GatedCell, hNext: Tensor, c: TypedArray, takeGc: (g: TypedArray) => void): Tensor {
  return runOp(`${kind}CellState`, [hNext], () => ({
    out: new Tensor(c, hNext.shape),
    backward: (cn) => {
      gradBuffer(hNext); // h' must have a gradient (zero if unused) for the step's backward to run
      if (cn._retainGrad) {
        const copy = takeUninitialized(cn.dtype, cn.size);
        copy.set(cn.grad!.data);
        takeGc(copy);
      } else {
        takeGc(cn.grad!.data);
        cn.grad = null; // the step's backward owns (and recycles) this storage now
      }
    },
  }));
}

/** The work of a step's forward (for the profiler): two projections and the gate arithmetic. */
function work(rows: number, G: number, k: number) {
  return { multiplies: rows * G * k, adds: rows * G * k };
}

/**
 * One step of an LSTM, GRU or UGRNN cell, x [B, I] and h (and LSTM's c) [B, H] → h' (and c'), as
 * one autograd node (plus LSTM's c' node). The cells' `forward` calls this.
 */
export function fusedCellStep(kind: GatedCell, x: Tensor, h: Tensor, c: Tensor | null, w: GateWeights): [Tensor, Tensor | null] {
  const [B, I] = x.shape as [number, number];
  const H = h.shape[1]!;
  const G = GATE_BLOCKS[kind] * H;
  const dtype = x.dtype;
  const lstm = kind === "lstm";
  const inputs = [x, h, ...(c ? [c] : []), w.wx, w.wh, ...(w.bx ? [w.bx] : []), ...(w.bh ? [w.bh] : [])];
  const keep = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  let saved: Saved | null = null;
  let gcIn: TypedArray | null = null;
  let cOut: TypedArray | null = null;
  const hNext = runOp(`${kind}Cell`, inputs, () => {
    const px = takeUninitialized(dtype, B * G);
    const ph = takeUninitialized(dtype, B * G);
    project(x.data, B, I, w.wx, w.bx, px);
    project(h.data, B, H, w.wh, w.bh, ph);
    const act = takeUninitialized(dtype, B * G);
    const aux = lstm ? takeUninitialized(dtype, B * H) : null;
    const hOut = uninitialized(dtype, B * H);
    cOut = lstm ? uninitialized(dtype, B * H) : null;
    kernels().gatesForward(kind, { batch: B, hidden: H, px, ph, h: h.data, c: c?.data ?? null, act, aux, hOut, cOut });
    recycle(px);
    saved = saveOrRecycle(keep, kind, act, aux, ph);
    const { multiplies, adds } = work(B, G, I + H);
    return {
      out: new Tensor(hOut, [B, H]),
      multiplies,
      adds,
      release: () => {
        releaseSaved(saved);
        saved = null;
      },
      backward: (out) => {
        const s = saved!;
        const gc = gcIn;
        gcIn = null;
        const dpx = takeUninitialized(dtype, B * G);
        const dph = kind === "gru" ? takeUninitialized(dtype, B * G) : null;
        const side = takeUninitialized(dtype, B * H); // GRU/UGRNN: h's direct gradient; LSTM: c's gradient
        kernels().gatesBackward(kind, {
          batch: B, hidden: H, gh: out.grad!.data, gc, act: s.act, aux: s.aux, h: h.data, c: c?.data ?? null, ph: s.ph,
          dpx, dph, ghDirect: lstm ? null : side, gcPrev: lstm ? side : null,
        });
        if (gc) recycle(gc);
        const gph = dph ?? dpx;
        if (lstm) {
          if (c!.requiresGrad) adoptOrAdd(c!, side);
          else recycle(side);
          if (h.requiresGrad) {
            const t = gradTarget(h);
            mm(gph, w.wh.data, t.data, B, H, G, false, false, t.accumulate);
          }
        } else if (h.requiresGrad) {
          adoptOrAdd(h, side);
          mm(gph, w.wh.data, h.grad!.data, B, H, G, false, false, true);
        } else recycle(side);
        if (x.requiresGrad) {
          const t = gradTarget(x);
          mm(dpx, w.wx.data, t.data, B, I, G, false, false, t.accumulate);
        }
        if (w.wx.requiresGrad) {
          const t = gradTarget(w.wx);
          mm(dpx, x.data, t.data, G, I, B, true, false, t.accumulate);
        }
        if (w.wh.requiresGrad) {
          const t = gradTarget(w.wh);
          mm(gph, h.data, t.data, G, H, B, true, false, t.accumulate);
        }
        if (w.bx?.requiresGrad) addColumnSums(w.bx, dpx, B);
        if (w.bh?.requiresGrad) addColumnSums(w.bh, gph, B);
        recycle(dpx);
        if (dph) recycle(dph);
      },
    };
  });
  if (!lstm) return [hNext, null];
  return [hNext, cellStateOutput(kind, hNext, cOut!, (g) => (gcIn = g))];
}

/** What the steps of one sequence share for Wh's single gradient GEMM. */
interface SequenceBuffers {
  /** h_prev of every step: row block t is the h that step t read ([T·B, H]). */
  hAll: TypedArray;
  /** ∂ph of every step ([T·B, G]), made by the first step backward that runs. */
  dph: TypedArray | null;
  /** Which steps' backward wrote their rows of dph (the others must count as zero). */
  written: Uint8Array;
}

/** Wh (and bh) as every step of a sequence reads them; the backward of this node is Wh's one gradient GEMM. */
function hiddenWeightsForSequence(w: GateWeights, buf: SequenceBuffers, T: number, B: number, H: number, dtype: DType): Tensor {
  const inputs = w.bh ? [w.wh, w.bh] : [w.wh];
  const G = w.wh.shape[0]!;
  return runOp("rnnHiddenWeights", inputs, () => ({
    out: new Tensor(w.wh.data, w.wh.shape),
    backward: () => {
      const rows = T * B;
      const dph = buf.dph ?? takeUninitialized(dtype, rows * G);
      // rows of steps whose backward did not run (their outputs reached no loss) hold zeros
      for (let t = 0; t < T; t++) if (!buf.written[t]) dph.fill(0, t * B * G, (t + 1) * B * G);
      if (w.wh.requiresGrad) {
        // Wh.grad[q,k] += Σ_{t,b} ∂ph[t,b,q]·h_prev[t,b,k]
        const t = gradTarget(w.wh);
        mm(dph, buf.hAll, t.data, G, H, rows, true, false, t.accumulate);
      }
      if (w.bh?.requiresGrad) addColumnSums(w.bh, dph, rows);
      recycle(dph);
      buf.dph = null;
      buf.written.fill(0);
    },
    release: () => recycle(buf.hAll),
  }));
}

/** The result of unrolling: every step's h' ([T, B, H]) and the final state. */
export interface FusedSequence {
  outputs: Tensor;
  h: Tensor;
  c: Tensor | null;
}

/**
 * Unrolls a cell over seq [T, B, I] from (h0, c0) with the input projection done once for all T
 * and Wh's gradient once after the sweep. `truncate` detaches the state every that many steps.
 */
export function fusedSequence(kind: GatedCell, seq: Tensor, h0: Tensor, c0: Tensor | null, w: GateWeights, truncate: number | null): FusedSequence {
  const [T, B, I] = seq.shape as [number, number, number];
  const H = h0.shape[1]!;
  const G = GATE_BLOCKS[kind] * H;
  const dtype = seq.dtype;
  const lstm = kind === "lstm";
  const xp = inputProjection(seq, w, T * B, I, G);
  // every step reads W_hh twice (forward and backward): a snapshot that nothing else can change,
  // which the backend may keep beside its kernels for the whole sweep instead of copying it per call
  const whSnapshot = takeUninitialized(dtype, w.wh.size);
  whSnapshot.set(w.wh.data);
  const wh = new Tensor(whSnapshot, w.wh.shape);
  // released through the backend that pinned it, whichever is active when the graph is freed
  // (else a pin left in "fast" would outlive its storage, which the pool hands out again)
  const pinnedBy = kernels();
  pinnedBy.retainOperand(whSnapshot);
  const releaseSnapshot = (): void => {
    pinnedBy.releaseOperand(whSnapshot);
    recycle(whSnapshot);
  };
  const buf: SequenceBuffers = { hAll: takeUninitialized(dtype, T * B * H), dph: null, written: new Uint8Array(T) };
  const whSeq = hiddenWeightsForSequence(w, buf, T, B, H, dtype);
  // what the steps keep for their backward, for all T in one allocation each (reused across calls
  // through the grad pool, where 32 fresh step-sized arrays would fault in new pages every call)
  const seqAct = takeUninitialized(dtype, T * B * G);
  const seqAux = lstm ? takeUninitialized(dtype, T * B * H) : null;
  const seqPh = kind === "gru" ? takeUninitialized(dtype, T * B * G) : null;
  // the cell states before the last (read by the next step, forward and backward)
  const seqC = lstm ? takeUninitialized(dtype, T * B * H) : null;
  let liveNodes = 0;
  const releaseSequence = (): void => {
    recycle(seqAct);
    if (seqAux) recycle(seqAux);
    if (seqPh) recycle(seqPh);
    if (seqC) recycle(seqC);
    releaseSnapshot(); // the last reader of the snapshot was the step backwards
    // the steps' backward reads h_prev from hAll; when there is a W_hh node it reads hAll too and recycles it
    if (!whSeq._node) recycle(buf.hAll);
  };
  let h = h0;
  let c = c0;
  const outputs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const inputs = [xp, h, ...(c ? [c] : []), whSeq];
    const hPrev = h;
    const cPrev = c;
    let gcIn: TypedArray | null = null;
    let cOut: TypedArray | null = null;
    const step = t;
    const wideRows = [step * B * G, (step + 1) * B * G] as const;
    const act = seqAct.subarray(...wideRows);
    const aux = seqAux ? seqAux.subarray(step * B * H, (step + 1) * B * H) : null;
    const hNext = runOp(`${kind}Step`, inputs, () => {
      const px = xp.data.subarray(...wideRows);
      const ph = seqPh ? seqPh.subarray(...wideRows) : takeUninitialized(dtype, B * G);
      project(hPrev.data, B, H, wh, w.bh, ph);
      buf.hAll.set(hPrev.data, step * B * H); // (a no-op copy onto itself when hPrev is a row of hAll)
      // h' is row t + 1 of hAll (where the next step reads it), except the last, which the caller keeps
      const last = step === T - 1;
      const rowsH = [(step + 1) * B * H, (step + 2) * B * H] as const;
      const hOut = last ? uninitialized(dtype, B * H) : buf.hAll.subarray(...rowsH);
      cOut = !lstm ? null : last ? uninitialized(dtype, B * H) : seqC!.subarray(step * B * H, (step + 1) * B * H);
      kernels().gatesForward(kind, { batch: B, hidden: H, px, ph, h: hPrev.data, c: cPrev?.data ?? null, act, aux, hOut, cOut });
      if (!seqPh) recycle(ph);
      const { multiplies, adds } = work(B, G, H);
      return {
        out: new Tensor(hOut, [B, H]),
        multiplies,
        adds,
        release: () => {
          if (--liveNodes === 0) releaseSequence();
        },
        backward: (out) => {
          const gc = gcIn;
          gcIn = null;
          const rows = wideRows;
          const dpx = xp.requiresGrad ? gradBuffer(xp).subarray(...rows) : takeUninitialized(dtype, B * G);
          let gph: TypedArray = dpx;
          let dph: TypedArray | null = null;
          if (whSeq.requiresGrad) {
            buf.dph ??= takeUninitialized(dtype, T * B * G);
            buf.written[step] = 1;
            gradBuffer(whSeq); // so that the Wh node's backward runs after the sweep
            if (kind === "gru") gph = dph = buf.dph.subarray(...rows);
          } else if (kind === "gru") gph = dph = takeUninitialized(dtype, B * G);
          const side = takeUninitialized(dtype, B * H);
          kernels().gatesBackward(kind, {
            batch: B, hidden: H, gh: out.grad!.data, gc, act, aux, h: hPrev.data, c: cPrev?.data ?? null, ph: seqPh ? seqPh.subarray(...rows) : null,
            dpx, dph, ghDirect: lstm ? null : side, gcPrev: lstm ? side : null,
          });
          if (gc) recycle(gc);
          if (whSeq.requiresGrad && kind !== "gru") buf.dph!.set(dpx, rows[0]);
          if (lstm) {
            if (cPrev!.requiresGrad) adoptOrAdd(cPrev!, side);
            else recycle(side);
            if (hPrev.requiresGrad) {
              const tg = gradTarget(hPrev);
              mm(gph, whSnapshot, tg.data, B, H, G, false, false, tg.accumulate);
            }
          } else if (hPrev.requiresGrad) {
            adoptOrAdd(hPrev, side);
            mm(gph, whSnapshot, hPrev.grad!.data, B, H, G, false, false, true);
          } else recycle(side);
          if (!xp.requiresGrad) recycle(dpx);
          if (dph && !whSeq.requiresGrad) recycle(dph);
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
  const stacked = stack(outputs, 0); // [T, B, H], copied out of hAll before hAll can be reused
  recycle(xp.data); // only the steps' forward read it
  if (liveNodes === 0) releaseSequence(); // no step will run backward (nor, then, the W_hh node)
  return { outputs: stacked, h, c };
}

/**
 * px[t·B + b, q] = Σ_j Wx[q,j]·x[t,b,j] + bx[q] for all T·B rows in one GEMM, into reused storage
 * (the caller recycles it once the steps have read it). Backward, with ∂px from all steps:
 *   x.grad[t,b,j] += Σ_q ∂px[t·B+b,q]·Wx[q,j]    Wx.grad[q,j] += Σ_{t,b} ∂px[t·B+b,q]·x[t,b,j]    bx.grad[q] += Σ ∂px[·,q]
 */
function inputProjection(seq: Tensor, w: GateWeights, rows: number, I: number, G: number): Tensor {
  const inputs = [seq, w.wx, ...(w.bx ? [w.bx] : [])];
  return runOp("rnnInputProjection", inputs, () => {
    const y = takeUninitialized(seq.dtype, rows * G);
    project(seq.data, rows, I, w.wx, w.bx, y);
    return {
      out: new Tensor(y, [rows, G]),
      multiplies: rows * G * I,
      adds: rows * G * I,
      backward: (out) => {
        const g = out.grad!.data;
        if (seq.requiresGrad) {
          const t = gradTarget(seq);
          mm(g, w.wx.data, t.data, rows, I, G, false, false, t.accumulate);
        }
        if (w.wx.requiresGrad) {
          const t = gradTarget(w.wx);
          mm(g, seq.data, t.data, G, I, rows, true, false, t.accumulate);
        }
        if (w.bx?.requiresGrad) addColumnSums(w.bx, g, rows);
      },
    };
  });
}
