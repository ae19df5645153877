/**
 * P4 — pseudolikelihood of the seed's chain, f(x̂) = Σ_i 1[x̂_i = x̂_{i+1}], Q = softmax over all 2^N
 * assignments. Every conditional is measured by brute force from the exact Q (scores of whole
 * assignments and ln Z by enumeration): Q(x̂_i = v | x̂/i) = Q(x̂ with x̂_i = v)/Σ_u Q(x̂ with x̂_i = u),
 * with no use of the neighbour structure the key's derivation relies on. Beyond the all-ones
 * assignment, random assignments test the neighbour statement and the library's general pseudolikelihood.
 */
import * as fl from "../index.js";
import { Generator } from "../random.js";
import type { Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { checkSet, controlByChecks, decide, type Statement } from "./statement.js";

/** Relative rounding bound for a float64 computation that sums the 2^N terms of Z: max(1e-12, 2^N·2.2e-16). */
const rounding = (N: number) => Math.max(1e-12, 2 ** N * 2.2e-16);
const EXACT = { kind: "exact" as const, tolerance: 0, why: "an integer score" };
const ROUND = { kind: "exact" as const, tolerance: 1e-12, why: "float64 rounding" };

const KEY = {
  def: "$$\\tilde{P}_f(\\hat{x}) = \\prod_i P_f(\\hat{x}[i] \\mid \\hat{x}/i)$$",
  nb: "In a graphical model $P_f(\\hat{x}[i] \\mid \\hat{x}/i)$ is determined by the neighbors of i and we can consider only how a value is scored against its neighbors.",
  f: "$$f(\\hat{x}) = N - 1$$",
  f0: "$$f(\\hat{x}[i] = 0) = \\begin{cases} N - 3 & \\text{for } 1 < i < N \\\\ N - 2 & \\text{for } i = 1 \\text{ or } i = N \\end{cases}$$",
  mid: "$$\\begin{aligned} Q_f(\\hat{x}[i = 1] \\mid \\hat{x}/i) &= \\frac{e^{N-1}}{e^{N-1} + e^{N-3}} \\\\ &= \\frac{1}{1 + e^{-2}} \\end{aligned}$$",
  end: "$$Q_f(\\hat{x}[i = 1] \\mid \\hat{x}/i) = \\frac{1}{1 + e^{-1}}$$",
  pl: "$$\\tilde{Q}(\\hat{x}) = (1 + e^{-1})^{-2}(1 + e^{-2})^{-(N-2)}$$",
};

/** ln Q of each assignment (rows) under the seed's chain model with N nodes, from whole-assignment scores. */
function chain(N: number) {
  const mrf = fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2, { dtype: "float64" }) });
  const logZ = mrf.logPartition({ method: "enumerate" }).item();
  const score = (xs: number[][]) => Array.from(mrf.score(xs).data);
  /** Q(x̂_i = v | x̂/i) from the joint: e^{f(x̂ with v)} / Σ_u e^{f(x̂ with u)}. */
  const conditional = (x: number[], i: number, v: number) => {
    const [s0, s1] = score([x.map((a, j) => (j === i ? 0 : a)), x.map((a, j) => (j === i ? 1 : a))]);
    const a = (v === 1 ? s1! : s0!) - logZ;
    return Math.exp(a - Math.log(Math.exp(s0! - logZ) + Math.exp(s1! - logZ)));
  };
  return { mrf, logZ, score, conditional };
}

/** Q(x̂_i = v | neighbours) from the neighbours alone: e^{agree(v)} / (e^{agree(0)} + e^{agree(1)}). */
function localConditional(x: number[], i: number, v: number, onlyLeft = false): number {
  const agree = (u: number) => (i > 0 && x[i - 1] === u ? 1 : 0) + (!onlyLeft && i < x.length - 1 && x[i + 1] === u ? 1 : 0);
  return Math.exp(agree(v)) / (Math.exp(agree(0)) + Math.exp(agree(1)));
}

