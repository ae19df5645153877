/**
 * P3 — entropy and mutual information. (a) Monte-Carlo differential entropy of N(0, σ²) against the
 * key's ln σ + ½(1 + ln 2π); (b) I(x; z) of z = x + ε measured two independent ways — Monte Carlo
 * with the known densities, E[ln p(z|x) − ln p(z)], and the KSG k-nearest-neighbour estimator on the
 * samples alone — against the key's ln(1 + σx²/σε²); (c) the effect of changing units (×1000).
 */
import * as fl from "../index.js";
import type { Claim, Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { quadrature } from "./stats.js";
import { makeClaim } from "./verdict.js";

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

interface Config {
  sigmas: number[];
  snrs: number[];
  mcSamples: number;
  ksgSamples: number;
}
const FULL: Config = { sigmas: [0.01, 0.1, 1, 10, 1000], snrs: [0.1, 1, 10, 100], mcSamples: 200_000, ksgSamples: 10_000 };
const QUICK: Config = { sigmas: [0.1, 1, 1000], snrs: [1, 10], mcSamples: 20_000, ksgSamples: 2_000 };

/** ln N(v; 0, s²) for every entry of v (fl ops). */
function logNormal(v: fl.Tensor, s: number): fl.Tensor {
  return fl.sub(fl.mul(-0.5 / (s * s), fl.square(v)), Math.log(s) + HALF_LN_2PI);
}

function mcEntropy(sigma: number, n: number, seed: number): fl.prob.Estimate {
  const x = fl.mul(sigma, fl.randn([n], { seed, dtype: "float64" }));
  return fl.prob.mcEntropy(x, (s) => logNormal(s, sigma));
}

/** Samples of the channel z = x + ε with x ∼ N(0, sx²), ε ∼ N(0, se²). */
function channel(sx: number, se: number, n: number, seed: number): { x: fl.Tensor; z: fl.Tensor } {
  const x = fl.mul(sx, fl.randn([n], { seed, dtype: "float64" }));
  const z = fl.add(x, fl.mul(se, fl.randn([n], { seed: seed + 1, dtype: "float64" })));
  return { x, z };
}

/** I(x; z) = E[ln p(z|x) − ln p(z)] by Monte Carlo with the known densities (p(z) = N(0, sx² + se²)). */
function mcMI(sx: number, se: number, n: number, seed: number): fl.prob.Estimate {
  const { x, z } = channel(sx, se, n, seed);
  const v = fl.sub(logNormal(fl.sub(z, x), se), logNormal(z, Math.hypot(sx, se)));
  return fl.prob.mcMean(v);
}

function ksgMI(sx: number, se: number, n: number, seed: number): fl.prob.KSGResult {
  const { x, z } = channel(sx, se, n, seed);
  return fl.prob.ksgMutualInformation(x, z, { k: 3, seed });
}

export const p3: Problem = {
  id: "P3",
  title: "Entropy and mutual information",
  steps: (quick) => {
    const c = quick ? QUICK : FULL;
    return c.sigmas.length + c.snrs.length + 1;
  },
  async run(ctx): Promise<ProblemOutput> {
    const cfg = ctx.quick ? QUICK : FULL;
    const claims: Claim[] = [];
    const measurements: Measurement[] = [];
    const plots: PlotSpec[] = [];
    const ent: { x: number; y: number; lo: number; hi: number }[] = [];
    cfg.sigmas.forEach((sigma, i) => {
      const e = mcEntropy(sigma, cfg.mcSamples, 100 + i);
      ent.push({ x: sigma, y: e.estimate, lo: e.estimate - e.stderr, hi: e.estimate + e.stderr });
      claims.push(
        makeClaim({
          id: `P3.a.sigma${sigma}`,
          statement: "(a) H(N(0, σ²)) = ln σ + ½(1 + ln 2π)  (Monte Carlo, E[−ln p(x)])",
          params: { sigma, samples: cfg.mcSamples },
          key: Math.log(sigma) + 0.5 * (1 + Math.log(2 * Math.PI)),
          measured: e.estimate,
          uncertainty: e.stderr,
          test: { kind: "statistical" },
        }),
      );
    });
    for (const _ of cfg.sigmas) await ctx.tick("P3 (a)");
    const sx = (snr: number) => Math.sqrt(snr); // σε = 1
    const mi: Record<string, { x: number; y: number; lo: number; hi: number }[]> = { mc: [], ksg: [] };
    for (const [i, snr] of cfg.snrs.entries()) {
      const key = Math.log(1 + snr);
      const corrected = { value: fl.prob.gaussianChannelMI(snr, 1), formula: "I(x; z) = H(z) − H(z|x) = ln σ_z − ln σ_ε = ½ ln(1 + σx²/σε²)" };
      const note = "the key's step H(z) − H(z|x) = ln(σx² + σε²) − ln σε² drops the ½ of ln σ² = 2 ln σ; (reading σx as a variance instead gives ½ ln(1 + σx/σε), not the key's form either)";
      // the same claim measured two independent ways
      const estimators = [
        { tag: "mc", how: "Monte Carlo with the known densities", samples: cfg.mcSamples, r: mcMI(sx(snr), 1, cfg.mcSamples, 300 + 2 * i), note },
        { tag: "ksg", how: "KSG k-NN estimator on samples, k = 3", samples: cfg.ksgSamples, r: ksgMI(sx(snr), 1, cfg.ksgSamples, 400 + 2 * i), note: "KSG uses only the samples (no densities); its standard error comes from 10 disjoint subsamples" },
      ];
      for (const e of estimators) {
        mi[e.tag]!.push({ x: snr, y: e.r.estimate, lo: e.r.estimate - e.r.stderr, hi: e.r.estimate + e.r.stderr });
        claims.push(
          makeClaim({
            id: `P3.b.${e.tag}.snr${snr}`,
            statement: `(b) I(x; z) = ln(1 + σx²/σε²)  (${e.how})`,
            params: { snr, samples: e.samples },
            key,
            measured: e.r.estimate,
            uncertainty: e.r.stderr,
            test: { kind: "statistical" },
            corrected,
            note: e.note,
          }),
        );
      }
      await ctx.tick("P3 (b)");
    }
    // (c) change of units: x and ε (so z) in units 1000 times smaller — every value ×1000
    const k = 1000;
    const h1 = mcEntropy(1, cfg.mcSamples, 501);
    const hk = mcEntropy(k, cfg.mcSamples, 502);
    claims.push(
      makeClaim({
        id: "P3.c.entropy",
        statement: "(c) differential entropy depends on the units: H(1000·x) − H(x) = ln 1000",
        params: { sigma: 1, scale: k, samples: cfg.mcSamples },
        key: Math.log(k),
        measured: hk.estimate - h1.estimate,
        uncertainty: quadrature(hk.stderr, h1.stderr),
        test: { kind: "statistical" },
        note: "independent samples at each scale; the key's closed form of (a) gives the shift ln 1000",
      }),
    );
    // the same statement measured by both estimators (independent samples at each scale)
    const estimators = [
      { tag: "mc", name: "Monte Carlo", samples: cfg.mcSamples, measure: mcMI, seeds: [601, 603] },
      { tag: "ksg", name: "KSG", samples: cfg.ksgSamples, measure: ksgMI, seeds: [701, 703] },
    ];
    for (const e of estimators) {
      const base = e.measure(1, 1, e.samples, e.seeds[0]!);
      const scaled = e.measure(k, k, e.samples, e.seeds[1]!);
      claims.push(
        makeClaim({
          id: `P3.c.mi.${e.tag}`,
          statement: "(c) mutual information does not depend on the units: I(1000x; 1000z) − I(x; z) = 0",
          params: { snr: 1, scale: k, estimator: e.name, samples: e.samples },
          key: 0,
          measured: scaled.estimate - base.estimate,
          uncertainty: quadrature(scaled.stderr, base.stderr),
          test: { kind: "statistical" },
        }),
      );
    }
    await ctx.tick("P3 (c)");
    measurements.push({
      name: "fl.prob.gaussianEntropy(1) (the library's closed form)",
      params: { sigma: 1 },
      value: fl.prob.gaussianEntropy(1),
      uncertainty: 0,
      reference: 0.5 * (1 + Math.log(2 * Math.PI)),
      agrees: Math.abs(fl.prob.gaussianEntropy(1) - 0.5 * (1 + Math.log(2 * Math.PI))) < 1e-12,
    });
    const sgrid = Array.from({ length: 30 }, (_, i) => 10 ** (Math.log10(cfg.sigmas[0]!) + ((Math.log10(cfg.sigmas[cfg.sigmas.length - 1]!) - Math.log10(cfg.sigmas[0]!)) * i) / 29));
    plots.push({
      id: "P3-entropy",
      title: "P3 (a): differential entropy of N(0, σ²) against σ",
      xTitle: "σ",
      yTitle: "H (nats)",
      logX: true,
      series: [
        { name: "Monte Carlo (±1σ)", kind: "measured", points: ent },
        { name: "key: ln σ + ½(1 + ln 2π)", kind: "key", points: sgrid.map((s) => ({ x: s, y: Math.log(s) + 0.5 * (1 + Math.log(2 * Math.PI)) })) },
      ],
    });
    const rgrid = Array.from({ length: 30 }, (_, i) => 10 ** (Math.log10(cfg.snrs[0]!) + ((Math.log10(cfg.snrs[cfg.snrs.length - 1]!) - Math.log10(cfg.snrs[0]!)) * i) / 29));
    plots.push({
      id: "P3-mi",
      title: "P3 (b): I(x; x + ε) against the signal-to-noise ratio",
      xTitle: "σx² / σε²",
      yTitle: "I (nats)",
      logX: true,
      logY: true,
      series: [
        { name: "Monte Carlo with densities (±1σ)", kind: "measured", points: mi.mc! },
        { name: "KSG on samples (±1σ)", kind: "measured", points: mi.ksg! },
        { name: "key: ln(1 + SNR)", kind: "key", points: rgrid.map((r) => ({ x: r, y: Math.log1p(r) })) },
        { name: "corrected: ½ ln(1 + SNR)", kind: "corrected", points: rgrid.map((r) => ({ x: r, y: 0.5 * Math.log1p(r) })) },
      ],
    });
    return {
      setup:
        `Samples from fl.randn in float64. (a) ${cfg.mcSamples} samples per σ; H = E[−ln p(x)] by fl.prob.mcEntropy with the N(0, σ²) log-density written in fl ops. ` +
        `(b) σε = 1, σx² = SNR; Monte Carlo: ${cfg.mcSamples} samples of ln p(z|x) − ln p(z) (fl.prob.mcMean); KSG: fl.prob.ksgMutualInformation on ${cfg.ksgSamples} (x, z) pairs, k = 3. ` +
        `(c) every value ×1000 (new samples), differences with combined standard errors.`,
      claims,
      measurements,
      plots,
    };
  },
};
