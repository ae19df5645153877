/**
 * P5 — residual initialisation. L layers of x ← x + Conv(W^ℓ, x) (C channels, N×N filters, weights
 * N(0, σ_w²)) built from nn.ResidualBlock and nn.Conv2d. With *circular* padding every pixel has the
 * same N²·C inputs, so the key's counting argument holds at every position: for any x^ℓ,
 * E_W[mean (x^ℓ + Conv(W, x^ℓ))²] = (1 + N²Cσ_w²)·mean (x^ℓ)² exactly (cross terms have E W = 0).
 * With *zero* padding a border pixel has fewer inputs; the lab measures how much that breaks the
 * premise. "Variance" is the mean square over all B·C·D² entries, divided by the input's own.
 */
import * as fl from "../index.js";
import { Conv2d, ResidualBlock, ReLU, Sequential, Sigmoid, Tanh, init as nnInit, type Module } from "../nn/index.js";
import { Generator } from "../random.js";
import type { Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { LabContext, Problem } from "./problem.js";
import { checkSet, controlByChecks, controlByLimit, decide, limitFit, type LimitPoint, type Statement } from "./statement.js";
import { meanSe, relDiff } from "./stats.js";

type Pad = "circular" | "zeros";
interface Config {
  /** (N, C) for (a). */
  shapes: [number, number][];
  aD: number;
  aSeeds: number;
  B: number;
  C: number;
  N: number;
  D: number;
  L: number;
  /** N²·C·σ_w² for (a), (b), (d). */
  eps: number;
  seeds: number;
  cLayers: number[];
  c1L: number;
  c1Eps: number[];
  cD: number;
  cSeeds: number;
  eScales: number[];
}
const FULL: Config = { shapes: [[1, 4], [3, 2], [3, 8], [5, 3]], aD: 8, aSeeds: 600, B: 4, C: 6, N: 3, D: 12, L: 12, eps: 0.2, seeds: 40, cLayers: [1, 2, 4, 8, 16, 32], c1L: 4, c1Eps: [0.05, 0.1, 0.2, 0.3, 0.4], cD: 8, cSeeds: 96, eScales: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6] };
const QUICK: Config = { shapes: [[1, 2], [3, 2]], aD: 6, aSeeds: 200, B: 2, C: 4, N: 3, D: 8, L: 6, eps: 0.2, seeds: 16, cLayers: [1, 2, 4, 8], c1L: 4, c1Eps: [0.1, 0.2, 0.3, 0.4], cD: 6, cSeeds: 24, eScales: [1e-2, 1e-4, 1e-6] };

const KEY = {
  a: "$$\\begin{aligned} \\sigma_{\\ell+1}^2 &= \\sigma_\\ell^2 + N^2 C \\sigma_w^2 \\sigma_\\ell^2 \\\\ &= \\sigma_\\ell^2 (1 + N^2 C \\sigma_w^2) \\end{aligned}$$",
  b: "$$\\sigma_\\ell^2 = (1 + N^2 C \\sigma_w^2)^\\ell$$",
  c1: "$$\\begin{aligned} \\sigma_L^2 &= (1 + N^2 C \\sigma_w^2)^L \\\\ &\\approx e^{LN^2 C \\sigma_w^2} \\end{aligned}$$",
  c2: "setting $$e^{LN^2 C \\sigma_w^2} = 2$$ gives $$\\sigma_w \\approx \\sqrt{\\frac{\\ln 2}{LN^2 C}}$$",
  d: "$$\\sigma_{\\ell,\\text{grad}}^2 = (1 + N^2 C \\sigma_w^2)^{L-\\ell}$$",
  e1: "In the limit of $\\sigma_w^2 \\rightarrow 0$ we have $x^\\ell = x^0$ for all ℓ .",
  e2: "$$W^\\ell.\\text{grad}[\\Delta i, \\Delta j, c', c] = x^L.\\text{grad}[i, j, c] x^\\ell[i + \\Delta i, j + \\Delta j, c']$$",
  e3: "Hence in the limit as $\\sigma_W^2 \\rightarrow 0$ we have that $W^\\ell.\\text{grad} = W^0.\\text{grad}$ for all ℓ .",
  e4: "This last equations holds for any activation function and the limits still exist when we add an activation function.",
};

type Act = "none" | "tanh" | "relu" | "sigmoid";

