/**
 * P2 — UGRNN. (a) the concat and split forms compute the same h over a sequence; (b) the key's
 * index-notation equations, implemented literally as loops, against the matrix form; (c) the key's
 * backward for the state update h^{t+1} = f^t⊙h^t + (1 − f^t)⊙d^t against autograd. All in float64;
 * identities agree within a rounding tolerance stated with them.
 */
import * as fl from "../index.js";
import { convertUGRNN, UGRNNCell } from "../nn/index.js";
import type { Claim, Measurement, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { maxAbsDiff } from "./stats.js";
import { makeClaim, type Test } from "./verdict.js";

interface Setting {
  B: number;
  I: number;
  H: number;
  T: number;
  seed: number;
}
const FULL: Setting[] = [
  { B: 3, I: 4, H: 5, T: 20, seed: 1 },
  { B: 2, I: 7, H: 3, T: 60, seed: 2 },
];
const QUICK: Setting[] = [{ B: 3, I: 4, H: 5, T: 8, seed: 1 }];

const ROUNDING: Test = { kind: "exact", tolerance: 1e-10, why: "float64 rounding" };

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** The key's part (b) as written, with `dAct` for the candidate's activation (σ in the key, tanh in the definition). */
function keyIndexStep(cell: UGRNNCell, x: fl.Tensor, h: Float64Array, dAct: (v: number) => number): Float64Array {
  const { inputSize: I, hiddenSize: H } = cell;
  const B = x.shape[0]!;
  const [wfx, wfh, wdx, wdh, bf, bd] = [cell.weight_fx!, cell.weight_fh!, cell.weight_dx!, cell.weight_dh!, cell.bias_f!, cell.bias_d!].map((t) => t.data);
  const out = new Float64Array(B * H);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < H; c++) {
      // f^t[b,c] = σ( Σ_{c'} W^{f,x}[c,c']·x[b,c'] + Σ_{c'} W^{f,h}[c,c']·h^t[b,c'] + b^f[c] )
      let fp = bf![c]!;
      let dp = bd![c]!;
      for (let j = 0; j < I; j++) (fp += wfx![c * I + j]! * x.data[b * I + j]!), (dp += wdx![c * I + j]! * x.data[b * I + j]!);
      for (let k = 0; k < H; k++) (fp += wfh![c * H + k]! * h[b * H + k]!), (dp += wdh![c * H + k]! * h[b * H + k]!);
      // d^t[b,c] = σ(…) in the key (tanh(…) in the definition)
      const f = sig(fp);
      const d = dAct(dp);
      // h^{t+1}[b,c] = f^t[b,c]·h^t[b,c] + (1 − f^t[b,c])·d^t[b,c]
      out[b * H + c] = f * h[b * H + c]! + (1 - f) * d;
    }
  return out;
}

function sequence(s: Setting): { xs: fl.Tensor[]; h0: fl.Tensor } {
  const xs = Array.from({ length: s.T }, (_, t) => fl.randn([s.B, s.I], { seed: 1000 * s.seed + t, dtype: "float64" }));
  return { xs, h0: fl.mul(0.5, fl.randn([s.B, s.H], { seed: 999 * s.seed, dtype: "float64" })) };
}

