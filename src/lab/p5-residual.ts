/**
 * P5 — residual initialisation. L layers of x ← x + Conv(W^ℓ, x) (C channels, N×N filters, weights
 * N(0, σ_w²)) built from nn.ResidualBlock and nn.Conv2d with *circular* padding: on a torus every pixel
 * has the same N²·C inputs, so the key's counting argument holds at every position. In fact, for any
 * x^ℓ, E_W[mean (x^ℓ + Conv(W, x^ℓ))²] = (1 + N²Cσ_w²)·mean (x^ℓ)² exactly (cross terms have E W = 0),
 * so (a), (b), (d) are exact statements about expectations over the weights, and seeds measure them.
 * "Variance" is measured as the mean square over all B·C·D² entries, divided by the input's own
 * (x^0 is drawn N(0,1); dividing by its sample mean square removes that sampling noise).
 */
import * as fl from "../index.js";
import { Conv2d, ResidualBlock, ReLU, Sequential, Sigmoid, Tanh, init as nnInit, type Module } from "../nn/index.js";
import { Generator } from "../random.js";
import type { Claim, Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { LabContext, Problem } from "./problem.js";
import { meanSe, relDiff } from "./stats.js";
import { makeClaim } from "./verdict.js";

interface Config {
  B: number;
  C: number;
  N: number;
  D: number;
  L: number;
  /** N²·C·σ_w² for (a), (b), (d). */
  eps: number;
  seeds: number;
  cLayers: number[];
  cD: number;
  cSeeds: number;
  eScales: number[];
}
const FULL: Config = { B: 4, C: 8, N: 3, D: 16, L: 12, eps: 0.2, seeds: 64, cLayers: [1, 2, 4, 8, 16, 32], cD: 8, cSeeds: 128, eScales: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6] };
const QUICK: Config = { B: 2, C: 4, N: 3, D: 8, L: 6, eps: 0.2, seeds: 40, cLayers: [1, 4], cD: 8, cSeeds: 16, eScales: [1e-2, 1e-4, 1e-5, 1e-6] };

type Act = "none" | "tanh" | "relu" | "sigmoid";

/** L residual blocks x + act(Conv(W^ℓ, x)), circular padding, no bias, W^ℓ = std·(standard normals from `seed`). */
function stack(L: number, C: number, N: number, std: number, seed: number, act: Act = "none"): ResidualBlock[] {
  const gen = new Generator(seed);
  const blocks: ResidualBlock[] = [];
  for (let l = 0; l < L; l++) {
    const conv = new Conv2d(C, C, N, { padding: "same", paddingMode: "circular", bias: false, dtype: "float64", generator: gen });
    const w = conv.weight.data;
    for (let i = 0; i < w.length; i++) w[i] = std * gen.normal();
    const body: Module = act === "none" ? conv : new Sequential(conv, act === "relu" ? new ReLU() : act === "tanh" ? new Tanh() : new Sigmoid());
    blocks.push(new ResidualBlock(body));
  }
  return blocks;
}

/** The block's only parameter: its convolution's weight. */
function weightOf(b: ResidualBlock): fl.Tensor {
  return [...b.parameters()][0]!;
}

function meanSquare(t: fl.Tensor): number {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.data[i]! ** 2;
  return s / t.size;
}

/** Forward through the blocks keeping every x^ℓ (ℓ = 0…L), gradients retained. */
function forwardAll(blocks: ResidualBlock[], x0: fl.Tensor): fl.Tensor[] {
  const xs = [x0];
  let x = x0;
  for (const b of blocks) {
    x = (b.forward(x) as fl.Tensor).retainGrad();
    xs.push(x);
  }
  return xs;
}

function input(cfg: { B: number; C: number }, D: number, seed: number, requiresGrad = false): fl.Tensor {
  return fl.randn([cfg.B, cfg.C, D, D], { seed, dtype: "float64", requiresGrad });
}

