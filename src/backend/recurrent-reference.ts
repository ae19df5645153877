/**
 * The gate arithmetic of one recurrent step as plain loops: the definition the fast kernels
 * (asm/recurrent.ts) are tested against, and what float64 data and the other backends run.
 * Arrays are row-major over the batch b; j runs over the H hidden units; a gate block q of a
 * [B, G·H] array is columns q·H … q·H + H − 1, so gate q of unit j of row b sits at b·G·H + q·H + j.
 * σ(a) = 1 / (1 + e^−a).
 */
import type { TypedArray } from "../dtype.js";
import type { GateBackwardArgs, GateForwardArgs, GatedCell } from "./kernels.js";

function sigmoid(a: number): number {
  return 1 / (1 + Math.exp(-a));
}

/** Gate blocks per cell. */
export const GATE_BLOCKS: Record<GatedCell, number> = { lstm: 4, gru: 3, ugrnn: 2 };

/** One step's gate arithmetic, forward, by the definitions below (any float type). */
export function gatesForwardReference(cell: GatedCell, p: GateForwardArgs): void {
  if (cell === "lstm") lstmForward(p);
  else if (cell === "gru") gruForward(p);
  else ugrnnForward(p);
}

/** One step's gate arithmetic, backward, by the definitions below (any float type). */
export function gatesBackwardReference(cell: GatedCell, p: GateBackwardArgs): void {
  if (cell === "lstm") lstmBackward(p);
  else if (cell === "gru") gruBackward(p);
  else ugrnnBackward(p);
}

function lstmForward({ batch: B, hidden: H, px, ph, c, act, aux, hOut, cOut }: GateForwardArgs): void {
  const cs = c!, tc = aux!, co = cOut!;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 4 * H + j; // gate i of (b, j); f, g, o follow at +H, +2H, +3H
      const s = b * H + j;
      // i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)   with a_q = px[b,qH+j] + ph[b,qH+j]
      const i = sigmoid(px[g0]! + ph[g0]!);
      const f = sigmoid(px[g0 + H]! + ph[g0 + H]!);
      const g = Math.tanh(px[g0 + 2 * H]! + ph[g0 + 2 * H]!);
      const o = sigmoid(px[g0 + 3 * H]! + ph[g0 + 3 * H]!);
      act[g0] = i;
      act[g0 + H] = f;
      act[g0 + 2 * H] = g;
      act[g0 + 3 * H] = o;
      // c'[b,j] = f·c[b,j] + i·g;   h'[b,j] = o·tanh(c'[b,j])
      const cn = f * cs[s]! + i * g;
      co[s] = cn;
      const t = Math.tanh(co[s]!); // tanh of the stored (rounded) c'
      tc[s] = t;
      hOut[s] = o * tc[s]!;
    }
  }
}

function lstmBackward({ batch: B, hidden: H, gh, gc, act, aux, c, dpx, gcPrev }: GateBackwardArgs): void {
  const cs = c!, tc = aux!, gcp = gcPrev!;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 4 * H + j;
      const s = b * H + j;
      const i = act[g0]!, f = act[g0 + H]!, g = act[g0 + 2 * H]!, o = act[g0 + 3 * H]!, t = tc[s]!;
      const dh = gh ? gh[s]! : 0;
      // ∂c' = c'.grad + h'.grad·o·(1 − tanh²c')
      const dc = (gc ? gc[s]! : 0) + dh * o * (1 - t * t);
      // ∂a_i = ∂c'·g·i(1−i)  ∂a_f = ∂c'·c·f(1−f)  ∂a_g = ∂c'·i·(1−g²)  ∂a_o = h'.grad·tanh(c')·o(1−o)
      dpx[g0] = dc * g * i * (1 - i);
      dpx[g0 + H] = dc * cs[s]! * f * (1 - f);
      dpx[g0 + 2 * H] = dc * i * (1 - g * g);
      dpx[g0 + 3 * H] = dh * t * o * (1 - o);
      // c.grad[b,j] = ∂c'·f
      gcp[s] = dc * f;
    }
  }
}

function gruForward({ batch: B, hidden: H, px, ph, h, act, hOut }: GateForwardArgs): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 3 * H + j; // r of (b, j); z at +H, n at +2H
      const s = b * H + j;
      // r = σ(px_r + ph_r)  z = σ(px_z + ph_z)  n = tanh(px_n + r·ph_n)
      const r = sigmoid(px[g0]! + ph[g0]!);
      const z = sigmoid(px[g0 + H]! + ph[g0 + H]!);
      const n = Math.tanh(px[g0 + 2 * H]! + r * ph[g0 + 2 * H]!);
      act[g0] = r;
      act[g0 + H] = z;
      act[g0 + 2 * H] = n;
      // h'[b,j] = z·h[b,j] + (1 − z)·n
      hOut[s] = z * h[s]! + (1 - z) * n;
    }
  }
}

