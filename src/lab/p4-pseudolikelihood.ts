/**
 * P4 — pseudolikelihood of the all-ones assignment of the seed's chain, f(x̂) = Σ_i 1[x̂_i = x̂_{i+1}],
 * Q = softmax over all 2^N assignments. The key: P̃(1…1) = (1 + e^{−1})^{−2}(1 + e^{−2})^{−(N−2)}.
 * Measured by brute force: each conditional P(x̂_i = 1 | x̂/i) = Q(1…1) / (Q(1…1) + Q(1…1 with x̂_i = 0))
 * from the exact Q (scores and ln Z by enumerating every assignment) — no use of the neighbour
 * structure that the key's derivation relies on. Beside it the true probability Q(1…1).
 */
import * as fl from "../index.js";
import type { Claim, Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { makeClaim } from "./verdict.js";

/** Relative rounding bound for a float64 computation that sums the 2^N terms of Z: max(1e-12, 2^N·2.2e-16). */
const rounding = (N: number) => Math.max(1e-12, 2 ** N * 2.2e-16);

export const p4: Problem = {
  id: "P4",
  title: "Pseudolikelihood",
  steps: (quick) => (quick ? 9 : 19),
  async run(ctx): Promise<ProblemOutput> {
    const maxN = ctx.quick ? 10 : 20;
    const claims: Claim[] = [];
    const measurements: Measurement[] = [];
    const pl: { x: number; y: number }[] = [];
    const lik: { x: number; y: number }[] = [];
    let worstLibrary = 0;
    for (let N = 2; N <= maxN; N++) {
      // the seed's model in one line: two states, Ψ[s, t] = 1[s = t] on every edge of the chain
      const mrf = fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2, { dtype: "float64" }) });
      const ones = new Array<number>(N).fill(1);
      const flips = Array.from({ length: N }, (_, i) => ones.map((v, j) => (j === i ? 0 : v)));
      const logZ = mrf.logPartition({ method: "enumerate" }).item();
      const logZdp = mrf.logPartition({ method: "dp" }).item();
      const scores = mrf.score([ones, ...flips]).data; // f(1…1), then f with node i set to 0
      let logPL = 0;
      for (let i = 0; i < N; i++) {
        const a = scores[0]! - logZ; // ln Q(1…1)
        const b = scores[i + 1]! - logZ; // ln Q(1…1 with x̂_i = 0)
        logPL += a - Math.log(Math.exp(a) + Math.exp(b));
      }
      const measured = Math.exp(logPL);
      const key = (1 + Math.exp(-1)) ** -2 * (1 + Math.exp(-2)) ** -(N - 2);
      const library = Math.exp(mrf.logPseudoLikelihood(ones).item());
      worstLibrary = Math.max(worstLibrary, Math.abs(library - measured) / measured);
      claims.push(
        makeClaim({
          id: `P4.N${N}`,
          statement: "pseudolikelihood of all ones = (1 + e^{−1})^{−2}(1 + e^{−2})^{−(N−2)}  (brute-force conditionals from the exact Q)",
          params: { N },
          key,
          measured,
          uncertainty: 0,
          test: { kind: "exact", tolerance: 0, relative: rounding(N), why: "float64 rounding of a sum over 2^N assignments" },
        }),
      );
      const q = Math.exp(scores[0]! - logZ);
      const qForm = Math.exp(N - 1) / (2 * (1 + Math.E) ** (N - 1));
      if ([2, 5, 10, 15, 20].includes(N) || N === maxN) measurements.push({
        name: "true probability Q(1…1) (exact Z by enumeration)",
        params: { N },
        value: q,
        uncertainty: 0,
        reference: qForm,
        referenceFormula: "Z = 2(1 + e)^{N−1} (each edge: equal e^1 or unequal e^0), Q(1…1) = e^{N−1}/Z; chain DP ln Z agrees: " + (Math.abs(logZdp - logZ) < 1e-9 ? "yes" : `no (${logZdp} vs ${logZ})`),
        agrees: Math.abs(q - qForm) <= rounding(N) * qForm,
      });
      pl.push({ x: N, y: measured });
      lik.push({ x: N, y: q });
      await ctx.tick(`P4 N=${N}`);
    }
    measurements.push({
      name: "fl.prob MRF.logPseudoLikelihood (neighbours only) vs brute force, max relative |Δ|",
      params: { N: `2..${maxN}` },
      value: worstLibrary,
      uncertainty: 0,
      reference: 0,
      agrees: worstLibrary <= 1e-12,
    });
    const Ns = pl.map((p) => p.x);
    const plots: PlotSpec[] = [
      {
        id: "P4-pl-vs-likelihood",
        title: "P4: pseudolikelihood and likelihood of all ones against N",
        xTitle: "nodes N",
        xIntegers: true,
        yTitle: "probability",
        logY: true,
        series: [
          { name: "pseudolikelihood, brute force", kind: "measured", points: pl },
          { name: "key: (1+e^{−1})^{−2}(1+e^{−2})^{−(N−2)}", kind: "key", points: Ns.map((N) => ({ x: N, y: (1 + Math.exp(-1)) ** -2 * (1 + Math.exp(-2)) ** -(N - 2) })) },
          { name: "likelihood Q(1…1), exact", kind: "other", points: lik },
        ],
      },
    ];
    return {
      setup:
        `fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2) }) in float64, N = 2…${maxN}. Scores from MRF.score, ln Z by enumerating all 2^N assignments (checked against the chain DP). ` +
        "Each conditional is computed from the full joint as Q(x̂)/Σ_v Q(x̂ with x̂_i = v), so the measurement does not assume the local form that the key derives. Exact quantities: agreement within the float64 rounding bound max(1e-12, 2^N·2.2e-16), relative.",
      claims,
      measurements,
      plots,
    };
  },
};
