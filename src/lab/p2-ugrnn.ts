/**
 * P2 — UGRNN. (a) the concat and split forms compute the same h over a sequence; (b) each of the
 * key's index equations, implemented literally as loops, against the definition (nn.UGRNNCell); (c)
 * each line of the key's backward for h^{t+1} = f^t⊙h^t + (1 − f^t)⊙d^t against autograd. All in
 * float64; identities agree within a rounding tolerance stated with them. Every line is also run in a
 * plausibly wrong variant (a negative control) on the same data, which must be rejected.
 */
import * as fl from "../index.js";
import { convertUGRNN, UGRNNCell } from "../nn/index.js";
import type { Measurement, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { checkSet, controlByChecks, decide, type CheckTest, type Statement } from "./statement.js";
import { maxAbsDiff } from "./stats.js";

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

const ROUNDING: CheckTest = { kind: "exact", tolerance: 1e-10, why: "float64 rounding" };

const KEY = {
  a: "$$f^t = \\sigma(W^{f,x}x^t + W^{f,h}h^t + b^f)$$ $$d^t = \\tanh(W^{d,x}x^t + W^{d,h}h^t + b^d)$$",
  bh: "$$h^{t+1}[b, c] = f^t[b, c]h^t[b, c] + (1 - f^t[b, c])d^t[b, c]$$",
  bf: "$$f^t[b, c] = \\sigma \\left(\\left(\\sum_{c'} W^{f,x}[c, c']x[b, c'] \\right) + \\left(\\sum_{c'} W^{f,h}[c, c']h^t[b, c'] \\right) + b^f[c] \\right)$$",
  bd: "$$d^t[b, c] = \\sigma \\left(\\left(\\sum_{c'} W^{d,x}[c, c']x[b, c'] \\right) + \\left(\\sum_{c'} W^{d,h}[c, c']h^t[b, c'] \\right) + b^d[c] \\right)$$",
  cf: "$$f^t.\\text{grad}[b, c] += f^{t+1}.\\text{grad}[b, c](h^t[b, c] - d^t[b, c])$$",
  ch: "$$h^t.\\text{grad}[b, c] += f^{t+1}.\\text{grad}[b, c]f^t[b, c]$$",
  cd: "$$d^t.\\text{grad}[b, c] += f^{t+1}.\\text{grad}[b, c](1 - f^t[b, c])$$",
};

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const ident = (v: number) => v;

/** How a variant of the key's loops computes one step (the key as written is fAct = σ, dAct = σ, x = x^t). */
interface Variant {
  fAct: (v: number) => number;
  dAct: (v: number) => number;
  /** Literal reading of x[b,c'] without a time index: the same x (x¹) at every step. */
  xFixed?: boolean;
  /** h^{t+1} = f⊙d + (1 − f)⊙h instead of f⊙h + (1 − f)⊙d. */
  swapGates?: boolean;
  noBiasD?: boolean;
  noBiasF?: boolean;
}

/** One step of the key's part (b) as loops: f^t[b,c], d^t[b,c], then h^{t+1}[b,c]. */
function keyIndexStep(cell: UGRNNCell, x: fl.Tensor, h: Float64Array, v: Variant): Float64Array {
  const { inputSize: I, hiddenSize: H } = cell;
  const B = x.shape[0]!;
  const [wfx, wfh, wdx, wdh, bf, bd] = [cell.weight_fx!, cell.weight_fh!, cell.weight_dx!, cell.weight_dh!, cell.bias_f!, cell.bias_d!].map((t) => t.data);
  const out = new Float64Array(B * H);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < H; c++) {
      // f^t[b,c] = σ( Σ_{c'} W^{f,x}[c,c']·x[b,c'] + Σ_{c'} W^{f,h}[c,c']·h^t[b,c'] + b^f[c] ), d^t likewise
      let fp = v.noBiasF ? 0 : bf![c]!;
      let dp = v.noBiasD ? 0 : bd![c]!;
      for (let j = 0; j < I; j++) (fp += wfx![c * I + j]! * x.data[b * I + j]!), (dp += wdx![c * I + j]! * x.data[b * I + j]!);
      for (let k = 0; k < H; k++) (fp += wfh![c * H + k]! * h[b * H + k]!), (dp += wdh![c * H + k]! * h[b * H + k]!);
      const f = v.fAct(fp);
      const d = v.dAct(dp);
      // h^{t+1}[b,c] = f^t[b,c]·h^t[b,c] + (1 − f^t[b,c])·d^t[b,c]
      out[b * H + c] = v.swapGates ? f * d + (1 - f) * h[b * H + c]! : f * h[b * H + c]! + (1 - f) * d;
    }
  return out;
}

