/**
 * P6 — SGD's stationary distribution, Φ = w − w* (the key's Φ* = 0).
 *
 * Linear regression, y = w*·x + ε, ε ∼ N(0, s²), loss ½(w·x − y)², batch size 1: ĝ = x(xᵀΦ − ε) and
 *   Φ ← (I − η x xᵀ)Φ + η ε x.  For x with i.i.d. entries of mean 0, variance 1 and fourth moment κ,
 *   E[‖x‖² x xᵀ] = m·I with m = d − 1 + κ (Gaussian κ = 3: m = d + 2; Rademacher ±1, κ = 1: m = d),
 *   so the stationary S = E ΦΦᵀ = v·I with v = η s²/(2 − η m) (stable for η < 2/m), and
 *   gap = ½E‖Φ‖² = η d s²/(2(2 − η m)) against the key's (η/4)E‖g‖² = η d s²/4: relative error ηm/(2 − ηm).
 * These chains are simulated directly (plain loops over Float64Arrays, many independent chains).
 * Logistic regression is the non-quadratic model: SGD by fl.optim.SGD, H and E‖g‖² by Gaussian quadrature.
 *
 * (a) is tested on a transient (chains started away from the optimum): the measured change of spread
 * over one step against −2ηΦᵀĝ' + η²‖ĝ'‖² with a *fresh* draw ĝ' at the same Φ, so equality holds
 * only in expectation (the same draw would make it an algebraic identity). (b) likewise uses fresh
 * draws at stationary snapshots — unlike the first edition's per-chain balance, which telescoped to
 * (‖Φ_start‖² − ‖Φ_end‖²)/(2η) and so could only detect a chain that had not settled.
 */