function gruBackward({ batch: B, hidden: H, gh, act, h, ph, dpx, dph, ghDirect }: GateBackwardArgs): void {
  const phs = ph!, dphs = dph!, direct = ghDirect!;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 3 * H + j;
      const s = b * H + j;
      const r = act[g0]!, z = act[g0 + H]!, n = act[g0 + 2 * H]!;
      const dh = gh ? gh[s]! : 0;
      // ∂a_n = h'.grad·(1 − z)·(1 − n²)   (a_n = px_n + r·ph_n)
      const dan = dh * (1 - z) * (1 - n * n);
      // ∂a_z = h'.grad·(h − n)·z(1−z);  ∂a_r = ∂a_n·ph_n·r(1−r)
      const daz = dh * (h[s]! - n) * z * (1 - z);
      const dar = dan * phs[g0 + 2 * H]! * r * (1 - r);
      dpx[g0] = dar;
      dpx[g0 + H] = daz;
      dpx[g0 + 2 * H] = dan;
      // ph's gradient: the same for r and z; ∂ph_n = ∂a_n·r
      dphs[g0] = dar;
      dphs[g0 + H] = daz;
      dphs[g0 + 2 * H] = dan * r;
      // h.grad[b,j] (not through W_hh) = h'.grad·z
      direct[s] = dh * z;
    }
  }
}

function ugrnnForward({ batch: B, hidden: H, px, ph, h, act, hOut }: GateForwardArgs): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 2 * H + j; // f of (b, j); d at +H
      const s = b * H + j;
      // f = σ(px_f + ph_f)  d = tanh(px_d + ph_d);   h'[b,j] = f·h[b,j] + (1 − f)·d
      const f = sigmoid(px[g0]! + ph[g0]!);
      const d = Math.tanh(px[g0 + H]! + ph[g0 + H]!);
      act[g0] = f;
      act[g0 + H] = d;
      hOut[s] = f * h[s]! + (1 - f) * d;
    }
  }
}

function ugrnnBackward({ batch: B, hidden: H, gh, act, h, dpx, ghDirect }: GateBackwardArgs): void {
  const direct = ghDirect!;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g0 = b * 2 * H + j;
      const s = b * H + j;
      const f = act[g0]!, d = act[g0 + H]!;
      const dh = gh ? gh[s]! : 0;
      // ∂a_f = h'.grad·(h − d)·f(1−f);  ∂a_d = h'.grad·(1 − f)·(1 − d²);  h.grad (direct) = h'.grad·f
      dpx[g0] = dh * (h[s]! - d) * f * (1 - f);
      dpx[g0 + H] = dh * (1 - f) * (1 - d * d);
      direct[s] = dh * f;
    }
  }
}

/** out[q] += Σ_r g[r·cols + q]   for r < rows, q < cols (a bias gradient from a row-major [rows, cols] gradient). */
export function addColumnSumsReference(g: TypedArray, rows: number, cols: number, out: TypedArray): void {
  checkColumnSums(g, rows, cols, out);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let q = 0; q < cols; q++) out[q] = out[q]! + g[o + q]!;
  }
}

/** Checks `addColumnSums`' array lengths (a wrong length would read or write out of bounds in wasm). */
export function checkColumnSums(g: TypedArray, rows: number, cols: number, out: TypedArray): void {
  if (g.length < rows * cols) throw new RangeError(`addColumnSums: g has ${g.length} elements, needs ${rows * cols} (rows ${rows} × cols ${cols})`);
  if (out.length < cols) throw new RangeError(`addColumnSums: out has ${out.length} elements, needs ${cols} (cols)`);
}

/** Checks a gate call's array lengths (a wrong length would read or write out of bounds in wasm). */
export function checkGateArrays(op: string, cell: GatedCell, batch: number, hidden: number, arrays: Record<string, TypedArray | null>): void {
  const wide = batch * GATE_BLOCKS[cell] * hidden;
  for (const [name, a] of Object.entries(arrays)) {
    if (a === null) continue;
    const want = ["px", "ph", "act", "dpx", "dph"].includes(name) ? wide : batch * hidden;
    if (a.length < want) throw new RangeError(`${op} (${cell}): ${name} has ${a.length} elements, needs ${want} (batch ${batch}, hidden ${hidden})`);
  }
}