function sequence(s: Setting): { xs: fl.Tensor[]; h0: fl.Tensor } {
  const xs = Array.from({ length: s.T }, (_, t) => fl.randn([s.B, s.I], { seed: 1000 * s.seed + t, dtype: "float64" }));
  return { xs, h0: fl.mul(0.5, fl.randn([s.B, s.H], { seed: 999 * s.seed, dtype: "float64" })) };
}

/** max over steps of |h_variant − h_definition| for each variant, and split vs concat. */
function forms(s: Setting, variants: Record<string, Variant>): { split: number; v: Record<string, number> } {
  const concat = new UGRNNCell(s.I, s.H, { form: "concat", dtype: "float64", seed: s.seed });
  const split = convertUGRNN(concat, "split");
  const { xs, h0 } = sequence(s);
  let hc = h0;
  let hs = h0;
  const hv: Record<string, Float64Array> = Object.fromEntries(Object.keys(variants).map((k) => [k, Float64Array.from(h0.data)]));
  const dv: Record<string, number> = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
  let dSplit = 0;
  fl.noGrad(() => {
    for (const x of xs) {
      hc = concat.forward(x, hc);
      hs = split.forward(x, hs);
      dSplit = Math.max(dSplit, maxAbsDiff(hc.data, hs.data));
      for (const [k, v] of Object.entries(variants)) {
        hv[k] = keyIndexStep(split, v.xFixed ? xs[0]! : x, hv[k]!, v);
        dv[k] = Math.max(dv[k]!, maxAbsDiff(hv[k]!, hc.data));
      }
    }
  });
  return { split: dSplit, v: dv };
}

/**
 * Two steps of the cell, written out so that the update op's own contributions can be read: the
 * gates of step t read h^t through `hG`, the update reads it through `hU` (same values), so hU.grad
 * is exactly what the update adds into h^t.grad.
 */
function backward(s: Setting): { err: Record<string, number>; hand: number } {
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
  const factor: Record<string, (i: number) => number> = {
    f: (i) => h[i]! - d[i]!,
    h: (i) => f[i]!,
    d: (i) => 1 - f[i]!,
    fFlip: (i) => d[i]! - h[i]!,
    hWrong: (i) => 1 - f[i]!,
    dWrong: (i) => f[i]!,
  };
  const truth = { f: auto.f.grad!.data, h: auto.h.grad!.data, d: auto.d.grad!.data };
  const err: Record<string, number> = {};
  const expr = (up: ArrayLike<number>, fac: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => up[i]! * fac(i));
  for (const w of ["f", "h", "d"] as const) {
    err[`key.${w}`] = maxAbsDiff(expr(auto.f1.grad!.data, factor[w]!), truth[w]);
    err[`fix.${w}`] = maxAbsDiff(expr(auto.h1.grad!.data, factor[w]!), truth[w]);
  }
  err["ctl.f"] = maxAbsDiff(expr(auto.h1.grad!.data, factor["fFlip"]!), truth.f);
  err["ctl.h"] = maxAbsDiff(expr(auto.h1.grad!.data, factor["hWrong"]!), truth.h);
  err["ctl.d"] = maxAbsDiff(expr(auto.h1.grad!.data, factor["dWrong"]!), truth.d);
  let dHand = 0;
  for (const k of ["f", "h", "d"] as const) dHand = Math.max(dHand, maxAbsDiff(hand[k].grad!.data, auto[k].grad!.data));
  return { err, hand: dHand };
}