async function variances(ctx: LabContext, cfg: Config, claims: Claim[], plots: PlotSpec[]): Promise<void> {
  const { B, C, N, D, L, eps } = cfg;
  const sw = Math.sqrt(eps / (N * N * C));
  const act: number[][] = Array.from({ length: L + 1 }, () => []);
  const grad: number[][] = Array.from({ length: L + 1 }, () => []);
  const ratios: number[][] = Array.from({ length: L }, () => []); // per seed σ²_{ℓ+1}/σ²_ℓ
  for (let s = 0; s < cfg.seeds; s++) {
    const blocks = stack(L, C, N, sw, 100 + s);
    const xs = forwardAll(blocks, input({ B, C }, D, 500 + s, true));
    xs[L]!.backward(fl.randn(xs[L]!.shape, { seed: 900 + s, dtype: "float64" })); // x^L.grad iid N(0,1)
    const m0 = meanSquare(xs[0]!);
    const gL = meanSquare(xs[L]!.grad!);
    for (let l = 0; l <= L; l++) {
      act[l]!.push(meanSquare(xs[l]!) / m0);
      grad[l]!.push(meanSquare(xs[l]!.grad!) / gL);
    }
    for (let l = 0; l < L; l++) ratios[l]!.push(meanSquare(xs[l + 1]!) / meanSquare(xs[l]!));
    if (s % Math.ceil(cfg.seeds / 4) === 0) await ctx.tick("P5 variances");
  }
  const params = { C, N, D, B, sigma_w: sw, seeds: cfg.seeds };
  for (const l of [Math.floor(L / 2), L - 1]) {
    const m = meanSe(ratios[l]!);
    claims.push(
      makeClaim({
        id: `P5.a.l${l}`,
        statement: "(a) σ²_{ℓ+1} / σ²_ℓ = 1 + N²Cσ_w²",
        params: { ...params, layer: l },
        key: 1 + eps,
        measured: m.mean,
        uncertainty: m.se,
        test: { kind: "statistical" },
      }),
    );
  }
  const show = [...new Set([1, Math.round(L / 2), L])];
  const actM = act.map(meanSe);
  const gradM = grad.map(meanSe);
  for (const l of show) {
    claims.push(
      makeClaim({
        id: `P5.b.l${l}`,
        statement: "(b) σ²_ℓ = (1 + N²Cσ_w²)^ℓ",
        params: { ...params, layer: l },
        key: (1 + eps) ** l,
        measured: actM[l]!.mean,
        uncertainty: actM[l]!.se,
        test: { kind: "statistical" },
      }),
    );
  }
  for (const l of [...new Set([0, Math.round(L / 2), L - 1])]) {
    claims.push(
      makeClaim({
        id: `P5.d.l${l}`,
        statement: "(d) σ²_{ℓ,grad} = (1 + N²Cσ_w²)^{L−ℓ}  (x^L.grad iid, unit variance)",
        params: { ...params, L, layer: l },
        key: (1 + eps) ** (L - l),
        measured: gradM[l]!.mean,
        uncertainty: gradM[l]!.se,
        test: { kind: "statistical" },
      }),
    );
  }
  const layers = Array.from({ length: L + 1 }, (_, l) => l);
  const bar = (m: { mean: number; se: number }, x: number) => ({ x, y: m.mean, lo: m.mean - m.se, hi: m.mean + m.se });
  plots.push({
    id: "P5-variance-depth",
    title: `P5: activation and gradient variance against depth (N²Cσ_w² = ${eps})`,
    xTitle: "layer ℓ",
    xIntegers: true,
    yTitle: "variance (relative to x⁰, resp. x^L.grad)",
    logY: true,
    series: [
      { name: "activations, measured (±1σ)", kind: "measured", points: layers.map((l) => bar(actM[l]!, l)) },
      { name: "key: (1 + N²Cσ_w²)^ℓ", kind: "key", points: layers.map((l) => ({ x: l, y: (1 + eps) ** l })) },
      { name: "gradients, measured (±1σ)", kind: "measured", points: layers.map((l) => bar(gradM[l]!, l)) },
      { name: "key: (1 + N²Cσ_w²)^{L−ℓ}", kind: "key", points: layers.map((l) => ({ x: l, y: (1 + eps) ** (L - l) })) },
    ],
  });
}