/** L residual blocks x + act(Conv(W^ℓ, x)), no bias, W^ℓ = std·(standard normals from `seed`). */
function stack(L: number, C: number, N: number, std: number, seed: number, act: Act = "none", pad: Pad = "circular"): ResidualBlock[] {
  const gen = new Generator(seed);
  const blocks: ResidualBlock[] = [];
  for (let l = 0; l < L; l++) {
    const conv = new Conv2d(C, C, N, { padding: "same", paddingMode: pad, bias: false, dtype: "float64", generator: gen });
    const w = conv.weight.data;
    for (let i = 0; i < w.length; i++) w[i] = std * gen.normal();
    const body: Module = act === "none" ? conv : new Sequential(conv, act === "relu" ? new ReLU() : act === "tanh" ? new Tanh() : new Sigmoid());
    blocks.push(new ResidualBlock(body));
  }
  return blocks;
}

function weightOf(b: ResidualBlock): fl.Tensor {
  return [...b.parameters()][0]!;
}

function meanSquare(t: fl.Tensor): number {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.data[i]! ** 2;
  return s / t.size;
}

function forwardAll(blocks: ResidualBlock[], x0: fl.Tensor): fl.Tensor[] {
  const xs = [x0];
  let x = x0;
  for (const b of blocks) {
    x = (b.forward(x) as fl.Tensor).retainGrad();
    xs.push(x);
  }
  return xs;
}

function input(B: number, C: number, D: number, seed: number, requiresGrad = false): fl.Tensor {
  return fl.randn([B, C, D, D], { seed, dtype: "float64", requiresGrad });
}

/** E of the zero-padding ratio: 1 + σ_w²·C·(N·D − p(p+1))²/D² (border pixels have fewer inputs). */
const zeroPadRatio = (N: number, C: number, D: number, sw2: number) => {
  const p = Math.floor(N / 2);
  return 1 + (sw2 * C * (N * D - p * (p + 1)) ** 2) / (D * D);
};

async function partA(ctx: LabContext, cfg: Config, out: Statement[], measurements: Measurement[]): Promise<void> {
  type R = { N: number; C: number; pad: Pad; m: { mean: number; se: number }; sw2: number };
  const rows: R[] = [];
  for (const [N, C] of cfg.shapes) {
    const sw2 = cfg.eps / (N * N * C);
    for (const pad of ["circular", "zeros"] as const) {
      const r: number[] = [];
      for (let s = 0; s < cfg.aSeeds; s++) {
        const [b] = stack(1, C, N, Math.sqrt(sw2), 100 + 31 * s + N * 7 + C, "none", pad);
        const x = input(2, C, cfg.aD, 500 + s);
        const y = fl.noGrad(() => b!.forward(x) as fl.Tensor);
        r.push(meanSquare(y) / meanSquare(x));
      }
      rows.push({ N, C, pad, m: meanSe(r), sw2 });
    }
  }
  await ctx.tick("P5 (a)");
  const circ = rows.filter((r) => r.pad === "circular");
  const rowsFor = (f: (r: R) => number) => circ.map((r) => ({ params: { N: r.N, C: r.C, D: cfg.aD, sigma_w: Number(Math.sqrt(r.sw2).toPrecision(4)), seeds: cfg.aSeeds }, value: f(r), measured: r.m.mean, uncertainty: r.m.se }));
  const st = { kind: "statistical" as const };
  const zeros = rows.filter((r) => r.pad === "zeros");
  for (const z of zeros)
    measurements.push({
      name: "(a) one layer with zero padding: σ²_{ℓ+1}/σ²_ℓ",
      params: { N: z.N, C: z.C, D: cfg.aD },
      value: z.m.mean,
      uncertainty: z.m.se,
      reference: zeroPadRatio(z.N, z.C, cfg.aD, z.sw2),
      referenceFormula: `1 + σ_w²C(ND − p(p+1))²/D² (border pixels have fewer inputs); the key's 1 + N²Cσ_w² = ${(1 + cfg.eps).toFixed(3)}: the boundary removes ${(((1 + cfg.eps - zeroPadRatio(z.N, z.C, cfg.aD, z.sw2)) / cfg.eps) * 100).toFixed(0)} % of the growth`,
      agrees: Math.abs(z.m.mean - zeroPadRatio(z.N, z.C, cfg.aD, z.sw2)) <= 3.3 * z.m.se,
    });
  const worstZero = zeros.reduce((a, z) => (z.m.mean < a.m.mean ? z : a));
  out.push(
    decide({
      id: "P5.a",
      part: "a",
      key: KEY.a,
      kind: "exact",
      assumptions: [
        "circular padding, so that every pixel has N²C inputs as the counting assumes (weights and inputs i.i.d., as the problem states)",
        `with zero padding the border breaks the premise: at N = ${worstZero.N}, C = ${worstZero.C}, D = ${cfg.aD} the measured ratio is ${worstZero.m.mean.toFixed(4)} ± ${worstZero.m.se.toFixed(4)} against the key's ${(1 + cfg.eps).toFixed(3)}; it follows 1 + σ_w²C(ND − p(p+1))²/D² (see measurements)`,
      ],
      checks: checkSet("1 + N²Cσ_w²", st, rowsFor(() => 1 + cfg.eps)),
      controls: [
        controlByChecks("1 + N²(C + 1)σ_w²", "counting the skip connection's own channel as one more input", checkSet("1 + N²(C+1)σ_w²", st, rowsFor((r) => 1 + r.N * r.N * (r.C + 1) * r.sw2))),
        controlByChecks("1 + N·C·σ_w²", "N inputs per channel instead of N²", checkSet("1 + NCσ_w²", st, rowsFor((r) => 1 + r.N * r.C * r.sw2))),
      ],
      measurement: circ.map((r) => `N=${r.N} C=${r.C}: ${r.m.mean.toFixed(4)} ± ${r.m.se.toFixed(4)}`).join("; ") + ` (key ${(1 + cfg.eps).toFixed(3)})`,
    }),
  );
}