/** P4: the pseudolikelihood of the chain model. */
export const p4: Problem = {
  id: "P4",
  title: "Pseudolikelihood",
  steps: (quick) => (quick ? 2 : 3),
  async run(ctx): Promise<ProblemOutput> {
    const maxN = ctx.quick ? 10 : 18;
    const measurements: Measurement[] = [];
    const statements: Statement[] = [];
    type Row = { N: number; pl: number; q: number; lib: number; f: number; f0: number[]; cond: number[] };
    const rows: Row[] = [];
    for (let N = 1; N <= maxN; N++) {
      const c = chain(N);
      const ones = new Array<number>(N).fill(1);
      const flips = Array.from({ length: N }, (_, i) => ones.map((v, j) => (j === i ? 0 : v)));
      const scores = c.score([ones, ...flips]);
      const cond = Array.from({ length: N }, (_, i) => c.conditional(ones, i, 1));
      rows.push({ N, pl: cond.reduce((a, b) => a * b, 1), q: Math.exp(scores[0]! - c.logZ), lib: Math.exp(c.mrf.logPseudoLikelihood(ones).item()), f: scores[0]!, f0: scores.slice(1), cond });
    }
    await ctx.tick("P4 all ones");
    // random assignments: every conditional from the joint against the neighbours-only formula
    const gen = new Generator(44);
    type R = { N: number; x: number[]; i: number; brute: number; local: number; left: number };
    const rnd: R[] = [];
    const plRnd: { N: number; brute: number; lib: number; likelihood: number }[] = [];
    for (let N = 3; N <= Math.min(maxN, 12); N++) {
      const c = chain(N);
      for (let t = 0; t < 4; t++) {
        const x = Array.from({ length: N }, () => (gen.random() < 0.5 ? 0 : 1));
        let prod = 1;
        for (let i = 0; i < N; i++) {
          const brute = c.conditional(x, i, x[i]!);
          prod *= brute;
          rnd.push({ N, x, i, brute, local: localConditional(x, i, x[i]!), left: localConditional(x, i, x[i]!, true) });
        }
        plRnd.push({ N, brute: prod, lib: Math.exp(c.mrf.logPseudoLikelihood(x).item()), likelihood: Math.exp(c.score([x])[0]! - c.logZ) });
      }
    }
    await ctx.tick("P4 random assignments");
    const valid = rows.filter((r) => r.N >= 2);
    const rel = (N: number) => ({ kind: "exact" as const, tolerance: 0, relative: rounding(N), why: "float64 rounding of a sum over 2^N assignments" });
    const maxRel = Math.max(...valid.map((r) => rounding(r.N)));
    const plTest = { ...rel(maxN), relative: maxRel };
    const plRndRows = (f: (p: (typeof plRnd)[number]) => number) => plRnd.map((p) => ({ params: { N: p.N }, value: f(p), measured: p.brute }));
    statements.push(
      decide({
        id: "P4.1",
        part: "",
        key: KEY.def,
        kind: "exact",
        reading: {
          how: "P_f is the model the question calls Q_f (the key switches letters, and later writes Q̃ for P̃): P̃_f(x̂) = ∏_i Q_f(x̂[i] | x̂/i)",
          checks: checkSet("∏_i Q(x̂_i | x̂/i) from the joint = fl.prob MRF.logPseudoLikelihood (random assignments)", plTest, plRnd.map((p) => ({ params: { N: p.N }, value: p.lib, measured: p.brute }))),
        },
        controls: [controlByChecks("P̃ = Q(x̂), the likelihood", "confusing the pseudolikelihood with the likelihood", checkSet("Q(x̂)", plTest, plRndRows((p) => p.likelihood)))],
        measurement: `on ${plRnd.length} random assignments (N = 3…${Math.min(maxN, 12)}) the product of brute-force conditionals equals the library's pseudolikelihood`,
      }),
    );
    const rRows = (f: (r: R) => number) => rnd.map((r) => ({ params: { N: r.N, i: r.i + 1 }, value: f(r), measured: r.brute }));
    statements.push(
      decide({
        id: "P4.2",
        part: "",
        key: KEY.nb,
        kind: "exact",
        checks: checkSet("Q(x̂_i | x̂/i) from the whole joint = from the neighbours' agreements alone", ROUND, rRows((r) => r.local)),
        controls: [controlByChecks("only the left neighbour i − 1 matters", "reading the chain as directed", checkSet("left neighbour only", ROUND, rRows((r) => r.left)))],
        measurement: `${rnd.length} conditionals on random assignments: max |joint − neighbours| = ${Math.max(...rnd.map((r) => Math.abs(r.brute - r.local))).toExponential(1)}`,
      }),
    );
    statements.push(
      decide({
        id: "P4.3",
        part: "",
        key: KEY.f,
        kind: "exact",
        checks: checkSet("f(1…1) = N − 1", EXACT, valid.map((r) => ({ params: { N: r.N }, value: r.N - 1, measured: r.f }))),
        controls: [controlByChecks("f(1…1) = N", "counting nodes instead of edges", checkSet("N", EXACT, valid.map((r) => ({ params: { N: r.N }, value: r.N, measured: r.f }))))],
        measurement: `MRF.score(1…1) = N − 1 for N = 2…${maxN}`,
      }),
    );
    const f0Rows = (f: (N: number, i: number) => number) => valid.flatMap((r) => r.f0.map((m, i) => ({ params: { N: r.N, i: i + 1 }, value: f(r.N, i + 1), measured: m })));
    statements.push(
      decide({
        id: "P4.4",
        part: "",
        key: KEY.f0,
        kind: "exact",
        assumptions: ["f(x̂[i] = 0) is the score of all ones with node i set to 0"],
        checks: checkSet("N − 3 inside, N − 2 at the ends", EXACT, f0Rows((N, i) => (i > 1 && i < N ? N - 3 : N - 2))),
        controls: [controlByChecks("N − 2 for every i", "forgetting that an inner node has two edges", checkSet("N − 2", EXACT, f0Rows((N) => N - 2)))],
        measurement: `MRF.score with node i set to 0, all i, N = 2…${maxN}`,
      }),
    );
    const condRows = (inner: boolean, f: (N: number) => number) => valid.flatMap((r) => r.cond.map((m, i) => ({ N: r.N, i: i + 1, m })).filter((c) => (c.i > 1 && c.i < c.N) === inner).map((c) => ({ params: { N: c.N, i: c.i }, value: f(c.N), measured: c.m })));
    const readingI = "Q_f(x̂[i = 1] | x̂/i) means Q_f(x̂[i] = 1 | x̂/i), node i taking the value 1 (the '= 1' slipped inside the brackets)";
    const sig2 = 1 / (1 + Math.exp(-2));
    const sig1 = 1 / (1 + Math.exp(-1));
    statements.push(
      decide({
        id: "P4.5",
        part: "",
        key: KEY.mid,
        kind: "exact",
        reading: { how: readingI, checks: checkSet("1/(1 + e^{−2}) at inner nodes", ROUND, condRows(true, () => sig2)) },
        controls: [controlByChecks("1/(1 + e^{−1}) at inner nodes", "one edge's worth of score instead of two", checkSet("1/(1 + e^{−1})", ROUND, condRows(true, () => sig1)))],
        measurement: `brute-force conditionals at all inner nodes, N = 3…${maxN}: ${sig2.toFixed(6)}`,
      }),
    );
    statements.push(
      decide({
        id: "P4.6",
        part: "",
        key: KEY.end,
        kind: "exact",
        reading: { how: readingI, checks: checkSet("1/(1 + e^{−1}) at the end nodes", ROUND, condRows(false, () => sig1)) },
        controls: [controlByChecks("1/(1 + e^{−2}) at the end nodes", "treating an end node like an inner one", checkSet("1/(1 + e^{−2})", ROUND, condRows(false, () => sig2)))],
        measurement: `brute-force conditionals at nodes 1 and N, N = 2…${maxN}: ${sig1.toFixed(6)}`,
      }),
    );
    const keyPL = (N: number) => (1 + Math.exp(-1)) ** -2 * (1 + Math.exp(-2)) ** -(N - 2);
    const plRows = (f: (r: Row) => number) => valid.map((r) => ({ params: { N: r.N }, value: f(r), measured: r.pl }));
    const n1 = rows.find((r) => r.N === 1)!;
    statements.push(
      decide({
        id: "P4.7",
        part: "",
        key: KEY.pl,
        kind: "exact",
        assumptions: [`N ≥ 2 (for N = 1 there are no edges; measured ${n1.pl.toFixed(4)} = ½, the formula gives ${keyPL(1).toFixed(4)})`],
        checks: checkSet("(1 + e^{−1})^{−2}(1 + e^{−2})^{−(N−2)}", plTest, plRows((r) => keyPL(r.N))),
        controls: [
          controlByChecks("(1 + e^{−1})^{−2}(1 + e^{−2})^{−N}", "counting every node as inner", checkSet("exponent −N", plTest, plRows((r) => (1 + Math.exp(-1)) ** -2 * (1 + Math.exp(-2)) ** -r.N))),
          controlByChecks("Q(1…1) = e^{N−1}/(2(1 + e)^{N−1}), the likelihood", "confusing the pseudolikelihood with the likelihood", checkSet("likelihood", plTest, plRows((r) => r.q))),
        ],
        plots: ["P4-pl-vs-likelihood"],
        measurement: `brute force equals the closed form for N = 2…${maxN} (max relative |Δ| ${Math.max(...valid.map((r) => Math.abs(r.pl / keyPL(r.N) - 1))).toExponential(1)})`,
      }),
    );
    await ctx.tick("P4 verdicts");
    measurements.push({
      name: "fl.prob MRF.logPseudoLikelihood (neighbours only) vs brute force, all ones, max relative |Δ|",
      params: { N: `2..${maxN}` },
      value: Math.max(...valid.map((r) => Math.abs(r.lib - r.pl) / r.pl)),
      uncertainty: 0,
      reference: 0,
      agrees: Math.max(...valid.map((r) => Math.abs(r.lib - r.pl) / r.pl)) <= 1e-12,
    });
    const Ns = valid.map((r) => r.N);
    const plots: PlotSpec[] = [
      {
        id: "P4-pl-vs-likelihood",
        title: "P4: pseudolikelihood and likelihood of all ones against N",
        xTitle: "nodes N",
        xIntegers: true,
        yTitle: "probability",
        logY: true,
        series: [
          { name: "pseudolikelihood, brute force", kind: "measured", points: valid.map((r) => ({ x: r.N, y: r.pl })) },
          { name: "key: (1+e^{−1})^{−2}(1+e^{−2})^{−(N−2)}", kind: "key", points: Ns.map((N) => ({ x: N, y: keyPL(N) })) },
          { name: "likelihood Q(1…1), exact (control)", kind: "control", points: valid.map((r) => ({ x: r.N, y: r.q })) },
        ],
      },
    ];
    return {
      setup:
        `fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2) }) in float64, N = 1…${maxN}. Scores from MRF.score, ln Z by enumerating all 2^N assignments. ` +
        "Each conditional is computed from the full joint as Q(x̂)/Σ_v Q(x̂ with x̂_i = v), so the measurement does not assume the local form that the key derives; random assignments (4 per N, N = 3…12) test the neighbour statement beyond all ones. Exact quantities agree within float64 rounding bounds stated with them.",
      statements,
      measurements,
      plots,
    };
  },
};