async function target(ctx: LabContext, cfg: Config, claims: Claim[], plots: PlotSpec[], measurements: Measurement[]): Promise<void> {
  const { B, C, N } = cfg;
  const D = cfg.cD;
  const meas: { x: number; y: number; lo: number; hi: number }[] = [];
  for (const L of cfg.cLayers) {
    const sw = nnInit.residualSigma(L, N, C); // the key's σ_w = √(ln 2 / (L N² C))
    const finals: number[] = [];
    for (let s = 0; s < cfg.cSeeds; s++) {
      const blocks = stack(L, C, N, sw, 3000 + 97 * L + s);
      const x0 = input({ B, C }, D, 4000 + 97 * L + s);
      const xs = fl.noGrad(() => forwardAll(blocks, x0));
      finals.push(meanSquare(xs[L]!) / meanSquare(x0));
    }
    const m = meanSe(finals);
    const exact = (1 + Math.LN2 / L) ** L;
    meas.push({ x: L, y: m.mean, lo: m.mean - m.se, hi: m.mean + m.se });
    claims.push(
      makeClaim({
        id: `P5.c.L${L}`,
        statement: "(c) with σ_w = √(ln 2/(L N² C)), σ_L² = 2",
        params: { L, C, N, D, B, sigma_w: sw, seeds: cfg.cSeeds },
        key: 2,
        measured: m.mean,
        uncertainty: m.se,
        test: { kind: "statistical" },
        corrected: { value: exact, formula: "σ_L² = (1 + ln2/L)^L < 2 (the step (1+ε)^L ≈ e^{εL} overestimates); σ_L² = 2 exactly needs σ_w = √((2^{1/L} − 1)/(N²C))" },
        note: `the approximation (1+ε)^L ≈ e^{εL} alone accounts for 2 − (1 + ln2/L)^L = ${(2 - exact).toPrecision(3)} at L = ${L}`,
      }),
    );
    await ctx.tick(`P5 (c) L=${L}`);
  }
  measurements.push({
    name: "σ_w that gives σ_L² = 2 exactly, relative to the key's",
    params: { L: cfg.cLayers[0]!, N, C },
    value: Math.sqrt((2 ** (1 / cfg.cLayers[0]!) - 1) / (N * N * C)) / nnInit.residualSigma(cfg.cLayers[0]!, N, C),
    uncertainty: 0,
    referenceFormula: "√((2^{1/L} − 1)/(N²C)) / √(ln 2/(L N² C)); → 1 as L → ∞",
  });
  const Ls = cfg.cLayers;
  const dense = Array.from({ length: 40 }, (_, i) => Math.exp(Math.log(Ls[0]!) + ((Math.log(Ls[Ls.length - 1]!) - Math.log(Ls[0]!)) * i) / 39));
  plots.push({
    id: "P5-target",
    title: "P5 (c): σ_L² with the key's σ_w against depth L",
    xTitle: "layers L",
    yTitle: "σ_L²",
    logX: true,
    series: [
      { name: "measured (±1σ)", kind: "measured", points: meas },
      { name: "key: 2", kind: "key", points: dense.map((x) => ({ x, y: 2 })) },
      { name: "corrected: (1 + ln2/L)^L", kind: "corrected", points: dense.map((x) => ({ x, y: (1 + Math.LN2 / x) ** x })) },
    ],
  });
}

/** Σ_{b,i,j} gy[b,c,i,j]·mask[b,c,i,j]·x[b,c',i+di−p, j+dj−p] (circular), the swap rule summed over positions. */
function swapSum(gy: fl.Tensor, x: fl.Tensor, N: number, mask: fl.Tensor | null, only?: [number, number, number]): Float64Array {
  const [B, C, D] = x.shape as [number, number, number, number];
  const p = Math.floor(N / 2);
  const out = new Float64Array(C * C * N * N);
  const g = gy.data;
  const xd = x.data;
  const md = mask?.data;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) {
          if (only && (b !== only[0] || i !== only[1] || j !== only[2])) continue;
          const gi = ((b * C + c) * D + i) * D + j;
          const gv = g[gi]! * (md ? md[gi]! : 1);
          if (gv === 0) continue;
          for (let c2 = 0; c2 < C; c2++)
            for (let di = 0; di < N; di++)
              for (let dj = 0; dj < N; dj++) {
                const r = (i + di - p + D) % D;
                const s = (j + dj - p + D) % D;
                // W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',i+di−p, j+dj−p]
                out[((c * C + c2) * N + di) * N + dj] += gv * xd[((b * C + c2) * D + r) * D + s]!;
              }
        }
  return out;
}

