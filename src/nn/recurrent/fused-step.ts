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
 * nn.RNN's sequence path (fused-sequence.ts) runs the same gate kernels over a whole sequence.
 */
import { gradTarget, isGradEnabled, runOp } from "../../autograd.js";
import { kernels } from "../../backend/index.js";
import type { GatedCell } from "../../backend/kernels.js";
import { GATE_BLOCKS } from "../../backend/recurrent-reference.js";
import { uninitialized, type TypedArray } from "../../dtype.js";
import { recycle, takeUninitialized } from "../../grad-pool.js";
import { Tensor } from "../../tensor.js";
import { addBiasGrads, adoptOrAdd, cellStateOutput, mm, project, work } from "./step-parts.js";

/**
 * The names of the autograd ops the fused paths record (a cell step, LSTM's c' output, a step of
 * nn.RNN's sequence path, and the sequence's input projection, which also computes its weight
 * gradients): ops that exist only inside a
 * recurrent cell or nn.RNN, which ONNX export converts whole, as one op per registered module.
 */
export const FUSED_RECURRENT_OPS: readonly string[] = [
  "lstmCell", "gruCell", "ugrnnCell", "lstmCellState",
  "lstmStep", "gruStep", "ugrnnStep", "rnnInputProjection",
];

/** The projections' parameters: Wx [G, I], Wh [G, H], biases [G] (or null). */
export interface GateWeights {
  wx: Tensor;
  wh: Tensor;
  bx: Tensor | null;
  bh: Tensor | null;
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
    // private storage (in the kernels' memory where there is one); h' and c' are the user's
    const px = takeUninitialized(dtype, B * G, "recycled");
    const ph = takeUninitialized(dtype, B * G, "recycled");
    project(x.data, B, I, w.wx.data, G, w.bx?.data ?? null, px);
    project(h.data, B, H, w.wh.data, G, w.bh?.data ?? null, ph);
    const act = takeUninitialized(dtype, B * G, "recycled");
    const aux = lstm ? takeUninitialized(dtype, B * H, "recycled") : null;
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
        const dpx = takeUninitialized(dtype, B * G, "recycled");
        const dph = kind === "gru" ? takeUninitialized(dtype, B * G, "recycled") : null;
        const side = takeUninitialized(dtype, B * H, "recycled"); // GRU/UGRNN: h's direct gradient; LSTM: c's gradient
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
        // bx.grad[q] += Σ_b ∂px[b,q];  bh.grad[q] += Σ_b ∂ph[b,q]  (one pass when ∂ph = ∂px)
        if (gph === dpx) addBiasGrads([w.bx, w.bh], dpx, B, G);
        else {
          addBiasGrads([w.bx], dpx, B, G);
          addBiasGrads([w.bh], gph, B, G);
        }
        recycle(dpx);
        if (dph) recycle(dph);
      },
    };
  });
  if (!lstm) return [hNext, null];
  return [hNext, cellStateOutput(kind, hNext, cOut!, (g) => (gcIn = g))];
}