function forms(s: Setting, claims: Claim[]): void {
  const concat = new UGRNNCell(s.I, s.H, { form: "concat", dtype: "float64", seed: s.seed });
  const split = convertUGRNN(concat, "split");
  const { xs, h0 } = sequence(s);
  let hc = h0;
  let hs = h0;
  let hKey: Float64Array = Float64Array.from(h0.data);
  let hFix: Float64Array = Float64Array.from(h0.data);
  let dForms = 0;
  let dKey = 0;
  let dFix = 0;
  fl.noGrad(() => {
    for (const x of xs) {
      hc = concat.forward(x, hc);
      hs = split.forward(x, hs);
      hKey = keyIndexStep(split, x, hKey, sig);
      hFix = keyIndexStep(split, x, hFix, Math.tanh);
      dForms = Math.max(dForms, maxAbsDiff(hc.data, hs.data));
      dKey = Math.max(dKey, maxAbsDiff(hKey, hc.data));
      dFix = Math.max(dFix, maxAbsDiff(hFix, hc.data));
    }
  });
  const params = { B: s.B, I: s.I, H: s.H, T: s.T };
  const tag = `B${s.B}I${s.I}H${s.H}T${s.T}`;
  claims.push(
    makeClaim({
      id: `P2.a.${tag}`,
      statement: "(a) the split form (W^{f,x}x + W^{f,h}h) computes the same h as the concat form (W^f[x,h]): max |Δh| over all steps",
      params,
      key: 0,
      measured: dForms,
      uncertainty: 0,
      test: ROUNDING,
      note: "nn.UGRNNCell in both forms, parameters converted with convertUGRNN",
    }),
  );
  claims.push(
    makeClaim({
      id: `P2.b.${tag}`,
      statement: "(b) the key's index equations (d^t = σ(…)) compute the h of the definition: max |Δh| over all steps",
      params,
      key: 0,
      measured: dKey,
      uncertainty: 0,
      test: ROUNDING,
      corrected: { value: 0, formula: "d^t[b,c] = tanh(Σ_{c'} W^{d,x}[c,c']x^t[b,c'] + Σ_{c'} W^{d,h}[c,c']h^t[b,c'] + b^d[c])", measured: dFix },
      note: "the key's loops are implemented literally; they differ from the definition only in the candidate's activation (σ instead of tanh). Notation aside: the key writes x[b,c'] without its time step and one c' for sums of different ranges (I inputs, H hidden units)",
    }),
  );
}

/**
 * Two steps of the cell, written out so that the update op's own contributions can be read:
 * the gates of step t read h^t through `hG`, the update reads it through `hU` (same values), so
 * hU.grad is exactly what the update adds into h^t.grad.
 */