import * as fl from "../index.js";
import { SGD } from "../optim/index.js";
import { Generator } from "../random.js";
import type { Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { LabContext, Problem } from "./problem.js";
import { gaussExpect, sigmoid, softplus } from "./quadrature.js";
import { checkSet, controlByChecks, controlByLimit, decide, limitFit, type LimitFit, type LimitPoint, type Statement } from "./statement.js";
import { meanSe } from "./stats.js";

const KEY = {
  a: "$$\\begin{aligned} & E_{\\Phi \\sim P_t, \\hat{g}} \\|\\Phi - \\eta \\hat{g}\\|^2 - E_{\\Phi \\sim P_t} \\|\\Phi\\|^2 \\\\ &= E_{\\Phi \\sim P_t, \\hat{g}} \\|\\Phi - \\eta \\hat{g}\\|^2 - \\|\\Phi\\|^2 \\\\ &= E_{\\Phi \\sim P_t, \\hat{g}} - 2\\eta \\Phi^\\top \\hat{g} + \\eta^2 \\|\\hat{g}\\|^2 \\end{aligned}$$",
  b: "$$E_{\\Phi \\sim P_t, \\hat{g}} \\Phi^\\top \\hat{g} = \\frac{\\eta}{2} E_{\\Phi \\sim P_t, \\hat{g}} \\|\\hat{g}\\|^2$$",
  c1: "$$E_{\\Phi \\sim P_t, (x, y) \\sim \\text{Pop}} \\Phi^\\top (g(x, y) + H(x, y)\\Phi) = \\frac{\\eta}{2} E_{(x, y) \\sim \\text{Pop}} \\|g(x, y)\\|^2$$",
  c2: "$$E_{\\Phi \\sim P_t} \\Phi^\\top H \\Phi = \\frac{\\eta}{2} E_{(x, y) \\sim \\text{Pop}} \\|g(x, y)\\|^2$$ $$H \\doteq E_{(x, y) \\sim \\text{Pop}} H(x, y)$$",
  d: "$$\\begin{aligned} \\text{gap} &= E_{\\Phi \\sim P_\\eta, (x, y) \\sim \\text{Pop}} \\frac{1}{2} \\Phi^\\top H(x, y) \\Phi \\\\ &= E_{\\Phi \\sim P_\\eta} \\frac{1}{2} \\Phi^\\top H \\Phi \\\\ &= \\frac{\\eta}{4} E_{(x, y) \\sim \\text{Pop}} \\|g(x, y)\\|^2 \\end{aligned}$$",
};

type Dist = "gaussian" | "rademacher";
const NOISE = 1;
const W_LOG = [1, 0.5, -0.5, 0.25, 0];

interface Config {
  chains: number;
  ds: number[];
  /** η as fractions of the stability limit 2/m (linear regression). */
  fractions: number[];
  logisticEtas: number[];
  burnIn: number;
  window: number;
}
const FULL: Config = { chains: 256, ds: [2, 10, 20], fractions: [0.04, 0.08, 0.15, 0.25, 0.35], logisticEtas: [0.05, 0.1, 0.2, 0.4, 0.8], burnIn: 4, window: 12 };
const QUICK: Config = { chains: 256, ds: [10], fractions: [0.05, 0.1, 0.2, 0.3], logisticEtas: [0.1, 0.2, 0.4, 0.8], burnIn: 4, window: 12 };

const fourth = (dist: Dist) => (dist === "gaussian" ? 3 : 1);
const mOf = (d: number, dist: Dist) => d - 1 + fourth(dist);

/** Chains of linear-regression SGD in Φ coordinates, one row of `phi` per chain. */
class LinearChains {
  readonly phi: Float64Array;
  private readonly x: Float64Array;
  private readonly gen: Generator;
  constructor(
    readonly d: number,
    readonly dist: Dist,
    readonly eta: number,
    readonly chains: number,
    seed: number,
    start = 0,
  ) {
    this.phi = new Float64Array(chains * d).fill(start);
    this.x = new Float64Array(d);
    this.gen = new Generator(seed);
  }
  /** A fresh example (x, ε): fills this.x, returns ε. */
  private draw(): number {
    for (let k = 0; k < this.d; k++) this.x[k] = this.dist === "gaussian" ? this.gen.normal() : this.gen.random() < 0.5 ? -1 : 1;
    return NOISE * this.gen.normal();
  }
  /** ĝ at chain r's Φ for a fresh example, written to g. */
  gradient(r: number, g: Float64Array): void {
    const e = this.draw();
    let res = -e;
    for (let k = 0; k < this.d; k++) res += this.x[k]! * this.phi[r * this.d + k]!;
    // ĝ = x (xᵀΦ − ε)
    for (let k = 0; k < this.d; k++) g[k] = this.x[k]! * res;
  }
  /** One SGD step of every chain: Φ ← Φ − η ĝ. */
  step(): void {
    const g = new Float64Array(this.d);
    for (let r = 0; r < this.chains; r++) {
      this.gradient(r, g);
      for (let k = 0; k < this.d; k++) this.phi[r * this.d + k]! -= this.eta * g[k]!;
    }
  }
  norm2(r: number): number {
    let s = 0;
    for (let k = 0; k < this.d; k++) s += this.phi[r * this.d + k]! ** 2;
    return s;
  }
  /** Per chain: Φᵀĝ' and ‖ĝ'‖² for a fresh draw ĝ' at the current Φ. */
  fresh(): { dot: Float64Array; sq: Float64Array } {
    const g = new Float64Array(this.d);
    const dot = new Float64Array(this.chains);
    const sq = new Float64Array(this.chains);
    for (let r = 0; r < this.chains; r++) {
      this.gradient(r, g);
      for (let k = 0; k < this.d; k++) (dot[r] += this.phi[r * this.d + k]! * g[k]!), (sq[r] += g[k]! ** 2);
    }
    return { dot, sq };
  }
}

const tauOf = (eta: number, m: number) => 1 / (eta * (2 - eta * m));

/** Stationary snapshots of linear chains: per chain, averages of ½‖Φ‖², Φᵀĝ', ‖ĝ'‖² over snapshots every τ/2. */
function stationaryLinear(d: number, dist: Dist, eta: number, cfg: Config, seed: number) {
  const m = mOf(d, dist);
  const tau = tauOf(eta, m);
  const ch = new LinearChains(d, dist, eta, cfg.chains, seed);
  const burn = Math.ceil(cfg.burnIn * tau);
  const every = Math.max(1, Math.floor(tau / 2));
  const snaps = Math.max(4, Math.floor((cfg.window * tau) / every));
  for (let t = 0; t < burn; t++) ch.step();
  const gap = new Float64Array(cfg.chains);
  const bal = new Float64Array(cfg.chains); // Φᵀĝ' − (η/2)‖ĝ'‖²
  const bal1 = new Float64Array(cfg.chains); // Φᵀĝ' − η‖ĝ'‖² (control)
  for (let s = 0; s < snaps; s++) {
    for (let t = 0; t < every; t++) ch.step();
    const f = ch.fresh();
    for (let r = 0; r < cfg.chains; r++) {
      gap[r] += (0.5 * ch.norm2(r)) / snaps;
      bal[r] += (f.dot[r]! - (eta / 2) * f.sq[r]!) / snaps;
      bal1[r] += (f.dot[r]! - eta * f.sq[r]!) / snaps;
    }
  }
  return { d, dist, eta, m, gap: meanSe(gap), bal: meanSe(bal), bal1: meanSe(bal1), steps: burn + snaps * every };
}

/** The key's (b) at a time the chains have NOT reached stationarity (started at the optimum, 0.1τ steps). */
function earlyLinear(d: number, dist: Dist, eta: number, cfg: Config, seed: number) {
  const tau = tauOf(eta, mOf(d, dist));
  const ch = new LinearChains(d, dist, eta, cfg.chains * 4, seed);
  for (let t = 0; t < Math.max(1, Math.floor(tau / 10)); t++) ch.step();
  const f = ch.fresh();
  return meanSe(Array.from(f.dot, (v, r) => v - (eta / 2) * f.sq[r]!));
}

/** (a) on a transient: per chain ‖Φ_{t+1}‖² − ‖Φ_t‖² (the real step) against −2ηΦᵀĝ' + η²‖ĝ'‖² (a fresh draw). */
function transient(d: number, dist: Dist, eta: number, cfg: Config, seed: number, times: number[]) {
  const ch = new LinearChains(d, dist, eta, cfg.chains * 4, seed, 1);
  const out: { t: number; key: { mean: number; se: number }; noSq: { mean: number; se: number }; sign: { mean: number; se: number } }[] = [];
  let t = 0;
  for (const target of times) {
    while (t < target) (ch.step(), t++);
    const before = Array.from({ length: ch.chains }, (_, r) => ch.norm2(r));
    const f = ch.fresh();
    ch.step();
    t++;
    const lhs = before.map((b, r) => ch.norm2(r) - b);
    const diff = (rhs: (r: number) => number) => meanSe(lhs.map((v, r) => v - rhs(r)));
    out.push({
      t: target,
      key: diff((r) => -2 * eta * f.dot[r]! + eta * eta * f.sq[r]!),
      noSq: diff((r) => -2 * eta * f.dot[r]!),
      sign: diff((r) => 2 * eta * f.dot[r]! + eta * eta * f.sq[r]!),
    });
  }
  return out;
}

/** Logistic regression: quadrature constants and SGD chains by fl.optim.SGD (rows of one parameter tensor). */
function logisticSetup() {
  const d = W_LOG.length;
  const c = Math.hypot(...W_LOG);
  const dsig = (v: number) => sigmoid(v) * (1 - sigmoid(v));
  const eg2 = gaussExpect((u) => dsig(c * u) * (u * u + d - 1)); // E‖g‖² = E[σ'(c u)(u² + d − 1)]
  const a2 = gaussExpect((u) => dsig(c * u)); // H's eigenvalue across w*
  const lamPar = gaussExpect((u) => dsig(c * u) * u * u); // along w*
  const F = (r: number) => gaussExpect((z) => softplus(r * z));
  const L = (w: ArrayLike<number>) => {
    let n2 = 0;
    let dot = 0;
    for (let k = 0; k < d; k++) (n2 += w[k]! ** 2), (dot += w[k]! * W_LOG[k]!);
    return F(Math.sqrt(n2)) - dot * a2; // population loss (Stein's lemma for the y·(w·x) term)
  };
  return { d, c, eg2, a2, lamPar, L, Lstar: L(W_LOG) };
}

function logisticChains(eta: number, cfg: Config, seed: number, q: ReturnType<typeof logisticSetup>) {
  const { d } = q;
  const tau = 1 / (eta * Math.min(q.lamPar, q.a2));
  const burn = Math.ceil(cfg.burnIn * tau);
  const steps = Math.ceil(cfg.window * tau);
  const every = Math.max(1, Math.floor(tau / 2));
  const chains = cfg.chains / 2;
  const init = new Float64Array(chains * d);
  for (let r = 0; r < chains; r++) for (let k = 0; k < d; k++) init[r * d + k] = W_LOG[k]!;
  const W = fl.tensor(init, [chains, d], { dtype: "float64", requiresGrad: true });
  const opt = new SGD([W], { lr: eta });
  const gen = new Generator(seed);
  const xs = new Float64Array(chains * d);
  const ys = new Float64Array(chains);
  const gap = new Float64Array(chains);
  const quad = new Float64Array(chains);
  const counts = new Float64Array(chains);
  const wHat = W_LOG.map((v) => v / q.c);
  for (let t = 0; t < burn + steps; t++) {
    for (let r = 0; r < chains; r++) {
      let z = 0;
      for (let k = 0; k < d; k++) (xs[r * d + k] = gen.normal()), (z += W_LOG[k]! * xs[r * d + k]!);
      ys[r] = gen.random() < sigmoid(z) ? 1 : 0;
    }
    const X = fl.tensor(xs.slice(), [chains, d], { dtype: "float64" });
    const y = fl.tensor(ys.slice(), [chains], { dtype: "float64" });
    opt.zeroGrad();
    const logits = fl.sum(fl.mul(W, X), [1]);
    fl.sub(fl.softplus(logits), fl.mul(y, logits)).sum().backward(); // Σ over chains: each row gets its own chain's ĝ
    opt.step();
    if (t >= burn && (t - burn) % every === 0) {
      const w = W.data;
      for (let r = 0; r < chains; r++) {
        const row = w.subarray(r * d, (r + 1) * d);
        let n2 = 0;
        let par = 0;
        for (let k = 0; k < d; k++) (n2 += (row[k]! - W_LOG[k]!) ** 2), (par += (row[k]! - W_LOG[k]!) * wHat[k]!);
        gap[r] += q.L(row) - q.Lstar;
        quad[r] += q.lamPar * par * par + q.a2 * (n2 - par * par); // ΦᵀHΦ with H = E H(x, y) by quadrature
        counts[r]++;
      }
    }
  }
  const avg = (a: Float64Array) => meanSe(Array.from(a, (v, r) => v / counts[r]!));
  return { eta, gap: avg(gap), quad: avg(quad), steps: burn + steps };
}

/** P6: SGD's stationary distribution and the loss gap. */
export const p6: Problem = {
  id: "P6",
  title: "SGD's stationary distribution",
  steps: (quick) => (quick ? QUICK : FULL).ds.length * 2 + 2,
  async run(ctx: LabContext): Promise<ProblemOutput> {
    const cfg = ctx.quick ? QUICK : FULL;
    const statements: Statement[] = [];
    const measurements: Measurement[] = [];
    const plots: PlotSpec[] = [];
    const st = { kind: "statistical" as const };
    // ---- linear chains at every (d, input distribution, η)
    type S = ReturnType<typeof stationaryLinear>;
    const lin: S[] = [];
    let seed = 6000;
    for (const d of cfg.ds)
      for (const dist of ["gaussian", "rademacher"] as const) {
        for (const f of cfg.fractions) lin.push(stationaryLinear(d, dist, (f * 2) / mOf(d, dist), cfg, seed++));
        await ctx.tick(`P6 linear d=${d} ${dist}`);
      }
    const assumptionsLinear = [
      "linear regression y = w*·x + ε, ε ∼ N(0, s²) independent of x, s = 1; loss ½(w·x − y)² per example; batch size 1; SGD without momentum",
      "x with i.i.d. entries of mean 0, variance 1, fourth moment κ: m = d − 1 + κ (Gaussian: d + 2; Rademacher ±1: d); exact law gap = η d s²/(2(2 − ηm)), stable only for η < 2/m",
      "with a batch of B examples (mean loss) the law changes: v = (η s²/B)/(2 − η(1 + (m − 1)/B)) (not simulated)",
    ];
    // ---- (a) transient
    const tr = [
      { d: 10, dist: "gaussian" as Dist, eta: 0.05 },
      { d: 10, dist: "rademacher" as Dist, eta: 0.05 },
      { d: cfg.ds[cfg.ds.length - 1]!, dist: "gaussian" as Dist, eta: 0.5 / mOf(cfg.ds[cfg.ds.length - 1]!, "gaussian") },
    ].map((s, i) => ({ ...s, r: transient(s.d, s.dist, s.eta, cfg, 8000 + i, [0, 5, 20]) }));
    await ctx.tick("P6 (a)");
    const aRows = (get: (r: (typeof tr)[number]["r"][number]) => { mean: number; se: number }) => tr.flatMap((s) => s.r.map((r) => ({ params: { d: s.d, x: s.dist, eta: Number(s.eta.toPrecision(3)), t: r.t, chains: cfg.chains * 4 }, value: 0, measured: get(r).mean, uncertainty: get(r).se })));
    statements.push(
      decide({
        id: "P6.a",
        part: "a",
        key: KEY.a,
        kind: "exact",
        assumptions: ["linear regression chains started at Φ = (1, …, 1), far from stationarity; the change of spread over the real step is compared with the right side evaluated on a fresh draw ĝ' at the same Φ (equal in expectation only)", ...assumptionsLinear.slice(0, 1)],
        checks: checkSet("E[‖Φ_{t+1}‖² − ‖Φ_t‖²] − E[−2ηΦᵀĝ' + η²‖ĝ'‖²] = 0", st, aRows((r) => r.key)),
        controls: [
          controlByChecks("E −2ηΦᵀĝ (the η²‖ĝ‖² term dropped)", "keeping only the first order in η", checkSet("η² term dropped", st, aRows((r) => r.noSq))),
          controlByChecks("E +2ηΦᵀĝ + η²‖ĝ‖² (sign of the cross term)", "expanding ‖Φ − ηĝ‖² with the wrong sign", checkSet("sign flipped", st, aRows((r) => r.sign))),
        ],
        measurement: tr.map((s) => `d=${s.d} ${s.dist}: ${s.r.map((r) => `t=${r.t}: ${r.key.mean.toFixed(4)} ± ${r.key.se.toFixed(4)}`).join(", ")}`).join("; "),
      }),
    );
    // ---- (b) stationary snapshots with fresh draws
    const mid = lin.filter((s) => Math.abs(s.eta * s.m - 2 * cfg.fractions[Math.floor(cfg.fractions.length / 2)]!) < 1e-9);
    const early = mid.map((s, i) => ({ s, e: earlyLinear(s.d, s.dist, s.eta, cfg, 8500 + i) }));
    await ctx.tick("P6 (b)");
    const bRows = (get: (s: S) => { mean: number; se: number }) => mid.map((s) => ({ params: { d: s.d, x: s.dist, eta: Number(s.eta.toPrecision(3)), chains: cfg.chains }, value: 0, measured: get(s).mean, uncertainty: get(s).se }));
    statements.push(
      decide({
        id: "P6.b",
        part: "b",
        key: KEY.b,
        kind: "exact",
        assumptions: ["Φ from stationary snapshots (after a burn-in of several relaxation times), ĝ' a fresh draw at each snapshot; exact at stationarity for any loss and any η (no Taylor expansion)", ...assumptionsLinear.slice(0, 2)],
        reading: {
          how: "P_t must be the stationary distribution P_η: setting the change of spread to zero holds only once the chain is stationary",
          checks: checkSet("E[Φᵀĝ' − (η/2)‖ĝ'‖²] = 0 at stationarity", st, bRows((s) => s.bal)),
          literal: checkSet("the same at a time t before stationarity (0.1τ after starting at the optimum)", st, early.map(({ s, e }) => ({ params: { d: s.d, x: s.dist, eta: Number(s.eta.toPrecision(3)), chains: cfg.chains * 4 }, value: 0, measured: e.mean, uncertainty: e.se }))),
        },
        controls: [controlByChecks("E Φᵀĝ = η E‖ĝ‖² (the ½ dropped)", "solving (a) = 0 without the factor 2", checkSet("E[Φᵀĝ' − η‖ĝ'‖²] = 0", st, bRows((s) => s.bal1)))],
        measurement: mid.map((s) => `d=${s.d} ${s.dist}: ${s.bal.mean.toFixed(4)} ± ${s.bal.se.toFixed(4)}`).join("; ") + `; before stationarity: ${early.map(({ e }) => e.mean.toFixed(3)).join(", ")}`,
      }),
    );
    // ---- (c), (d) as limits η → 0
    const relPoints = (rows: S[], measured: (s: S) => { mean: number; se: number }, keyOf: (s: S) => number, predicted?: (s: S) => number): LimitPoint[] =>
      rows.map((s) => ({ s: s.eta, rel: measured(s).mean / keyOf(s) - 1, se: measured(s).se / keyOf(s), ...(predicted ? { predicted: predicted(s) } : {}) }));
    const exactRel = (s: S) => (s.eta * s.m) / (2 - s.eta * s.m);
    const quadOf = (s: S) => ({ mean: 2 * s.gap.mean, se: 2 * s.gap.se }); // E ΦᵀHΦ = E‖Φ‖² (H = I)
    const groups = cfg.ds.flatMap((d) => (["gaussian", "rademacher"] as const).map((dist) => ({ d, dist, rows: lin.filter((s) => s.d === d && s.dist === dist) })));
    const main = groups.find((g) => g.d === 10 && g.dist === "gaussian") ?? groups[0]!;
    const fitsFor = (measured: (s: S) => { mean: number; se: number }, keyOf: (s: S) => number, pred?: boolean) =>
      groups.map((g) => ({ g, fit: limitFit(`η (d = ${g.d}, ${g.dist} x)`, relPoints(g.rows, measured, keyOf, pred ? exactRel : undefined), 2, pred ? "ηm/(2 − ηm) (exact law)" : undefined) }));
    const c1Fits = fitsFor(quadOf, (s) => (s.eta / 2) * s.d * NOISE ** 2, true);
    const c1Main = c1Fits.find((f) => f.g === main)!.fit;
    statements.push(
      decide({
        id: "P6.c.1",
        part: "c",
        key: KEY.c1,
        kind: "approximation",
        assumptions: ["for linear regression ĝ = g(x, y) + H(x, y)Φ exactly and E Φᵀg = 0 (a fresh example), so the left side is E‖Φ‖²; the approximation is dropping η²E‖H(x,y)Φ‖² from (η/2)E‖ĝ‖²", ...assumptionsLinear],
        limit: c1Main,
        moreLimits: c1Fits.filter((f) => f.g !== main).map((f) => f.fit),
        controls: [controlByLimit("E Φᵀ(g + HΦ) = η E‖g‖²", "the ½ dropped", limitFit("η", relPoints(main.rows, quadOf, (s) => s.eta * s.d * NOISE ** 2), 2))],
        plots: ["P6-linear-gap"],
        measurement: `d=10 Gaussian: relative error ${main.rows.map((s) => `${(quadOf(s).mean / ((s.eta / 2) * s.d) - 1).toFixed(3)} at η=${s.eta.toPrecision(2)}`).join(", ")}; exact law ${main.rows.map((s) => exactRel(s).toFixed(3)).join(", ")}`,
      }),
    );
    // logistic regression: E ΦᵀHΦ with H by quadrature, and the gap
    const q = logisticSetup();
    const logi: ReturnType<typeof logisticChains>[] = [];
    for (const [i, eta] of cfg.logisticEtas.entries()) logi.push(logisticChains(eta, cfg, 7000 + i, q));
    await ctx.tick("P6 logistic");
    const lq = (f: (r: (typeof logi)[number]) => { mean: number; se: number }, key: (eta: number) => number): LimitPoint[] => logi.map((r) => ({ s: r.eta, rel: f(r).mean / key(r.eta) - 1, se: f(r).se / key(r.eta) }));
    const c2Fit = limitFit("η (logistic regression, d = 5)", lq((r) => r.quad, (eta) => (eta / 2) * q.eg2), 2);
    statements.push(
      decide({
        id: "P6.c.2",
        part: "c",
        key: KEY.c2,
        kind: "approximation",
        assumptions: [`logistic regression, x ∼ N(0, I_5), y ∼ Bernoulli(σ(w*·x)), w* = (${W_LOG.join(", ")}); H = E H(x, y) and E‖g‖² = ${q.eg2.toFixed(4)} at the optimum by Gaussian quadrature; Φ from stationary snapshots of fl.optim.SGD chains (batch size 1)`],
        limit: c2Fit,
        controls: [controlByLimit("E ΦᵀHΦ = (η/4) E‖g‖²", "mixing up the balance with the gap (a factor ½)", limitFit("η", lq((r) => r.quad, (eta) => (eta / 4) * q.eg2), 2))],
        plots: ["P6-logistic-gap"],
        measurement: logi.map((r) => `η=${r.eta}: E ΦᵀHΦ/((η/2)E‖g‖²) = ${(r.quad.mean / ((r.eta / 2) * q.eg2)).toFixed(3)} ± ${(r.quad.se / ((r.eta / 2) * q.eg2)).toFixed(3)}`).join("; "),
      }),
    );
    const dFits = fitsFor((s) => s.gap, (s) => (s.eta / 4) * s.d * NOISE ** 2, true);
    const dLog = limitFit("η (logistic regression, d = 5)", lq((r) => r.gap, (eta) => (eta / 4) * q.eg2), 2);
    const dMain = dFits.find((f) => f.g === main)!.fit;
    statements.push(
      decide({
        id: "P6.d",
        part: "d",
        key: KEY.d,
        kind: "approximation",
        assumptions: ["'under the second order approximations': the gap is first order in η; the lab measures the gap at finite η and fits gap/((η/4)E‖g‖²) − 1 against η", "E g(x, y) = 0 at the optimum (used by the key) holds for both models", ...assumptionsLinear],
        limit: dMain,
        moreLimits: [...dFits.filter((f) => f.g !== main).map((f) => f.fit), dLog],
        controls: [
          controlByLimit("gap = (η/2) E‖g‖²", "forgetting the ½ of the quadratic term", limitFit("η", relPoints(main.rows, (s) => s.gap, (s) => (s.eta / 2) * s.d), 2)),
          controlByLimit("gap = (η/4) E‖g‖² with E‖g‖² = d for Rademacher x evaluated as d + 2", "using the Gaussian fourth moment where it does not apply", limitFit("η", relPoints(groups.find((g) => g.dist === "rademacher" && g.d === main.d)!.rows, (s) => s.gap, (s) => (s.eta / 4) * (s.d + 2)), 2)),
        ],
        plots: ["P6-linear-gap", "P6-logistic-gap"],
        measurement: `gap/((η/4)E‖g‖²) − 1, d=10 Gaussian: ${main.rows.map((s) => `${(s.gap.mean / ((s.eta / 4) * s.d) - 1).toFixed(3)} at η=${s.eta.toPrecision(2)}`).join(", ")}; logistic intercept ${dLog.coef[0]!.toFixed(3)} ± ${dLog.coefSe[0]!.toFixed(3)}`,
      }),
    );
    // fits per setting, as measurements
    const fitRow = (name: string, f: LimitFit): Measurement => ({
      name,
      params: { parameter: f.parameter, points: f.points.length },
      value: f.coef[0]!,
      uncertainty: f.coefSe[0]!,
      reference: 0,
      referenceFormula: `χ²/dof = ${f.chi2.toFixed(2)}/${f.dof} (p = ${f.pValue.toPrecision(2)})${f.predicted ? `; against ${f.predicted.formula}: χ² = ${f.predicted.chi2.toFixed(2)}/${f.predicted.dof} (p = ${f.predicted.pValue.toPrecision(2)})` : ""}`,
      agrees: f.holds,
    });
    for (const { g, fit } of dFits) measurements.push(fitRow(`(d) intercept of gap/((η/4)E‖g‖²) − 1, d = ${g.d}, ${g.dist} x`, fit));
    measurements.push(fitRow("(d) intercept, logistic regression", dLog));
    // ---- plots: gap/η against η on linear axes, with the asymptote and the exact curve
    const series = [];
    const styles = ["measured", "other"] as const;
    for (const [i, dist] of (["gaussian", "rademacher"] as const).entries()) {
      const rows = main.d === 10 ? lin.filter((s) => s.d === 10 && s.dist === dist) : [];
      if (!rows.length) continue;
      const m = mOf(10, dist);
      series.push({ name: `measured, ${dist} x (±1σ)`, kind: styles[i]!, points: rows.map((s) => ({ x: s.eta, y: s.gap.mean / s.eta, lo: (s.gap.mean - s.gap.se) / s.eta, hi: (s.gap.mean + s.gap.se) / s.eta })) });
      const etaMax = Math.max(...rows.map((s) => s.eta));
      series.push({ name: `exact, ${dist}: d s²/(2(2 − η(${dist === "gaussian" ? "d+2" : "d"})))`, kind: i === 0 ? ("exact" as const) : ("corrected" as const), points: Array.from({ length: 40 }, (_, k) => (etaMax * k) / 39).map((e) => ({ x: e, y: (10 * NOISE ** 2) / (2 * (2 - e * m)) })) });
    }
    const etaMaxAll = Math.max(...lin.filter((s) => s.d === 10).map((s) => s.eta), 0.01);
    series.push({ name: "key's asymptote E‖g‖²/4 = d s²/4", kind: "key" as const, points: [{ x: 0, y: 10 / 4 }, { x: etaMaxAll, y: 10 / 4 }] });
    plots.push({ id: "P6-linear-gap", title: "P6 (d), linear regression d = 10: gap/η against η", xTitle: "learning rate η", yTitle: "gap / η", series });
    const le = cfg.logisticEtas;
    plots.push({
      id: "P6-logistic-gap",
      title: "P6 (c, d), logistic regression d = 5: gap/η and E ΦᵀHΦ/(2η) against η",
      xTitle: "learning rate η",
      yTitle: "per unit η",
      series: [
        { name: "gap/η, measured (±1σ)", kind: "measured", points: logi.map((r) => ({ x: r.eta, y: r.gap.mean / r.eta, lo: (r.gap.mean - r.gap.se) / r.eta, hi: (r.gap.mean + r.gap.se) / r.eta })) },
        { name: "E ΦᵀHΦ/(2η), measured (±1σ)", kind: "other", points: logi.map((r) => ({ x: r.eta * 1.02, y: r.quad.mean / (2 * r.eta), lo: (r.quad.mean - r.quad.se) / (2 * r.eta), hi: (r.quad.mean + r.quad.se) / (2 * r.eta) })) },
        { name: "fit of gap/η (quadratic in η)", kind: "corrected", points: Array.from({ length: 40 }, (_, k) => (le[le.length - 1]! * k) / 39).map((e) => ({ x: e, y: (q.eg2 / 4) * (1 + dLog.coef.reduce((a, c, j) => a + c * e ** j, 0)) })) },
        { name: "key's asymptote E‖g‖²/4", kind: "key", points: [{ x: 0, y: q.eg2 / 4 }, { x: le[le.length - 1]!, y: q.eg2 / 4 }] },
      ],
    });
    return {
      setup:
        `Linear regression: ${cfg.chains} independent chains simulated directly, d ∈ {${cfg.ds.join(", ")}}, Gaussian and Rademacher inputs, η = f·2/m for f ∈ {${cfg.fractions.join(", ")}} (m = d + 2 or d). ` +
        `Logistic regression: ${cfg.chains / 2} chains of fl.optim.SGD (rows of one parameter tensor; the summed loss gives each row its own chain's gradient), η ∈ {${cfg.logisticEtas.join(", ")}}, population loss and H by quadrature. ` +
        `Burn-in ${cfg.burnIn} relaxation times, then snapshots every half relaxation time for ${cfg.window}; uncertainties are standard errors over chains. Limits are quadratic fits in η with degrees of freedom left, χ² reported.`,
      statements,
      measurements,
      plots,
    };
  },
};