/** P2: the UGRNN equations, index form and backward. */
export const p2: Problem = {
  id: "P2",
  title: "UGRNN",
  steps: (quick) => 2 * (quick ? QUICK : FULL).length,
  async run(ctx): Promise<ProblemOutput> {
    const settings = ctx.quick ? QUICK : FULL;
    const variants: Record<string, Variant> = {
      key: { fAct: sig, dAct: sig },
      fixed: { fAct: sig, dAct: Math.tanh },
      literalX: { fAct: sig, dAct: Math.tanh, xFixed: true },
      swap: { fAct: sig, dAct: Math.tanh, swapGates: true },
      fTanh: { fAct: Math.tanh, dAct: Math.tanh },
      noBiasD: { fAct: sig, dAct: Math.tanh, noBiasD: true },
      noBiasF: { fAct: sig, dAct: Math.tanh, noBiasF: true },
      dIdent: { fAct: sig, dAct: ident },
    };
    const fw: { s: Setting; r: ReturnType<typeof forms> }[] = [];
    const bw: { s: Setting; r: ReturnType<typeof backward> }[] = [];
    const measurements: Measurement[] = [];
    for (const s of settings) {
      fw.push({ s, r: forms(s, variants) });
      await ctx.tick("P2 forms");
      bw.push({ s, r: backward(s) });
      await ctx.tick("P2 backward");
    }
    const P = (s: Setting) => ({ B: s.B, I: s.I, H: s.H, T: s.T });
    const fset = (formula: string, get: (r: ReturnType<typeof forms>) => number) => checkSet(formula, ROUNDING, fw.map(({ s, r }) => ({ params: P(s), value: 0, measured: get(r) })));
    const bset = (formula: string, key: string) => checkSet(formula, ROUNDING, bw.map(({ s, r }) => ({ params: { B: s.B, I: s.I, H: s.H }, value: 0, measured: r.err[key]! })));
    const worst = (get: (r: ReturnType<typeof forms>) => number) => Math.max(...fw.map(({ r }) => get(r))).toExponential(1);
    const statements: Statement[] = [];
    const swapControl = controlByChecks("h^{t+1} = f^t⊙d^t + (1 − f^t)⊙h^t (gate roles swapped)", "the other common convention for which term the gate keeps", fset("max |h − h_def| with swapped gates", (r) => r.v["swap"]!));
    statements.push(
      decide({
        id: "P2.a",
        part: "a",
        key: KEY.a,
        kind: "exact",
        checks: fset("max_t |h_split − h_concat| (nn.UGRNNCell, parameters split by convertUGRNN)", (r) => r.split),
        controls: [controlByChecks("f^t = σ(W^{f,x}x^t + W^{f,h}h^t) (bias b^f dropped in the split)", "losing the bias when splitting W^f", fset("max |h − h_def| without b^f", (r) => r.v["noBiasF"]!))],
        measurement: `split and concat forms give the same h over all steps (max |Δh| = ${worst((r) => r.split)})`,
      }),
    );
    statements.push(
      decide({
        id: "P2.b.1",
        part: "b",
        key: KEY.bh,
        kind: "exact",
        checks: fset("max_t |h_loops − h_def| with the gates of the definition", (r) => r.v["fixed"]!),
        controls: [swapControl],
        measurement: `the loops give the definition's h (max |Δh| = ${worst((r) => r.v["fixed"]!)}); with swapped gates ${worst((r) => r.v["swap"]!)}`,
      }),
    );
    const readingX = "x[b, c'] is x^t[b, c'] (the input at step t), and c' runs over the I inputs in the first sum and the H hidden units in the second";
    statements.push(
      decide({
        id: "P2.b.2",
        part: "b",
        key: KEY.bf,
        kind: "exact",
        reading: {
          how: readingX,
          checks: fset("max_t |h − h_def| with x^t", (r) => r.v["fixed"]!),
          literal: fset("max_t |h − h_def| with one x at every step (x without time index)", (r) => r.v["literalX"]!),
        },
        controls: [controlByChecks("f^t = tanh(…) (tanh for the gate's σ)", "mixing up the two activations", fset("max |h − h_def| with a tanh gate", (r) => r.v["fTanh"]!))],
        measurement: `read with x^t the loops equal the definition (${worst((r) => r.v["fixed"]!)}); read literally (one x for all t) max |Δh| = ${worst((r) => r.v["literalX"]!)}`,
      }),
    );
    statements.push(
      decide({
        id: "P2.b.3",
        part: "b",
        key: KEY.bd,
        kind: "exact",
        checks: fset("max_t |h_key − h_def| (d^t with σ, as the key writes)", (r) => r.v["key"]!),
        correction: {
          line: "d^t[b, c] = tanh((Σ_{c'} W^{d,x}[c, c']x^t[b, c']) + (Σ_{c'} W^{d,h}[c, c']h^t[b, c']) + b^d[c])",
          reason: "the candidate d^t is tanh(…) in the key's own definition and in part (a); part (b) writes σ",
          typo: true,
          checks: fset("max_t |h − h_def| with tanh", (r) => r.v["fixed"]!),
        },
        controls: [
          controlByChecks("d^t = tanh(W^{d,x}x^t + W^{d,h}h^t) (bias b^d dropped)", "forgetting the bias in the index form", fset("max |h − h_def| without b^d", (r) => r.v["noBiasD"]!)),
          controlByChecks("d^t = W^{d,x}x^t + W^{d,h}h^t + b^d (no activation)", "dropping the nonlinearity", fset("max |h − h_def| with a linear d", (r) => r.v["dIdent"]!)),
        ],
        measurement: `with σ the loops' h differs from the definition by up to ${worst((r) => r.v["key"]!)}; with tanh by ${worst((r) => r.v["fixed"]!)}`,
      }),
    );
    const cLines = [
      ["f", KEY.cf, "(h^t[b,c] − d^t[b,c])", "f^t.grad[b,c] += h^{t+1}.grad[b,c](d^t[b,c] − h^t[b,c]) (sign flipped)", "taking ∂h/∂f with the terms the other way round"],
      ["h", KEY.ch, "f^t[b,c]", "h^t.grad[b,c] += h^{t+1}.grad[b,c](1 − f^t[b,c])", "swapping which term the gate multiplies"],
      ["d", KEY.cd, "(1 − f^t[b,c])", "d^t.grad[b,c] += h^{t+1}.grad[b,c]f^t[b,c]", "swapping which term the gate multiplies"],
    ] as const;
    for (const [w, key, fac, alt, why] of cLines) {
      const worstB = (k: string) => Math.max(...bw.map(({ r }) => r.err[k]!)).toExponential(1);
      statements.push(
        decide({
          id: `P2.c.${w}`,
          part: "c",
          key,
          kind: "exact",
          checks: bset(`max |${w}^t.grad_key − autograd| with f^{t+1}.grad`, `key.${w}`),
          correction: {
            line: `${w}^t.grad[b, c] += h^{t+1}.grad[b, c]${fac}`,
            reason: "the update's output is h^{t+1}, so h^{t+1}.grad flows back; f^{t+1} is the next step's gate",
            typo: true,
            checks: bset(`max |${w}^t.grad − autograd| with h^{t+1}.grad`, `fix.${w}`),
          },
          controls: [controlByChecks(alt, why, bset(alt, `ctl.${w}`))],
          measurement: `against autograd on two unrolled steps: with f^{t+1}.grad max |Δ| = ${worstB(`key.${w}`)}, with h^{t+1}.grad ${worstB(`fix.${w}`)}`,
        }),
      );
    }
    measurements.push({
      name: "fl.ugrnnUpdate backward vs autograd's composition (max |Δ| over f, h, d)",
      params: { settings: bw.length },
      value: Math.max(...bw.map(({ r }) => r.hand)),
      uncertainty: 0,
      reference: 0,
      agrees: Math.max(...bw.map(({ r }) => r.hand)) <= 1e-10,
    });
    return {
      setup:
        "nn.UGRNNCell in float64 with PyTorch-style uniform initialisation; inputs x^t ∼ N(0,1), h⁰ ∼ N(0, ¼); settings " +
        settings.map((s) => `B=${s.B} I=${s.I} H=${s.H} T=${s.T}`).join(", ") +
        ". The key's index equations are implemented literally as loops and run over the whole sequence against the cell; each variant (the key, the corrected line, a literal reading, a wrong alternative) changes one thing. " +
        "For (c), two steps are unrolled with a random linear loss on h^{t+2}, so that both h^{t+1}.grad and the next gate's f^{t+1}.grad exist; autograd's additions come from the update written as mul/add ops. Identities agree within 1e-10 (float64 rounding on values of order 1).",
      statements,
      measurements,
      plots: [],
    };
  },
};