async function partsBD(ctx: LabContext, cfg: Config, out: Statement[], plots: PlotSpec[], measurements: Measurement[]): Promise<void> {
  const { B, C, N, D, L, eps } = cfg;
  const sw = Math.sqrt(eps / (N * N * C));
  const run = async (pad: Pad) => {
    const act: number[][] = Array.from({ length: L + 1 }, () => []);
    const grad: number[][] = Array.from({ length: L + 1 }, () => []);
    for (let s = 0; s < cfg.seeds; s++) {
      const blocks = stack(L, C, N, sw, 100 + s, "none", pad);
      const xs = forwardAll(blocks, input(B, C, D, 500 + s, true));
      xs[L]!.backward(fl.randn(xs[L]!.shape, { seed: 900 + s, dtype: "float64" })); // x^L.grad iid N(0,1)
      const m0 = meanSquare(xs[0]!);
      const gL = meanSquare(xs[L]!.grad!);
      for (let l = 0; l <= L; l++) {
        act[l]!.push(meanSquare(xs[l]!) / m0);
        grad[l]!.push(meanSquare(xs[l]!.grad!) / gL);
      }
      if (s % Math.ceil(cfg.seeds / 2) === 0) await ctx.tick("P5 (b, d)");
    }
    return { act: act.map(meanSe), grad: grad.map(meanSe) };
  };
  const circ = await run("circular");
  const zero = await run("zeros");
  const params = { C, N, D, B, sigma_w: Number(sw.toPrecision(4)), seeds: cfg.seeds };
  const st = { kind: "statistical" as const };
  const bLayers = [...new Set([1, Math.round(L / 2), L])];
  const dLayers = [...new Set([0, Math.round(L / 2), L - 1])];
  const bRows = (f: (l: number) => number) => bLayers.map((l) => ({ params: { ...params, layer: l }, value: f(l), measured: circ.act[l]!.mean, uncertainty: circ.act[l]!.se }));
  const dRows = (f: (l: number) => number) => dLayers.map((l) => ({ params: { ...params, L, layer: l }, value: f(l), measured: circ.grad[l]!.mean, uncertainty: circ.grad[l]!.se }));
  out.push(
    decide({
      id: "P5.b",
      part: "b",
      key: KEY.b,
      kind: "exact",
      assumptions: ["circular padding (as in (a))", `zero padding: σ_L² = ${zero.act[L]!.mean.toFixed(3)} ± ${zero.act[L]!.se.toFixed(3)} at L = ${L}, D = ${D}, against the key's ${((1 + eps) ** L).toFixed(3)}`],
      checks: checkSet("(1 + N²Cσ_w²)^ℓ", st, bRows((l) => (1 + eps) ** l)),
      controls: [controlByChecks("1 + ℓN²Cσ_w²", "adding the growth of each layer instead of compounding it", checkSet("1 + ℓN²Cσ_w²", st, bRows((l) => 1 + l * eps)))],
      plots: ["P5-variance-depth"],
      measurement: bLayers.map((l) => `ℓ=${l}: ${circ.act[l]!.mean.toFixed(3)} ± ${circ.act[l]!.se.toFixed(3)} (key ${((1 + eps) ** l).toFixed(3)})`).join("; "),
    }),
  );
  out.push(
    decide({
      id: "P5.d",
      part: "d",
      key: KEY.d,
      kind: "exact",
      assumptions: ["circular padding; x^L.grad i.i.d. N(0, 1), backpropagated by conv2d's backward (the transpose convolution)", `zero padding: σ²_{0,grad} = ${zero.grad[0]!.mean.toFixed(3)} ± ${zero.grad[0]!.se.toFixed(3)} against ${((1 + eps) ** L).toFixed(3)}`],
      checks: checkSet("(1 + N²Cσ_w²)^{L−ℓ}", st, dRows((l) => (1 + eps) ** (L - l))),
      controls: [controlByChecks("(1 + N²Cσ_w²)^ℓ", "growing with ℓ like the activations instead of towards the input", checkSet("(1 + N²Cσ_w²)^ℓ", st, dRows((l) => (1 + eps) ** l)))],
      plots: ["P5-variance-depth"],
      measurement: dLayers.map((l) => `ℓ=${l}: ${circ.grad[l]!.mean.toFixed(3)} ± ${circ.grad[l]!.se.toFixed(3)} (key ${((1 + eps) ** (L - l)).toFixed(3)})`).join("; "),
    }),
  );
  measurements.push({ name: "σ_L² with zero padding (the border breaks the premise)", params: { L, N, C, D }, value: zero.act[L]!.mean, uncertainty: zero.act[L]!.se, reference: (1 + eps) ** L, referenceFormula: "key (1 + N²Cσ_w²)^L, exact on a torus" });
  const layers = Array.from({ length: L + 1 }, (_, l) => l);
  const bar = (m: { mean: number; se: number }, x: number) => ({ x, y: m.mean, lo: m.mean - m.se, hi: m.mean + m.se });
  plots.push({
    id: "P5-variance-depth",
    title: `P5 (b, d): activation and gradient variance against depth (N²Cσ_w² = ${eps})`,
    xTitle: "layer ℓ",
    xIntegers: true,
    yTitle: "variance (relative to x⁰, resp. x^L.grad)",
    logY: true,
    series: [
      { name: "activations, circular padding (±1σ)", kind: "measured", points: layers.map((l) => bar(circ.act[l]!, l)) },
      { name: "activations, zero padding (±1σ)", kind: "other", points: layers.map((l) => bar(zero.act[l]!, l + 0.15)) },
      { name: "key (b): (1 + N²Cσ_w²)^ℓ", kind: "key", points: layers.map((l) => ({ x: l, y: (1 + eps) ** l })) },
      { name: "gradients, circular padding (±1σ)", kind: "measured", points: layers.map((l) => bar(circ.grad[l]!, l)) },
      { name: "key (d): (1 + N²Cσ_w²)^{L−ℓ}", kind: "key", points: layers.map((l) => ({ x: l, y: (1 + eps) ** (L - l) })) },
    ],
  });
}

