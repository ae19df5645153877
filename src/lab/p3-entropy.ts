/**
 * P3 — entropy and mutual information, measured from samples.
 * (a) the Kozachenko–Leonenko k-NN estimator of H(N(0, σ²)) (no density used) against ln σ + ½(1 + ln 2π);
 * (b) I(x; z), z = x + ε, by KSG (samples only) and by Monte Carlo with the densities, and H(z), H(z|x)
 *     separately by k-NN (H(z|x) = H(ε) from the residuals z − x), so the report shows which step fails;
 * (c) rescaling: entropy shifts by ln k; I is unchanged when both variables are rescaled; what each
 *     estimator does when x alone or z alone is rescaled; I as a KL divergence (forward vs reverse).
 */
import * as fl from "../index.js";
import type { Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import { klEntropy } from "./knn-entropy.js";
import type { Problem } from "./problem.js";
import { checkSet, controlByChecks, decide, type Statement } from "./statement.js";
import { quadrature } from "./stats.js";

const C0 = 0.5 * (1 + Math.log(2 * Math.PI));
const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

const KEY = {
  a: "$$\\begin{aligned} H(p) &= E_{x \\sim P} - \\ln p(x) \\\\ &= E_{x \\sim P} \\frac{x^2}{2\\sigma^2} + \\ln \\sigma + \\ln \\sqrt{2\\pi} \\\\ &= \\frac{\\sigma^2}{2\\sigma^2} + \\ln \\sigma + \\frac{1}{2} \\ln 2\\pi \\\\ &= \\ln \\sigma + \\frac{1}{2}(1 + \\ln 2\\pi) \\end{aligned}$$",
  b1: "$$I(z, x) = H(z) - H(z|x)$$",
  b2: "$$\\begin{aligned} &= \\ln(\\sigma_x^2 + \\sigma_\\epsilon^2) - \\ln \\sigma_\\epsilon^2 \\\\ &= \\ln \\left(\\frac{\\sigma_x^2 + \\sigma_\\epsilon^2}{\\sigma_\\epsilon^2} \\right) \\\\ &= \\ln \\left(1 + \\frac{\\sigma_x^2}{\\sigma_\\epsilon^2} \\right) \\end{aligned}$$",
  c1: "The numerical value of differential entropy is sensitive to the units we choose for σ .",
  c2: "As long as σ_x and σ_ϵ are measured in the same units, the numerical value of the mutual information is units-independent.",
  c3: "This is consistent with the fact that differential entropy is not directly meaningful while mutual information can be written as a KL-divergence and differential KL-divergence is meaningful.",
};

interface Config {
  sigmas: number[];
  /** (σx, σε) pairs for (b). */
  pairs: [number, number][];
  mcSamples: number;
  knnSamples: number;
  scales: number[];
}
const FULL: Config = {
  sigmas: [0.01, 0.1, 1, 10, 1000],
  pairs: [[0.3, 1], [1, 1], [1.5, 0.5], [3, 1], [30, 3], [10, 1]],
  mcSamples: 200_000,
  knnSamples: 10_000,
  scales: [0.001, 1000],
};
const QUICK: Config = { sigmas: [0.1, 1, 1000], pairs: [[1, 1], [1.5, 0.5], [10, 1]], mcSamples: 20_000, knnSamples: 2_000, scales: [1000] };

function normals(n: number, seed: number, scale = 1): Float64Array {
  const a = fl.randn([n], { seed, dtype: "float64" }).data as Float64Array;
  return Float64Array.from(a, (v) => v * scale);
}

/** ln N(v; 0, s²). */
const logN = (v: number, s: number) => (-0.5 * v * v) / (s * s) - Math.log(s) - HALF_LN_2PI;

function mean(xs: number[]): { estimate: number; stderr: number } {
  const r = fl.prob.mcMean(xs);
  return { estimate: r.estimate, stderr: r.stderr };
}

/** Samples of (x, z = x + ε) with x ∼ N(0, sx²), ε ∼ N(0, se²). */
function channel(sx: number, se: number, n: number, seed: number): { x: Float64Array; z: Float64Array } {
  const x = normals(n, seed, sx);
  const e = normals(n, seed + 1, se);
  return { x, z: Float64Array.from(x, (v, i) => v + e[i]!) };
}

/** I = E ln p(z|x)/p(z) by Monte Carlo with the densities; `ax`, `az`: units of x and z (x' = ax·x, z' = az·z). */
function mcMI(sx: number, se: number, n: number, seed: number, ax = 1, az = 1) {
  const { x, z } = channel(sx, se, n, seed);
  const sz = Math.hypot(sx, se);
  // in the new units: z' | x' ∼ N(az·x'/ax, (az·se)²), z' ∼ N(0, (az·sz)²)
  return mean(Array.from(x, (xv, i) => logN(az * z[i]! - (az * (ax * xv)) / ax, az * se) - logN(az * z[i]!, az * sz)));
}

/** KL(p(x)p(z) ‖ p(x,z)) by Monte Carlo on independent pairs: the reverse divergence (a wrong reading of (c)). */
function mcReverseKL(sx: number, se: number, n: number, seed: number) {
  const x = normals(n, seed, sx);
  const sz = Math.hypot(sx, se);
  const z = normals(n, seed + 7, sz);
  return mean(Array.from(x, (xv, i) => logN(z[i]!, sz) - logN(z[i]! - xv, se)));
}

function ksg(x: ArrayLike<number>, z: ArrayLike<number>, seed: number) {
  const r = fl.prob.ksgMutualInformation(x, z, { k: 3, seed });
  return { estimate: r.estimate, stderr: r.stderr };
}

/** P3: differential entropy, mutual information and units. */
export const p3: Problem = {
  id: "P3",
  title: "Entropy and mutual information",
  steps: (quick) => {
    const c = quick ? QUICK : FULL;
    return 1 + c.pairs.length + 1;
  },
  async run(ctx): Promise<ProblemOutput> {
    const cfg = ctx.quick ? QUICK : FULL;
    const statements: Statement[] = [];
    const measurements: Measurement[] = [];
    const plots: PlotSpec[] = [];
    const st = { kind: "statistical" as const };
    // ---- (a)
    const ent = cfg.sigmas.map((sigma, i) => ({ sigma, r: klEntropy(normals(cfg.knnSamples, 100 + i, sigma)) }));
    await ctx.tick("P3 (a)");
    const aRows = (f: (s: number) => number) => ent.map((e) => ({ params: { sigma: e.sigma, samples: cfg.knnSamples }, value: f(e.sigma), measured: e.r.estimate, uncertainty: e.r.stderr }));
    statements.push(
      decide({
        id: "P3.a",
        part: "a",
        key: KEY.a,
        kind: "exact",
        assumptions: ["natural logarithm (nats)", "H estimated by Kozachenko–Leonenko (k = 3) from samples alone, so the density formula being tested is not used to measure it"],
        checks: checkSet("ln σ + ½(1 + ln 2π)", st, aRows((s) => Math.log(s) + C0)),
        controls: [
          controlByChecks("ln σ² + ½(1 + ln 2π)", "taking ln of the variance (the slip (b) makes)", checkSet("ln σ² + ½(1 + ln 2π)", st, aRows((s) => 2 * Math.log(s) + C0))),
          controlByChecks("ln σ + ½ ln 2π", "dropping E x²/(2σ²) = ½", checkSet("ln σ + ½ ln 2π", st, aRows((s) => Math.log(s) + HALF_LN_2PI))),
        ],
        plots: ["P3-entropy"],
        measurement: `k-NN entropy at σ = ${ent.map((e) => `${e.sigma}: ${e.r.estimate.toFixed(3)} ± ${e.r.stderr.toFixed(3)}`).join(", ")}`,
      }),
    );
    // ---- (b)
    type B = { sx: number; se: number; snr: number; hz: ReturnType<typeof klEntropy>; hzx: ReturnType<typeof klEntropy>; ksg: { estimate: number; stderr: number }; mc: { estimate: number; stderr: number } };
    const bs: B[] = [];
    for (const [i, [sx, se]] of cfg.pairs.entries()) {
      const { x, z } = channel(sx, se, cfg.knnSamples, 300 + 2 * i);
      const hz = klEntropy(z);
      const hzx = klEntropy(Float64Array.from(z, (v, j) => v - x[j]!)); // given x, z − x = ε: H(z|x) = H(ε)
      bs.push({ sx, se, snr: (sx * sx) / (se * se), hz, hzx, ksg: ksg(x, z, 400 + i), mc: mcMI(sx, se, cfg.mcSamples, 500 + 2 * i) });
      await ctx.tick("P3 (b)");
    }
    const bp = (b: B, est: string, n: number) => ({ sigma_x: b.sx, sigma_eps: b.se, snr: Number(b.snr.toPrecision(4)), estimator: est, samples: n });
    const iRows = (f: (b: B) => number) =>
      bs.flatMap((b) => [
        { params: bp(b, "KSG", cfg.knnSamples), value: f(b), measured: b.ksg.estimate, uncertainty: b.ksg.stderr },
        { params: bp(b, "MC, densities", cfg.mcSamples), value: f(b), measured: b.mc.estimate, uncertainty: b.mc.stderr },
      ]);
    const diffRows = (sign: number) => bs.map((b) => ({ params: bp(b, "KSG vs k-NN H(z) − H(z|x)", cfg.knnSamples), value: sign * (b.hz.estimate - b.hzx.estimate), measured: b.ksg.estimate, uncertainty: quadrature(b.ksg.stderr, b.hz.stderr, b.hzx.stderr) }));
    statements.push(
      decide({
        id: "P3.b.1",
        part: "b",
        key: KEY.b1,
        kind: "exact",
        checks: checkSet("I (KSG) = H(z) − H(z|x) (k-NN entropies)", st, diffRows(1)),
        controls: [controlByChecks("I(z, x) = H(z|x) − H(z)", "the difference the wrong way round", checkSet("H(z|x) − H(z)", st, diffRows(-1)))],
        measurement: bs.map((b) => `SNR ${b.snr.toPrecision(3)}: KSG ${b.ksg.estimate.toFixed(3)}, H(z) − H(z|x) = ${(b.hz.estimate - b.hzx.estimate).toFixed(3)}`).join("; "),
      }),
    );
    const hRows = (f: (b: B) => number, g: (b: B) => number) =>
      bs.flatMap((b) => [
        { params: { ...bp(b, "k-NN", cfg.knnSamples), entropy: "H(z)" }, value: f(b), measured: b.hz.estimate, uncertainty: b.hz.stderr },
        { params: { ...bp(b, "k-NN", cfg.knnSamples), entropy: "H(z|x)" }, value: g(b), measured: b.hzx.estimate, uncertainty: b.hzx.stderr },
      ]);
    const hzOk = checkSet("H(z) = ln σ_z + c, H(z|x) = ln σ_ε + c (part (a))", st, hRows((b) => Math.log(Math.hypot(b.sx, b.se)) + C0, (b) => Math.log(b.se) + C0));
    const hzKey = checkSet("H(z) = ln σ_z² + c, H(z|x) = ln σ_ε² + c (the key's step)", st, hRows((b) => Math.log(b.sx ** 2 + b.se ** 2) + C0, (b) => Math.log(b.se ** 2) + C0));
    measurements.push({
      name: "H(z) and H(z|x) measured separately (k-NN): settings where each follows ln σ + c | ln σ² + c",
      params: { settings: bs.length },
      value: hzOk.checks.filter((c) => c.agrees).length,
      uncertainty: 0,
      reference: hzKey.checks.filter((c) => c.agrees).length,
      referenceFormula: `ln σ: ${hzOk.agrees ? "all agree" : "not all agree"}; ln σ² (the key's step): ${hzKey.agrees ? "all agree" : `${hzKey.checks.filter((c) => !c.agrees).length} of ${hzKey.checks.length} rejected`}`,
      agrees: hzOk.agrees && !hzKey.agrees,
    });
    const worstSnr = bs.reduce((a, b) => (b.snr > a.snr ? b : a));
    statements.push(
      decide({
        id: "P3.b.2",
        part: "b",
        key: KEY.b2,
        kind: "exact",
        assumptions: ["σ_x, σ_ε are standard deviations (the problem's 'variance σ_x' is read as σ_x²; reading σ as a variance gives ½ ln(1 + σ_x/σ_ε), not the key's form either)", "measured at σ_ε ≠ 1 as well as σ_ε = 1"],
        checks: checkSet("ln(1 + σx²/σε²)", st, iRows((b) => Math.log1p(b.snr))),
        correction: {
          line: "= ln σ_z − ln σ_ε = ½ ln(σ_x² + σ_ε²) − ½ ln σ_ε² = ½ ln(1 + σ_x²/σ_ε²)",
          reason: "by (a) H = ln σ + c, not ln σ² + c: the step's entropies are twice too large (H(z) and H(z|x) measured separately follow ln σ), so I is ½ ln(1 + SNR)",
          typo: false,
          checks: checkSet("½ ln(1 + σx²/σε²)", st, iRows((b) => 0.5 * Math.log1p(b.snr))),
        },
        controls: [controlByChecks("½ ln(σ_x²/σ_ε²) (the 1 dropped)", "the high-SNR form used at every SNR", checkSet("½ ln(σx²/σε²)", st, iRows((b) => 0.5 * Math.log(b.snr))))],
        plots: ["P3-mi"],
        measurement: `at SNR ${worstSnr.snr.toPrecision(3)}: KSG ${worstSnr.ksg.estimate.toFixed(3)} ± ${worstSnr.ksg.stderr.toFixed(3)}, MC ${worstSnr.mc.estimate.toFixed(4)} ± ${worstSnr.mc.stderr.toFixed(4)}; key ${Math.log1p(worstSnr.snr).toFixed(3)}, corrected ${(0.5 * Math.log1p(worstSnr.snr)).toFixed(3)}; H(z) and H(z|x) each follow ln σ + c (${hzOk.agrees ? "all settings" : "NOT all settings"}), not ln σ² + c`,
      }),
    );
    // ---- (c)
    const shifts = cfg.scales.map((k, i) => {
      const h1 = klEntropy(normals(cfg.knnSamples, 601 + 4 * i, 1));
      const hk = klEntropy(normals(cfg.knnSamples, 603 + 4 * i, k));
      return { k, d: hk.estimate - h1.estimate, u: quadrature(hk.stderr, h1.stderr) };
    });
    const shRows = (f: (k: number) => number) => shifts.map((s) => ({ params: { scale: s.k, samples: cfg.knnSamples }, value: f(s.k), measured: s.d, uncertainty: s.u }));
    statements.push(
      decide({
        id: "P3.c.1",
        part: "c",
        key: KEY.c1,
        kind: "exact",
        checks: checkSet("H(k·x) − H(x) = ln k (k-NN, independent samples)", st, shRows(Math.log)),
        controls: [controlByChecks("H(k·x) = H(x) (units do not matter)", "treating differential entropy like discrete entropy", checkSet("shift 0", st, shRows(() => 0)))],
        measurement: shifts.map((s) => `k = ${s.k}: H(kx) − H(x) = ${s.d.toFixed(3)} ± ${s.u.toFixed(3)} (ln k = ${Math.log(s.k).toFixed(3)})`).join("; "),
      }),
    );
    // I in other units: both rescaled (the key's case), x alone, z alone; independent samples against units 1
    const [sx, se] = [1, 1];
    const base = { ksg: (() => { const c = channel(sx, se, cfg.knnSamples, 701); return ksg(c.x, c.z, 701); })(), mc: mcMI(sx, se, cfg.mcSamples, 711) };
    type U = { k: number; which: "both" | "x" | "z"; ksg: { estimate: number; stderr: number }; ksgStd: { estimate: number; stderr: number }; mc: { estimate: number; stderr: number } };
    const units: U[] = [];
    let seed = 720;
    for (const k of cfg.scales)
      for (const which of ["both", "x", "z"] as const) {
        const ax = which === "z" ? 1 : k;
        const az = which === "x" ? 1 : k;
        const c = channel(sx, se, cfg.knnSamples, seed);
        const X = Float64Array.from(c.x, (v) => v * ax);
        const Z = Float64Array.from(c.z, (v) => v * az);
        const std = (a: Float64Array) => {
          const m = a.reduce((s, v) => s + v, 0) / a.length;
          const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
          return Float64Array.from(a, (v) => (v - m) / sd);
        };
        units.push({ k, which, ksg: ksg(X, Z, seed), ksgStd: ksg(std(X), std(Z), seed), mc: mcMI(sx, se, cfg.mcSamples, seed + 3, ax, az) });
        seed += 10;
      }
    await ctx.tick("P3 (c)");
    const uRows = (f: (k: number) => number, which: U["which"] = "both") =>
      units
        .filter((u) => u.which === which)
        .flatMap((u) => [
          { params: { scale: u.k, rescaled: which, estimator: "KSG" }, value: f(u.k), measured: u.ksg.estimate - base.ksg.estimate, uncertainty: quadrature(u.ksg.stderr, base.ksg.stderr) },
          { params: { scale: u.k, rescaled: which, estimator: "MC, densities" }, value: f(u.k), measured: u.mc.estimate - base.mc.estimate, uncertainty: quadrature(u.mc.stderr, base.mc.stderr) },
        ]);
    for (const u of units)
      measurements.push({
        name: `I after rescaling ${u.which === "both" ? "x and z" : `${u.which} alone`} by ${u.k}, minus I in the original units (SNR 1)`,
        params: { scale: u.k, rescaled: u.which },
        value: u.ksg.estimate - base.ksg.estimate,
        uncertainty: quadrature(u.ksg.stderr, base.ksg.stderr),
        referenceFormula: `KSG as measured; KSG on standardised x, z: ${(u.ksgStd.estimate - base.ksg.estimate).toFixed(4)}; MC with the densities: ${(u.mc.estimate - base.mc.estimate).toFixed(4)} ± ${quadrature(u.mc.stderr, base.mc.stderr).toFixed(4)}`,
        reference: 0,
        agrees: Math.abs(u.ksg.estimate - base.ksg.estimate) <= 3.3 * quadrature(u.ksg.stderr, base.ksg.stderr),
      });
    const alone = units.filter((u) => u.which !== "both");
    const ksgAloneWorst = alone.reduce((a, u) => (Math.abs(u.ksg.estimate - base.ksg.estimate) > Math.abs(a.ksg.estimate - base.ksg.estimate) ? u : a));
    const mcAlone = checkSet("I(ax; bz) = I(x; z) (MC with densities)", st, [...uRows(() => 0, "x"), ...uRows(() => 0, "z")].filter((r) => r.params.estimator !== "KSG"));
    statements.push(
      decide({
        id: "P3.c.2",
        part: "c",
        key: KEY.c2,
        kind: "exact",
        assumptions: [
          `the qualifier is sufficient, not necessary: I(ax; bz) = I(x; z) for any a, b ≠ 0 — measured with the densities for x alone and z alone rescaled (${mcAlone.agrees ? "invariant at every setting" : "NOT invariant"})`,
          `the KSG estimator is not unit-free when only one variable is rescaled (max-norm neighbourhoods mix the two scales): ${ksgAloneWorst.which} alone ×${ksgAloneWorst.k} moves it by ${(ksgAloneWorst.ksg.estimate - base.ksg.estimate).toFixed(3)} nats; standardising x and z first removes this (${(ksgAloneWorst.ksgStd.estimate - base.ksg.estimate).toFixed(3)})`,
        ],
        checks: checkSet("I(kx; kz) − I(x; z) = 0 (independent samples)", st, uRows(() => 0)),
        controls: [controlByChecks("I(kx; kz) − I(x; z) = ln k (as the entropy)", "carrying over the entropy's unit dependence", checkSet("shift ln k", st, uRows(Math.log)))],
        measurement: units
          .filter((u) => u.which === "both")
          .map((u) => `×${u.k}: KSG ${(u.ksg.estimate - base.ksg.estimate).toFixed(3)}, MC ${(u.mc.estimate - base.mc.estimate).toFixed(4)}`)
          .join("; "),
      }),
    );
    // I as a KL divergence: forward KL(p(x,z) ‖ p(x)p(z)) (MC) against KSG's density-free I; the reverse divergence is the control
    const kl = bs.map((b, i) => ({ b, fwd: b.mc, rev: mcReverseKL(b.sx, b.se, cfg.mcSamples, 900 + 2 * i) }));
    const klRows = (get: (r: (typeof kl)[number]) => { estimate: number; stderr: number }) =>
      kl.map((r) => ({ params: bp(r.b, "KSG vs MC divergence", cfg.knnSamples), value: get(r).estimate, measured: r.b.ksg.estimate, uncertainty: quadrature(get(r).stderr, r.b.ksg.stderr) }));
    statements.push(
      decide({
        id: "P3.c.3",
        part: "c",
        key: KEY.c3,
        kind: "exact",
        assumptions: ["tested: 'mutual information can be written as a KL-divergence', I(x; z) = KL(p(x, z) ‖ p(x)p(z)); 'meaningful' (unit-free) is P3.c.2's measurement and 'not directly meaningful' is P3.c.1's"],
        checks: checkSet("I (KSG, samples only) = KL(p(x,z) ‖ p(x)p(z)) (Monte Carlo with densities)", st, klRows((r) => r.fwd)),
        controls: [controlByChecks("I = KL(p(x)p(z) ‖ p(x,z)) (reverse divergence)", "KL is not symmetric; the order matters", checkSet("reverse KL", st, klRows((r) => r.rev)))],
        measurement: kl.map((r) => `SNR ${r.b.snr.toPrecision(3)}: KSG ${r.b.ksg.estimate.toFixed(3)}, forward KL ${r.fwd.estimate.toFixed(3)}, reverse ${r.rev.estimate.toFixed(3)}`).join("; "),
      }),
    );
    // ---- plots
    const logGrid = (lo: number, hi: number) => Array.from({ length: 40 }, (_, i) => 10 ** (Math.log10(lo) + ((Math.log10(hi) - Math.log10(lo)) * i) / 39));
    const sg = logGrid(cfg.sigmas[0]!, cfg.sigmas[cfg.sigmas.length - 1]!);
    plots.push({
      id: "P3-entropy",
      title: "P3 (a): differential entropy of N(0, σ²) against σ",
      xTitle: "σ",
      yTitle: "H (nats)",
      logX: true,
      series: [
        { name: "k-NN (Kozachenko–Leonenko), ±1σ", kind: "measured", points: ent.map((e) => ({ x: e.sigma, y: e.r.estimate, lo: e.r.estimate - e.r.stderr, hi: e.r.estimate + e.r.stderr })) },
        { name: "key: ln σ + ½(1 + ln 2π)", kind: "key", points: sg.map((s) => ({ x: s, y: Math.log(s) + C0 })) },
        { name: "control: ln σ² + ½(1 + ln 2π)", kind: "control", points: sg.map((s) => ({ x: s, y: 2 * Math.log(s) + C0 })) },
      ],
    });
    const snrs = bs.map((b) => b.snr);
    const rg = logGrid(Math.min(...snrs), Math.max(...snrs));
    const bar = (r: { estimate: number; stderr: number }, x: number) => ({ x, y: r.estimate, lo: r.estimate - r.stderr, hi: r.estimate + r.stderr });
    plots.push({
      id: "P3-mi",
      title: "P3 (b): I(x; x + ε) against the signal-to-noise ratio σx²/σε²",
      xTitle: "σx² / σε²",
      yTitle: "I (nats)",
      logX: true,
      series: [
        { name: "KSG on samples (±1σ)", kind: "measured", points: bs.map((b) => bar(b.ksg, b.snr)) },
        { name: "MC with densities (±1σ)", kind: "measured", points: bs.map((b) => bar(b.mc, b.snr * 1.04)) },
        { name: "k-NN H(z) − H(z|x) (±1σ)", kind: "measured", points: bs.map((b) => ({ x: b.snr * 0.96, y: b.hz.estimate - b.hzx.estimate, lo: b.hz.estimate - b.hzx.estimate - quadrature(b.hz.stderr, b.hzx.stderr), hi: b.hz.estimate - b.hzx.estimate + quadrature(b.hz.stderr, b.hzx.stderr) })) },
        { name: "key: ln(1 + SNR)", kind: "key", points: rg.map((r) => ({ x: r, y: Math.log1p(r) })) },
        { name: "corrected: ½ ln(1 + SNR)", kind: "corrected", points: rg.map((r) => ({ x: r, y: 0.5 * Math.log1p(r) })) },
      ],
    });
    return {
      setup:
        `Samples from fl.randn in float64. (a) Kozachenko–Leonenko k-NN entropy (k = 3, ${cfg.knnSamples} samples per σ; no density used), standard error from 10 disjoint subsamples. ` +
        `(b) (σx, σε) ∈ {${cfg.pairs.map((p) => `(${p[0]}, ${p[1]})`).join(", ")}}; I by fl.prob.ksgMutualInformation (k = 3, ${cfg.knnSamples} pairs, samples only) and by Monte Carlo E[ln p(z|x) − ln p(z)] with the densities (${cfg.mcSamples} samples); H(z) and H(z|x) = H(z − x) by k-NN. ` +
        `(c) new samples in units ×k (k ∈ {${cfg.scales.join(", ")}}) for x and z together, x alone and z alone, compared with units 1; the reverse divergence KL(p(x)p(z) ‖ p(x,z)) from independent pairs.`,
      statements,
      measurements,
      plots,
    };
  },
};