async function limit(ctx: LabContext, cfg: Config, claims: Claim[], plots: PlotSpec[]): Promise<void> {
  const B = 2;
  const C = 4;
  const N = 3;
  const D = 8;
  const L = 4;
  const x0 = input({ B, C }, D, 77);
  const g = fl.randn([B, C, D, D], { seed: 78, dtype: "float64" });
  const scales = cfg.eScales;
  const acts: Act[] = ["none", "tanh", "relu", "sigmoid"];
  // closed forms at the limit: x^ℓ = x⁰ and x^{ℓ+1}.grad = x^L.grad for every ℓ
  const sum = swapSum(g, x0, N, null);
  const single = swapSum(g, x0, N, null, [0, 0, 0]);
  const dirs = stack(L, C, N, 1, 79); // the directions Ŵ^ℓ (σ_w = 1)
  const reluLimit = dirs.map((b) => {
    const pre = fl.noGrad(() => fl.conv2d(x0, weightOf(b), null, { padding: "same", paddingMode: "circular" }));
    const mask = fl.tensor(Float64Array.from(pre.data, (v) => (v > 0 ? 1 : 0)), pre.shape, { dtype: "float64" });
    return swapSum(g, x0, N, mask);
  });
  const across = (gs: ArrayLike<number>[]) => Math.max(...gs.slice(1).map((q) => relDiff(q, gs[0]!)));
  const reluAcross = across(reluLimit);
  // with a sigmoid: σ(Conv(W,x)) → ½, so x^ℓ → x⁰ + ℓ/2, x^{ℓ+1}.grad → x^L.grad, and W^ℓ.grad → σ'(0)·Σ g·x^ℓ = ¼·Σ g·(x⁰ + ℓ/2)
  const sigmoidLimit = dirs.map((_, l) => swapSum(g, fl.add(x0, l / 2), N, null).map((v) => v / 4));
  const sigmoidAcross = across(sigmoidLimit);

  const q: Record<string, number[]> = {};
  const push = (k: string, v: number) => (q[k] ??= []).push(v);
  for (const act of acts) {
    for (const s of scales) {
      const blocks = stack(L, C, N, s, 79, act); // W^ℓ = s·Ŵ^ℓ: the same directions, shrinking scale
      const xs = forwardAll(blocks, x0.detach());
      xs[L]!.backward(g);
      const grads = blocks.map((b) => weightOf(b).grad!.data);
      push(`across.${act}`, across(grads));
      if (act === "none") {
        push("swap.sum", Math.max(...grads.map((gr) => relDiff(gr, sum))));
        push("swap.single", Math.max(...grads.map((gr) => relDiff(gr, single))));
      }
      if (act === "relu") push("limit.relu", Math.max(...grads.map((gr, l) => relDiff(gr, reluLimit[l]!))));
    }
    await ctx.tick(`P5 (e) ${act}`);
  }
  // The limit σ_w → 0 of a quantity q(σ_w) = q* + a·σ_w + …, from the two smallest scales:
  // q* = q(s₂) − (q(s₁) − q(s₂))·s₂/(s₁ − s₂), uncertainty |q(s₂) − q*| (the size of the remaining step).
  const n = scales.length;
  const s1 = scales[n - 2]!;
  const s2 = scales[n - 1]!;
  const lim = (k: string) => {
    const v = q[k]!;
    const est = v[n - 1]! - ((v[n - 2]! - v[n - 1]!) * s2) / (s1 - s2);
    return { value: est, unc: Math.abs(v[n - 1]! - est) + 1e-12 };
  };
  const params = { B, C, N, D, L, sigma_w_min: s2 };
  const sw = lim("swap.single");
  const ss = lim("swap.sum");
  claims.push(
    makeClaim({
      id: "P5.e.swap",
      statement: "(e) lim σ_w→0 W^ℓ.grad[Δi,Δj,c',c] = x^L.grad[i,j,c]·x^ℓ[i+Δi,j+Δj,c'] (max_ℓ relative difference, extrapolated to σ_w = 0)",
      params,
      key: 0,
      measured: sw.value,
      uncertainty: sw.unc,
      test: { kind: "statistical" },
      corrected: {
        value: 0,
        formula: "W^ℓ.grad[c,c',Δi,Δj] = Σ_{b,i,j} x^L.grad[b,c,i,j]·x⁰[b,c',i+Δi,j+Δj] (summed over batch and positions)",
        measured: ss.value,
        uncertainty: ss.unc,
      },
      note: "the key's right side has free indices i, j (and no batch index); read literally it is one position's term (here b = i = j = 0). Read as '+=' inside loops over b, i, j it is the corrected form. σ here is the extrapolation error, not a standard error",
    }),
  );
  for (const act of acts) {
    const m = lim(`across.${act}`);
    claims.push(
      makeClaim({
        id: `P5.e.layers.${act}`,
        statement: "(e) lim σ_w→0 W^ℓ.grad = W⁰.grad for all ℓ, for any activation (max_ℓ relative difference, extrapolated)",
        params: { ...params, activation: act === "none" ? "none: x + Conv(W,x)" : `x + ${act}(Conv(W,x))` },
        key: 0,
        measured: m.value,
        uncertainty: m.unc,
        test: { kind: "statistical" },
        corrected:
          act === "relu"
            ? { value: reluAcross, formula: "with a ReLU: W^ℓ.grad → Σ_{b,i,j} x^L.grad[b,c,i,j]·1[Conv(Ŵ^ℓ,x⁰)[b,c,i,j] > 0]·x⁰[b,c',i+Δi,j+Δj]: the mask depends on the direction Ŵ^ℓ, so layers differ" }
            : act === "sigmoid"
              ? { value: sigmoidAcross, formula: "with a sigmoid: σ(Conv) → ½ shifts x^ℓ → x⁰ + ℓ/2, so W^ℓ.grad → ¼·Σ_{b,i,j} x^L.grad[b,c,i,j]·(x⁰[b,c',i+Δi,j+Δj] + ℓ/2)" }
              : null,
        note: "W^ℓ = σ_w·Ŵ^ℓ with fixed random directions Ŵ^ℓ; σ is the extrapolation error",
      }),
    );
  }
  const lr = lim("limit.relu");
  claims.push(
    makeClaim({
      id: "P5.e.limit.relu",
      statement: "(e) with a ReLU, W^ℓ.grad still has a limit as σ_w → 0 (relative distance to the masked limit, extrapolated)",
      params,
      key: 0,
      measured: lr.value,
      uncertainty: lr.unc,
      test: { kind: "statistical" },
      note: "the limit exists along a fixed direction Ŵ^ℓ and depends on it (scale-invariant ReLU mask); if W^ℓ is redrawn at each σ_w, W^ℓ.grad does not converge",
    }),
  );
  plots.push({
    id: "P5-limit",
    title: "P5 (e): difference of W^ℓ.grad across layers as σ_w → 0",
    xTitle: "σ_w",
    yTitle: "max_ℓ |W^ℓ.grad − W⁰.grad| / |W⁰.grad|",
    logX: true,
    logY: true,
    series: acts.map((a) => ({ name: a === "none" ? "x + Conv(W,x)" : `x + ${a}(Conv(W,x))`, kind: "measured" as const, points: scales.map((s, i) => ({ x: s, y: q[`across.${a}`]![i]! })) })),
  });
}