/** σ_L² over seeds for L layers with weight std sw (circular padding). */
function finalVariance(cfg: Config, L: number, sw: number, seedBase: number): { mean: number; se: number } {
  const finals: number[] = [];
  for (let s = 0; s < cfg.cSeeds; s++) {
    const blocks = stack(L, cfg.C, cfg.N, sw, seedBase + 97 * L + s);
    const x0 = input(cfg.B, cfg.C, cfg.cD, seedBase + 1000 + 97 * L + s);
    const xs = fl.noGrad(() => forwardAll(blocks, x0));
    finals.push(meanSquare(xs[L]!) / meanSquare(x0));
  }
  return meanSe(finals);
}

async function partC(ctx: LabContext, cfg: Config, out: Statement[], plots: PlotSpec[], measurements: Measurement[]): Promise<void> {
  const { N, C } = cfg;
  // c.1: (1 + ε)^L ≈ e^{Lε} at fixed L, ε → 0. Both sides → 1, so the error is taken on the growth exponent:
  // rel = ln σ_L² / (exponent of the approximation) − 1; exact: ln(1 + ε)/ε − 1 ≈ −ε/2
  const L1 = cfg.c1L;
  const c1 = cfg.c1Eps.map((e) => ({ e, m: finalVariance(cfg, L1, Math.sqrt(e / (N * N * C)), 3000) }));
  await ctx.tick("P5 (c) ε");
  const pts1 = (exponent: (e: number) => number): LimitPoint[] => c1.map(({ e, m }) => ({ s: e, rel: Math.log(m.mean) / exponent(e) - 1, se: m.se / m.mean / exponent(e), predicted: (L1 * Math.log1p(e)) / exponent(e) - 1 }));
  const fit1 = limitFit(`ε = N²Cσ_w² (L = ${L1}; error of the exponent ln σ_L²)`, pts1((e) => L1 * e), 2, "ln(1 + ε)/ε − 1 ≈ −ε/2");
  out.push(
    decide({
      id: "P5.c.1",
      part: "c",
      key: KEY.c1,
      kind: "approximation",
      assumptions: ["circular padding; the first line is (b) at ℓ = L"],
      limit: fit1,
      controls: [controlByLimit("σ_L² ≈ e^{L·N·C·σ_w²} (N for N²)", "the exponent with one filter dimension", limitFit("ε", pts1((e) => (L1 * e) / N), 2))],
      plots: ["P5-c-error"],
      measurement: c1.map(({ e, m }) => `ε=${e}: σ_L² = ${m.mean.toFixed(4)} ± ${m.se.toFixed(4)}, e^{Lε} = ${Math.exp(L1 * e).toFixed(4)}`).join("; "),
    }),
  );
  // c.2: the key's σ_w gives σ_L² → 2 as L → ∞; relative error σ_L²/2 − 1 against s = 1/L; exact (1 + ln2/L)^L/2 − 1 ≈ −(ln 2)²/(2L)
  const c2: { L: number; key: { mean: number; se: number }; exact: { mean: number; se: number } }[] = [];
  for (const L of cfg.cLayers) {
    c2.push({ L, key: finalVariance(cfg, L, nnInit.residualSigma(L, N, C), 5000), exact: finalVariance(cfg, L, Math.sqrt((2 ** (1 / L) - 1) / (N * N * C)), 7000) });
    await ctx.tick(`P5 (c) L=${L}`);
  }
  const pts2 = (target: number): LimitPoint[] => c2.map(({ L, key }) => ({ s: 1 / L, rel: key.mean / target - 1, se: key.se / target, predicted: (1 + Math.LN2 / L) ** L / target - 1 }));
  const fit2 = limitFit("1/L", pts2(2), 2, "(1 + ln2/L)^L/2 − 1 ≈ −(ln 2)²/(2L)");
  const exactSet = checkSet("σ_L² = 2 with σ_w = √((2^{1/L} − 1)/(N²C))", { kind: "statistical" }, c2.map(({ L, exact }) => ({ params: { L }, value: 2, measured: exact.mean, uncertainty: exact.se })));
  measurements.push({
    name: "σ_L² with the exact σ_w = √((2^{1/L} − 1)/(N²C)), settings agreeing with 2",
    params: { L: cfg.cLayers.join(","), N, C },
    value: exactSet.checks.filter((c) => c.agrees).length,
    uncertainty: 0,
    reference: exactSet.checks.length,
    referenceFormula: c2.map(({ L, exact }) => `L=${L}: ${exact.mean.toFixed(4)} ± ${exact.se.toFixed(4)}`).join("; "),
    agrees: exactSet.agrees,
  });
  out.push(
    decide({
      id: "P5.c.2",
      part: "c",
      key: KEY.c2,
      kind: "approximation",
      assumptions: [
        "circular padding; the key's σ_w is nn.init.residualSigma(L, N, C)",
        `the exact σ_w = √((2^{1/L} − 1)/(N²C)) was simulated too: σ_L² = 2 ${exactSet.agrees ? "at every L" : "NOT at every L"} (${c2.map(({ L, exact }) => `L=${L}: ${exact.mean.toFixed(3)}`).join(", ")})`,
      ],
      limit: fit2,
      controls: [controlByLimit("σ_L² → 2^{1/N} with this σ_w (variance growth 1 + N·C·σ_w² per layer)", "N inputs per channel instead of N²", limitFit("1/L", pts2(2 ** (1 / N)), 2))],
      plots: ["P5-c-error"],
      measurement: c2.map(({ L, key }) => `L=${L}: ${key.mean.toFixed(3)} ± ${key.se.toFixed(3)}`).join("; ") + ` (exact (1 + ln2/L)^L: ${c2.map(({ L }) => ((1 + Math.LN2 / L) ** L).toFixed(3)).join(", ")})`,
    }),
  );
  const Ls = cfg.cLayers;
  const dense = Array.from({ length: 40 }, (_, i) => 1 / Ls[Ls.length - 1]! + ((1 - 1 / Ls[Ls.length - 1]!) * i) / 39);
  plots.push({
    id: "P5-c-error",
    title: "P5 (c): relative error of σ_L² = 2 with the key's σ_w, against 1/L",
    xTitle: "1/L",
    yTitle: "σ_L²/2 − 1",
    series: [
      { name: "measured with the key's σ_w (±1σ)", kind: "measured", points: pts2(2).map((p) => ({ x: p.s, y: p.rel, lo: p.rel - p.se, hi: p.rel + p.se })) },
      { name: "exact: (1 + ln2/L)^L/2 − 1", kind: "exact", points: dense.map((s) => ({ x: s, y: (1 + Math.LN2 * s) ** (1 / s) / 2 - 1 })) },
      { name: "next order: −(ln 2)²/(2L)", kind: "corrected", points: dense.map((s) => ({ x: s, y: (-Math.LN2 * Math.LN2 * s) / 2 })) },
      { name: "key: 0", kind: "key", points: dense.map((s) => ({ x: s, y: 0 })) },
    ],
  });
}