function backward(s: Setting, claims: Claim[], measurements: Measurement[]): void {
  const cell = new UGRNNCell(s.I, s.H, { form: "split", dtype: "float64", seed: s.seed });
  const { xs, h0 } = sequence(s);
  const r = fl.randn([s.B, s.H], { seed: 77 * s.seed, dtype: "float64" });
  const gates = (x: fl.Tensor, h: fl.Tensor) => {
    const pre = (wx: fl.Tensor, wh: fl.Tensor, b: fl.Tensor) => fl.add(fl.add(fl.einsum("cj,bj->bc", wx, x), fl.einsum("ck,bk->bc", wh, h)), b);
    return {
      f: fl.sigmoid(pre(cell.weight_fx!, cell.weight_fh!, cell.bias_f!)).retainGrad(),
      d: fl.tanh(pre(cell.weight_dx!, cell.weight_dh!, cell.bias_d!)).retainGrad(),
    };
  };
  const composed = (f: fl.Tensor, h: fl.Tensor, d: fl.Tensor) => fl.add(fl.mul(f, h), fl.mul(fl.sub(1, f), d)); // autograd's mul/add backward
  const run = (update: typeof composed) => {
    const hG = h0.clone().requiresGrad_();
    const hU = h0.clone().requiresGrad_();
    const t0 = gates(xs[0]!, hG);
    const h1 = update(t0.f, hU, t0.d).retainGrad();
    const t1 = gates(xs[1]!, h1);
    const h2 = update(t1.f, h1, t1.d);
    fl.sum(fl.mul(r, h2)).backward();
    return { f: t0.f, d: t0.d, h: hU, h1, f1: t1.f };
  };
  const auto = run(composed);
  const hand = run(fl.ugrnnUpdate);
  const f = auto.f.data;
  const h = h0.data;
  const d = auto.d.data;
  const n = f.length;
  const expr = (up: ArrayLike<number>, which: "f" | "h" | "d") =>
    Float64Array.from({ length: n }, (_, i) => up[i]! * (which === "f" ? h[i]! - d[i]! : which === "h" ? f[i]! : 1 - f[i]!));
  const tag = `B${s.B}I${s.I}H${s.H}`;
  const formulas = { f: "(h^t[b,c] − d^t[b,c])", h: "f^t[b,c]", d: "(1 − f^t[b,c])" };
  for (const which of ["f", "h", "d"] as const) {
    const truth = (which === "f" ? auto.f : which === "h" ? auto.h : auto.d).grad!.data;
    claims.push(
      makeClaim({
        id: `P2.c.${which}.${tag}`,
        statement: `(c) ${which}^t.grad[b,c] += f^{t+1}.grad[b,c]·${formulas[which]} equals autograd's addition: max |Δ|`,
        params: { B: s.B, I: s.I, H: s.H },
        key: 0,
        measured: maxAbsDiff(expr(auto.f1.grad!.data, which), truth),
        uncertainty: 0,
        test: ROUNDING,
        corrected: {
          value: 0,
          formula: `${which}^t.grad[b,c] += h^{t+1}.grad[b,c]·${formulas[which]}`,
          measured: maxAbsDiff(expr(auto.h1.grad!.data, which), truth),
        },
        note: "the update's output is h^{t+1}, so its gradient h^{t+1}.grad is what flows back; f^{t+1} is the next step's gate. Measured on two unrolled steps with loss Σ r⊙h^{t+2}",
      }),
    );
  }
  // The framework's hand-written op (fl.ugrnnUpdate) against autograd's composition and finite differences.
  let dHand = 0;
  for (const k of ["f", "h", "d"] as const) dHand = Math.max(dHand, maxAbsDiff(hand[k].grad!.data, auto[k].grad!.data));
  measurements.push({ name: "fl.ugrnnUpdate backward vs autograd (max |Δ|, f, h, d)", params: { B: s.B, H: s.H }, value: dHand, uncertainty: 0, reference: 0, agrees: dHand <= 1e-10 });
  // central differences of φ(f,h,d) = Σ G ⊙ ugrnnUpdate(f,h,d) with G = h^{t+1}.grad, an upstream gradient
  const G = auto.h1.grad!;
  const phi = (ff: fl.Tensor, hh: fl.Tensor, dd: fl.Tensor) => fl.noGrad(() => fl.sum(fl.mul(G, fl.ugrnnUpdate(ff, hh, dd))).item());
  const base = { f: auto.f.detach().clone(), h: h0.clone(), d: auto.d.detach().clone() };
  const eps = 1e-6;
  let dFd = 0;
  for (const k of ["f", "h", "d"] as const) {
    const grad = hand[k].grad!.data;
    for (let i = 0; i < n; i++) {
      const v = base[k].data[i]!;
      base[k].data[i] = v + eps;
      const up = phi(base.f, base.h, base.d);
      base[k].data[i] = v - eps;
      const dn = phi(base.f, base.h, base.d);
      base[k].data[i] = v;
      dFd = Math.max(dFd, Math.abs((up - dn) / (2 * eps) - grad[i]!));
    }
  }
  measurements.push({
    name: "fl.ugrnnUpdate backward vs central differences (max |Δ|)",
    params: { B: s.B, H: s.H, eps },
    value: dFd,
    uncertainty: 0,
    reference: 0,
    referenceFormula: "agrees within 1e-8 (φ is linear in each argument, so only rounding/ε remains)",
    agrees: dFd <= 1e-8,
  });
}

export const p2: Problem = {
  id: "P2",
  title: "UGRNN",
  steps: (quick) => 2 * (quick ? QUICK : FULL).length,
  async run(ctx): Promise<ProblemOutput> {
    const settings = ctx.quick ? QUICK : FULL;
    const claims: Claim[] = [];
    const measurements: Measurement[] = [];
    for (const s of settings) {
      forms(s, claims);
      await ctx.tick("P2 forms");
      backward(s, claims, measurements);
      await ctx.tick("P2 backward");
    }
    return {
      setup:
        "nn.UGRNNCell in float64 with PyTorch-style uniform initialisation; inputs x^t ∼ N(0,1), h⁰ ∼ N(0, ¼), batch, input and hidden sizes as listed. " +
        "The key's index equations are implemented literally as loops. For (c), two steps are unrolled with a random linear loss on h^{t+2}, so that both h^{t+1}.grad and the next gate's f^{t+1}.grad exist; autograd's additions come from the update written as mul/add ops. " +
        "Identities agree within 1e-10 (float64 rounding on values of order 1).",
      claims,
      measurements,
      plots: [],
    };
  },
};