export const p5: Problem = {
  id: "P5",
  title: "Residual initialisation",
  steps: (quick) => 4 + (quick ? QUICK : FULL).cLayers.length + 4,
  async run(ctx): Promise<ProblemOutput> {
    const cfg = ctx.quick ? QUICK : FULL;
    const claims: Claim[] = [];
    const plots: PlotSpec[] = [];
    const measurements: Measurement[] = [];
    await variances(ctx, cfg, claims, plots);
    await target(ctx, cfg, claims, plots, measurements);
    await limit(ctx, cfg, claims, plots);
    return {
      setup:
        `L residual blocks x ← x + Conv(W^ℓ, x) (nn.ResidualBlock around nn.Conv2d, C → C channels, N×N filter, "same" circular padding so that the image is a torus, no bias, float64), ` +
        `W^ℓ ∼ N(0, σ_w²) i.i.d., x⁰ ∼ N(0, 1). (a, b, d): B=${cfg.B}, C=${cfg.C}, N=${cfg.N}, D=${cfg.D}, L=${cfg.L}, N²Cσ_w² = ${cfg.eps}, ${cfg.seeds} seeds (new weights and input each); the gradient x^ℓ.grad comes from conv2d's backward with x^L.grad i.i.d. N(0,1). ` +
        `(c): the key's σ_w (nn.init.residualSigma), L ∈ {${cfg.cLayers.join(", ")}}, D=${cfg.cD}, ${cfg.cSeeds} seeds. ` +
        `(e): W^ℓ = σ_w·Ŵ^ℓ for fixed directions Ŵ^ℓ, σ_w from ${cfg.eScales[0]} down to ${cfg.eScales[cfg.eScales.length - 1]}, B=2, C=4, N=3, D=8, L=4, without activation and with tanh, ReLU or sigmoid around the convolution; limits are extrapolated linearly from the two smallest σ_w. ` +
        `Uncertainties are standard errors over seeds, except in (e).`,
      claims,
      measurements,
      plots,
    };
  },
};