/** Σ_{b,i,j} gy[b,c,i,j]·mask·x[b,c',i+di−p, j+dj−p] (circular): the swap rule summed over positions (or one position). */
function swapSum(gy: fl.Tensor, x: fl.Tensor, N: number, mask: fl.Tensor | null, only?: [number, number, number], batch0 = false): Float64Array {
  const [B, C, D] = x.shape as [number, number, number, number];
  const p = Math.floor(N / 2);
  const out = new Float64Array(C * C * N * N);
  const g = gy.data;
  const xd = x.data;
  const md = mask?.data;
  for (let b = 0; b < (batch0 ? 1 : B); b++)
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

async function partE(ctx: LabContext, cfg: Config, out: Statement[], plots: PlotSpec[]): Promise<void> {
  const [B, C, N, D, L] = [2, 4, 3, 8, 4];
  const x0 = input(B, C, D, 77);
  const g = fl.randn([B, C, D, D], { seed: 78, dtype: "float64" });
  const scales = cfg.eScales;
  const acts: Act[] = ["none", "tanh", "relu", "sigmoid"];
  const sum = swapSum(g, x0, N, null);
  const single = swapSum(g, x0, N, null, [0, 0, 0]);
  const noBatch = swapSum(g, x0, N, null, undefined, true);
  const dirs = stack(L, C, N, 1, 79);
  const reluLimit = dirs.map((b) => {
    const pre = fl.noGrad(() => fl.conv2d(x0, weightOf(b), null, { padding: "same", paddingMode: "circular" }));
    const mask = fl.tensor(Float64Array.from(pre.data, (v) => (v > 0 ? 1 : 0)), pre.shape, { dtype: "float64" });
    return swapSum(g, x0, N, mask);
  });
  // with a sigmoid: σ(Conv(W,x)) → ½, so x^ℓ → x⁰ + ℓ/2 and W^ℓ.grad → σ'(0)·Σ g·x^ℓ = ¼·Σ g·(x⁰ + ℓ/2)
  const sigmoidLimit = dirs.map((_, l) => swapSum(g, fl.add(x0, l / 2), N, null).map((v) => v / 4));
  const across = (gs: ArrayLike<number>[]) => Math.max(...gs.slice(1).map((q) => relDiff(q, gs[0]!)));
  const q: Record<string, number[]> = {};
  const push = (k: string, v: number) => (q[k] ??= []).push(v);
  for (const act of acts) {
    for (const s of scales) {
      const blocks = stack(L, C, N, s, 79, act);
      const xs = forwardAll(blocks, x0.detach());
      xs[L]!.backward(g);
      const grads = blocks.map((b) => weightOf(b).grad!.data);
      push(`across.${act}`, across(grads));
      push(`x.${act}`, Math.max(...xs.slice(1).map((x) => relDiff(x.data, x0.data))));
      push(`zero.${act}`, Math.max(...grads.map((gr) => relDiff(new Float64Array(gr.length), gr))));
      if (act === "none") {
        push("swap.sum", Math.max(...grads.map((gr) => relDiff(gr, sum))));
        push("swap.single", Math.max(...grads.map((gr) => relDiff(gr, single))));
        push("swap.nobatch", Math.max(...grads.map((gr) => relDiff(gr, noBatch))));
      }
      if (act === "relu") {
        push("limit.relu", Math.max(...grads.map((gr, l) => relDiff(gr, reluLimit[l]!))));
        push("relu.vs.plain", Math.max(...grads.map((gr) => relDiff(gr, sum))));
      }
      if (act === "sigmoid") push("limit.sigmoid", Math.max(...grads.map((gr, l) => relDiff(gr, sigmoidLimit[l]!))));
    }
    await ctx.tick(`P5 (e) ${act}`);
  }
  const smin = scales[scales.length - 1]!;
  const last = (k: string) => q[k]![scales.length - 1]!;
  const TOL = { kind: "exact" as const, tolerance: 1e-4, why: `a limit, measured at σ_w = ${smin}: the O(σ_w) remainder is far below 1e-4` };
  const one = (formula: string, key: string, params: Record<string, string | number> = {}) => checkSet(formula, TOL, [{ params: { sigma_w: smin, ...params }, value: 0, measured: last(key) }]);
  const P = { B, C, N, D, L };
  out.push(
    decide({
      id: "P5.e.1",
      part: "e",
      key: KEY.e1,
      kind: "exact",
      assumptions: [`W^ℓ = σ_w·Ŵ^ℓ with fixed random directions Ŵ^ℓ, σ_w from ${scales[0]} to ${smin}; ${JSON.stringify(P)}`],
      checks: one("max_ℓ |x^ℓ − x⁰|/|x⁰| → 0", "x.none"),
      controls: [controlByChecks("x^ℓ = x⁰ in the limit also for x + σ(Conv(W, x))", "carrying the limit over to an activation with σ(0) ≠ 0", one("max_ℓ |x^ℓ − x⁰|/|x⁰| with a sigmoid", "x.sigmoid"))],
      plots: ["P5-limit"],
      measurement: `max_ℓ |x^ℓ − x⁰|/|x⁰| = ${scales.map((s, i) => `${q["x.none"]![i]!.toExponential(1)} at σ_w=${s}`).join(", ")}`,
    }),
  );
  out.push(
    decide({
      id: "P5.e.2",
      part: "e",
      key: KEY.e2,
      kind: "exact",
      reading: {
        how: "'+=' inside loops over b, i, j (summed over the batch and all positions), with W^ℓ.grad indexed [c, c', Δi, Δj] in fundl's order and x^ℓ = x⁰ in the limit: W^ℓ.grad[c,c',Δi,Δj] = Σ_{b,i,j} x^L.grad[b,c,i,j]·x⁰[b,c',i+Δi,j+Δj]",
        checks: one("|W^ℓ.grad − Σ_{b,i,j} x^L.grad·x⁰| / |W^ℓ.grad|", "swap.sum"),
        literal: one("|W^ℓ.grad − one position's term (b = i = j = 0)|", "swap.single"),
      },
      controls: [controlByChecks("Σ_{i,j} over positions of one example (no batch sum)", "forgetting the batch index, as the key's line does", one("no batch sum", "swap.nobatch"))],
      plots: ["P5-limit"],
      measurement: `at σ_w = ${smin}: summed form ${last("swap.sum").toExponential(1)}, one position ${last("swap.single").toFixed(3)}, no batch sum ${last("swap.nobatch").toFixed(3)} (relative differences to autograd)`,
    }),
  );
  out.push(
    decide({
      id: "P5.e.3",
      part: "e",
      key: KEY.e3,
      kind: "exact",
      checks: one("max_ℓ |W^ℓ.grad − W⁰.grad|/|W⁰.grad| (no activation)", "across.none"),
      controls: [controlByChecks("W^ℓ.grad → 0 as σ_w → 0", "thinking small weights give small weight gradients", one("|W^ℓ.grad − 0|/|W^ℓ.grad|", "zero.none"))],
      plots: ["P5-limit"],
      measurement: `max_ℓ relative difference ${scales.map((s, i) => `${q["across.none"]![i]!.toExponential(1)} at σ_w=${s}`).join(", ")}`,
    }),
  );
  const actRows = (f: (a: Act) => string) => (["tanh", "relu", "sigmoid"] as const).map((a) => ({ params: { sigma_w: smin, activation: `x + ${a}(Conv(W, x))` }, value: 0, measured: last(f(a)) }));
  out.push(
    decide({
      id: "P5.e.4",
      part: "e",
      key: KEY.e4,
      kind: "exact",
      assumptions: ["'limit' as σ_w → 0 along fixed directions Ŵ^ℓ (the only way the limit can exist for a ReLU)"],
      checks: checkSet("max_ℓ |W^ℓ.grad − W⁰.grad|/|W⁰.grad| → 0 for every activation", TOL, actRows((a) => `across.${a}`)),
      correction: {
        line: "It holds for activations with φ(0) = 0, φ'(0) = 1 (tanh). With a sigmoid, x^ℓ → x⁰ + ℓ/2 and W^ℓ.grad → ¼·Σ x^L.grad·(x⁰ + ℓ/2), different for each ℓ; with a ReLU, W^ℓ.grad → Σ x^L.grad·1[Conv(Ŵ^ℓ, x⁰) > 0]·x⁰, which depends on the direction Ŵ^ℓ (a limit along each direction, none as W → 0)",
        reason: "the limit depends on φ(0) and φ'(0); for a ReLU the mask 1[Conv(W, x) > 0] is scale-free, so it never converges to one value as W → 0",
        typo: false,
        checks: checkSet("tanh: W^ℓ.grad → W⁰.grad; ReLU: → masked sum; sigmoid: → ¼·Σ g·(x⁰ + ℓ/2)", TOL, [
          { params: { sigma_w: smin, activation: "tanh" }, value: 0, measured: last("across.tanh") },
          { params: { sigma_w: smin, activation: "relu" }, value: 0, measured: last("limit.relu") },
          { params: { sigma_w: smin, activation: "sigmoid" }, value: 0, measured: last("limit.sigmoid") },
        ]),
      },
      controls: [controlByChecks("with a ReLU, W^ℓ.grad → the no-activation limit Σ x^L.grad·x⁰", "ignoring the mask", checkSet("ReLU limit = plain swap sum", TOL, [{ params: { sigma_w: smin }, value: 0, measured: last("relu.vs.plain") }]))],
      plots: ["P5-limit"],
      measurement: `at σ_w = ${smin}, max_ℓ |W^ℓ.grad − W⁰.grad|/|W⁰.grad|: tanh ${last("across.tanh").toExponential(1)}, ReLU ${last("across.relu").toFixed(3)}, sigmoid ${last("across.sigmoid").toFixed(3)}; the corrected limits: ReLU ${last("limit.relu").toExponential(1)}, sigmoid ${last("limit.sigmoid").toExponential(1)}`,
    }),
  );
  const dashes: Record<Act, "measured" | "other" | "control" | "corrected"> = { none: "measured", tanh: "corrected", relu: "other", sigmoid: "control" };
  plots.push({
    id: "P5-limit",
    title: "P5 (e): difference of W^ℓ.grad across layers as σ_w → 0",
    xTitle: "σ_w",
    yTitle: "max_ℓ |W^ℓ.grad − W⁰.grad| / |W⁰.grad|",
    logX: true,
    logY: true,
    series: acts.map((a) => ({ name: a === "none" ? "x + Conv(W,x)" : `x + ${a}(Conv(W,x))`, kind: dashes[a], points: scales.map((s, i) => ({ x: s, y: q[`across.${a}`]![i]! })) })),
  });
}

/** P5: variance through a residual stack and its initialisation. */
export const p5: Problem = {
  id: "P5",
  title: "Residual initialisation",
  steps: (quick) => 1 + 4 + 1 + (quick ? QUICK : FULL).cLayers.length + 4,
  async run(ctx): Promise<ProblemOutput> {
    const cfg = ctx.quick ? QUICK : FULL;
    const statements: Statement[] = [];
    const plots: PlotSpec[] = [];
    const measurements: Measurement[] = [];
    await partA(ctx, cfg, statements, measurements);
    await partsBD(ctx, cfg, statements, plots, measurements);
    await partC(ctx, cfg, statements, plots, measurements);
    await partE(ctx, cfg, statements, plots);
    const order = ["P5.a", "P5.b", "P5.c.1", "P5.c.2", "P5.d", "P5.e.1", "P5.e.2", "P5.e.3", "P5.e.4"];
    statements.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    return {
      setup:
        `L residual blocks x ← x + Conv(W^ℓ, x) (nn.ResidualBlock around nn.Conv2d, C → C channels, N×N filter, "same" padding, no bias, float64), W^ℓ ∼ N(0, σ_w²) i.i.d., x⁰ ∼ N(0, 1). ` +
        `Circular padding makes the image a torus, where the key's independence count is exact in expectation; zero padding is measured beside it. ` +
        `(a): one layer at (N, C) ∈ {${cfg.shapes.map((s) => `(${s[0]}, ${s[1]})`).join(", ")}}, D = ${cfg.aD}, N²Cσ_w² = ${cfg.eps}, ${cfg.aSeeds} seeds. (b, d): B=${cfg.B}, C=${cfg.C}, N=${cfg.N}, D=${cfg.D}, L=${cfg.L}, ${cfg.seeds} seeds. ` +
        `(c): ε ∈ {${cfg.c1Eps.join(", ")}} at L = ${cfg.c1L}; the key's and the exact σ_w at L ∈ {${cfg.cLayers.join(", ")}}, D=${cfg.cD}, ${cfg.cSeeds} seeds. ` +
        `(e): W^ℓ = σ_w·Ŵ^ℓ for fixed directions, σ_w from ${cfg.eScales[0]} to ${cfg.eScales[cfg.eScales.length - 1]}, without activation and with tanh, ReLU or sigmoid. Uncertainties are standard errors over seeds.`,
      statements,
      measurements,
      plots,
    };
  },
};
