import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const f64 = { dtype: "float64" as const };

interface Config {
  n: number;
  states: number | number[];
  perEdge: boolean;
  unary: boolean;
  /** Relabel nodes along the path by a permutation and flip some edge orientations. */
  scramble: boolean;
  seed: number;
}

function makeChain(c: Config, scale = 1): { model: fl.prob.MRF; unary: fl.Tensor | null; pairwise: fl.Tensor } {
  const gen = new fl.Generator(c.seed);
  const S = typeof c.states === "number" ? c.states : Math.max(...c.states);
  const perm = c.scramble ? Array.from(gen.permutation(c.n)) : Array.from({ length: c.n }, (_, i) => i);
  const edges: [number, number][] = [];
  for (let k = 0; k < c.n - 1; k++) edges.push(gen.random() < (c.scramble ? 0.5 : 0) ? [perm[k + 1]!, perm[k]!] : [perm[k]!, perm[k + 1]!]);
  if (c.scramble) edges.reverse();
  const E = edges.length;
  const rnd = (shape: number[]): fl.Tensor => {
    const t = fl.randn(shape, { seed: c.seed * 7 + shape.length, dtype: "float64" });
    for (let i = 0; i < t.size; i++) t.data[i] *= scale;
    t.requiresGrad = true;
    return t;
  };
  const pairwise = c.perEdge ? rnd([E, S, S]) : rnd([S, S]);
  const unary = c.unary ? rnd([c.n, S]) : null;
  const list = c.states;
  const states = typeof list === "number" ? list : list.map((_, k) => list[perm.indexOf(k)]!);
  const model = new fl.prob.MRF({ nodes: c.n, states, edges, pairwise, unary });
  return { model, unary, pairwise };
}

const configs: Config[] = [
  { n: 1, states: 3, perEdge: false, unary: true, scramble: false, seed: 1 },
  { n: 2, states: 2, perEdge: true, unary: true, scramble: false, seed: 2 },
  { n: 3, states: 3, perEdge: false, unary: false, scramble: true, seed: 3 },
  { n: 5, states: [2, 3, 4, 2, 3], perEdge: true, unary: true, scramble: true, seed: 4 },
  { n: 7, states: 3, perEdge: true, unary: true, scramble: true, seed: 5 },
  { n: 9, states: 2, perEdge: false, unary: true, scramble: true, seed: 6 },
  { n: 12, states: 2, perEdge: true, unary: true, scramble: true, seed: 7 },
];

function grads(c: Config, method: "dp" | "enumerate"): { value: number; gu: number[] | null; gp: number[] } {
  const { model, unary, pairwise } = makeChain(c);
  expect(model.chain()).not.toBeNull();
  const lz = model.logPartition({ method });
  lz.backward();
  return { value: lz.item(), gu: unary ? Array.from(unary.grad!.data) : null, gp: Array.from(pairwise.grad!.data) };
}

describe("MRF: chain DP against enumeration", () => {
  it.each(configs)("log Z and its gradients agree (N = $n, states $states, perEdge $perEdge, scrambled $scramble)", (c) => {
    const dp = grads(c, "dp");
    const en = grads(c, "enumerate");
    expect(Math.abs(dp.value - en.value)).toBeLessThan(1e-10);
    dp.gp.forEach((g, i) => expect(Math.abs(g - en.gp[i]!)).toBeLessThan(1e-10));
    if (dp.gu) dp.gu.forEach((g, i) => expect(Math.abs(g - en.gu![i]!)).toBeLessThan(1e-10));
  });

  it.each(configs)("node and edge marginals agree (N = $n)", (c) => {
    const { model } = makeChain(c);
    const a = model.marginals({ method: "dp" }).data;
    const b = model.marginals({ method: "enumerate" }).data;
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-10));
    const ea = model.edgeMarginals({ method: "dp" }).data;
    const eb = model.edgeMarginals({ method: "enumerate" }).data;
    ea.forEach((v, i) => expect(Math.abs(v - eb[i]!)).toBeLessThan(1e-10));
    // each node's marginal sums to 1 over its own states and is 0 on padded ones
    for (let i = 0; i < model.n; i++) {
      let s = 0;
      for (let t = 0; t < model.S; t++) {
        if (t >= model.states[i]!) expect(a[i * model.S + t]).toBe(0);
        s += a[i * model.S + t]!;
      }
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it("log Q sums to one over all assignments; logProb = score − log Z", () => {
    const { model } = makeChain(configs[4]!);
    const p = model.probabilities().data;
    expect(Array.from(p).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const x = model.assignment(123);
    expect(model.logProb(x).item()).toBeCloseTo(Math.log(p[123]!), 10);
  });

  it("the seed's chain: log Z = ln 2 + (N − 1) ln(1 + e) for N in the thousands, marginals ½", () => {
    const N = 3000;
    const m = fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2, f64) });
    const t0 = performance.now();
    const lz = m.logPartition().item();
    const ms = performance.now() - t0;
    expect(Math.abs(lz - (Math.LN2 + (N - 1) * Math.log1p(Math.E)))).toBeLessThan(1e-8);
    expect(ms).toBeLessThan(500);
    const marg = m.marginals().data;
    for (let i = 0; i < marg.length; i++) expect(marg[i]).toBeCloseTo(0.5, 10);
  });
});

describe("MRF: gradient checks (finite differences, float64)", () => {
  const c: Config = { n: 4, states: [2, 3, 3, 2], perEdge: true, unary: true, scramble: true, seed: 11 };
  const { model } = makeChain(c);
  const rebuild = (u: fl.Tensor, p: fl.Tensor): fl.prob.MRF => model.withPotentials({ unary: u, pairwise: p });
  const inputs = [model.unary!.detach(), model.pairwise.detach()];
  const xs = [
    [1, 2, 0, 1],
    [0, 0, 2, 1],
    [1, 1, 1, 0],
  ];
  // x must respect each node's states; the model's node order is scrambled, so build valid ones
  const valid = xs.map((r) => r.map((v, i) => v % model.states[i]!));

  it.each([
    ["logPartition dp", (m: fl.prob.MRF) => m.logPartition({ method: "dp" })],
    ["logPartition enumerate", (m: fl.prob.MRF) => m.logPartition({ method: "enumerate" })],
    ["score (batch)", (m: fl.prob.MRF) => m.score(valid)],
    ["logProb", (m: fl.prob.MRF) => m.logProb(valid[0]!)],
    ["logPseudoLikelihood (batch)", (m: fl.prob.MRF) => m.logPseudoLikelihood(valid)],
    ["conditional (batch, node 1)", (m: fl.prob.MRF) => m.conditional(valid, 1)],
    ["probabilities", (m: fl.prob.MRF) => m.probabilities()],
  ] as const)("%s", (_name, fn) => {
    const r = fl.gradcheck((u, p) => fn(rebuild(u!, p!)), inputs, { atol: 1e-6, rtol: 1e-5 });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("shared pairwise on a grid: pseudolikelihood and enumerated log Z", () => {
    const g = fl.prob.gridMRF(2, 3, { states: 3, pairwise: fl.randn([3, 3], { seed: 3, dtype: "float64" }), unary: fl.randn([6, 3], { seed: 4, dtype: "float64" }) });
    const x = [[0, 1, 2, 2, 1, 0], [2, 2, 2, 0, 0, 1]];
    for (const fn of [(m: fl.prob.MRF) => m.logPseudoLikelihood(x), (m: fl.prob.MRF) => m.logPartition()]) {
      const r = fl.gradcheck((u, p) => fn(g.withPotentials({ unary: u, pairwise: p })), [g.unary!, g.pairwise], { atol: 1e-6, rtol: 1e-5 });
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    }
  });
});

describe("MRF: the seed's model (Problem 4)", () => {
  it("scores: f(all ones) = N − 1; flipping an end node gives N − 2, an interior one N − 3", () => {
    const N = 6;
    const m = fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2) });
    const ones = new Array(N).fill(1);
    expect(m.score(ones).item()).toBe(N - 1);
    for (let i = 0; i < N; i++) {
      const y = ones.slice();
      y[i] = 0;
      expect(m.score(y).item()).toBe(i === 0 || i === N - 1 ? N - 2 : N - 3);
    }
  });

  it("pseudolikelihood of all ones = Π of conditionals by enumeration = (1+e^−1)^−2 (1+e^−2)^−(N−2), N = 2…12", () => {
    for (let N = 2; N <= 12; N++) {
      const m = fl.prob.chainMRF(N, { states: 2, pairwise: fl.eye(2, f64) });
      const ones = new Array(N).fill(1);
      const p = m.probabilities().data;
      const K = p.length;
      const all = K - 1; // all ones is the last assignment (node 0 most significant)
      let prod = 1;
      for (let i = 0; i < N; i++) {
        const flipped = all - 2 ** (N - 1 - i);
        const cond = p[all]! / (p[all]! + p[flipped]!); // P(x_i = 1 | rest) from the joint
        // the neighbour-only conditional agrees with the joint's
        expect(m.conditional(ones, i).data[1]).toBeCloseTo(cond, 12);
        prod *= cond;
      }
      const pl = Math.exp(m.logPseudoLikelihood(ones).item());
      const closed = (1 + Math.exp(-1)) ** -2 * (1 + Math.exp(-2)) ** -(N - 2);
      expect(Math.abs(pl - prod)).toBeLessThan(1e-13);
      expect(Math.abs(pl - closed)).toBeLessThan(1e-13);
    }
  });
});

describe("MRF: sampling", () => {
  function checkMarginals(model: fl.prob.MRF, samples: fl.Tensor, correlated: boolean): number {
    const exact = model.marginals().data;
    const [T, N] = samples.shape as [number, number];
    let worst = 0;
    for (let i = 0; i < N; i++)
      for (let s = 0; s < model.states[i]!; s++) {
        const ind = new Float64Array(T);
        for (let t = 0; t < T; t++) ind[t] = samples.data[t * N + i] === s ? 1 : 0;
        const est = correlated ? fl.prob.batchMeans(ind, 50) : fl.prob.mcMean(ind);
        const z = Math.abs(est.estimate - exact[i * model.S + s]!) / est.stderr;
        worst = Math.max(worst, z);
      }
    return worst;
  }

  it("Gibbs marginals fall within sampling error (batch means) of the exact chain marginals", () => {
    const { model } = makeChain({ n: 6, states: 3, perEdge: true, unary: true, scramble: true, seed: 21 }, 0.8);
    const samples = model.gibbs({ sweeps: 20000, seed: 5, burnIn: 200 });
    expect(samples.shape).toEqual([20000, 6]);
    // 18 comparisons at 4.5σ: a false alarm has probability ≈ 1e-4
    expect(checkMarginals(model, samples, true)).toBeLessThan(4.5);
  });

  it("Gibbs on a 3×3 grid matches enumerated marginals; a wrong model does not", () => {
    const g = fl.prob.gridMRF(3, 3, { states: 2, pairwise: fl.tensor([[0.8, -0.3], [-0.3, 0.8]], undefined, f64), unary: fl.randn([9, 2], { seed: 8, dtype: "float64" }) });
    const samples = g.gibbs({ sweeps: 20000, seed: 9, burnIn: 200, thin: 1 });
    expect(checkMarginals(g, samples, true)).toBeLessThan(4.5);
    // the test can fail: the same samples against a model with flipped couplings are far off
    const wrong = g.withPotentials({ pairwise: fl.tensor([[-0.8, 0.3], [0.3, -0.8]], undefined, f64) });
    expect(checkMarginals(wrong, samples, true)).toBeGreaterThan(10);
  });

  it("exact chain samples (forward filtering, backward sampling) match the marginals; seeds reproduce", () => {
    const { model } = makeChain({ n: 7, states: [2, 3, 2, 3, 2, 3, 2], perEdge: true, unary: true, scramble: true, seed: 31 });
    const s1 = model.sample({ n: 5000, seed: 4 });
    expect(checkMarginals(model, s1, false)).toBeLessThan(4.5);
    expect(Array.from(model.sample({ n: 50, seed: 4 }).data)).toEqual(Array.from(s1.data.subarray(0, 350)));
    const s2 = model.sample({ n: 5000, seed: 4, method: "enumerate" });
    expect(checkMarginals(model, s2, false)).toBeLessThan(4.5);
  });
});

describe("MRF: learning", () => {
  const N = 8;
  const J = [0.9, -0.6, 0.4, 1.2, -1.0, 0.2, 0.7];
  const truthUnary = fl.randn([N, 2], { seed: 41, dtype: "float64" });
  for (let i = 0; i < truthUnary.size; i++) truthUnary.data[i] *= 0.5;
  // Ψ_e = J_e · I, so the interaction (log odds ratio) Ψ00 + Ψ11 − Ψ01 − Ψ10 = 2 J_e
  const pw = fl.zeros([N - 1, 2, 2], f64);
  J.forEach((j, e) => {
    pw.data[e * 4] = j;
    pw.data[e * 4 + 3] = j;
  });
  const truth = fl.prob.chainMRF(N, { states: 2, pairwise: pw, unary: truthUnary });
  const data = truth.sample({ n: 5000, seed: 42 });

  it("maximum pseudolikelihood recovers the couplings from 5,000 samples (|error| < 0.25 on 2J)", () => {
    const unary = fl.zeros([N, 2], { dtype: "float64", requiresGrad: true });
    const pairwise = fl.zeros([N - 1, 2, 2], { dtype: "float64", requiresGrad: true });
    const model = fl.prob.chainMRF(N, { states: 2, pairwise, unary });
    const opt = new fl.optim.Adam([unary, pairwise], { lr: 0.05 });
    const { losses } = fl.prob.fitMRF(model, data, { objective: "pseudolikelihood", optimizer: opt, steps: 300 });
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const p = pairwise.data;
    J.forEach((j, e) => {
      const est = p[e * 4]! + p[e * 4 + 3]! - p[e * 4 + 1]! - p[e * 4 + 2]!;
      expect(Math.abs(est - 2 * j), `edge ${e}: ${est} vs ${2 * j}`).toBeLessThan(0.25);
    });
  });

  it("maximum likelihood through log Z (Ψ_e = J_e·I built from parameters, SGD) recovers J within 0.12", () => {
    const Jhat = fl.zeros([N - 1], { dtype: "float64", requiresGrad: true });
    const unary = fl.zeros([N, 2], { dtype: "float64", requiresGrad: true });
    const eye = fl.eye(2, f64);
    const build = (): fl.prob.MRF => fl.prob.chainMRF(N, { states: 2, unary, pairwise: fl.mul(fl.reshape(Jhat, [N - 1, 1, 1]), eye) });
    const opt = new fl.optim.SGD([Jhat, unary], { lr: 1.0, momentum: 0.5 });
    const { losses } = fl.prob.fitMRF(build, data, { objective: "likelihood", optimizer: opt, steps: 200 });
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    J.forEach((j, e) => expect(Math.abs(Jhat.data[e]! - j), `edge ${e}: ${Jhat.data[e]} vs ${j}`).toBeLessThan(0.12));
  });
});

describe("MRF: errors", () => {
  it("enumeration above the limit names the count and suggests alternatives", () => {
    const m = fl.prob.chainMRF(23, { states: 2, pairwise: fl.eye(2) });
    expect(() => m.logPartition({ method: "enumerate" })).toThrow(/2\^23 = 8388608 assignments.*limit of 4194304/);
    expect(m.logPartition().item()).toBeCloseTo(Math.LN2 + 22 * Math.log1p(Math.E), 3);
  });
  it("dp on a non-chain, bad shapes and bad assignments", () => {
    const g = fl.prob.gridMRF(2, 2, { states: 2, pairwise: fl.eye(2) });
    expect(() => g.logPartition({ method: "dp" })).toThrow(/needs a chain/);
    expect(() => fl.prob.chainMRF(3, { states: 2, pairwise: fl.zeros([3, 2, 2]) })).toThrow(/\[E, S, S\] = \[2, 2, 2\], got \[3, 2, 2\]/);
    expect(() => fl.prob.chainMRF(3, { states: 2, pairwise: fl.eye(2), unary: fl.zeros([3, 3]) })).toThrow(/unary must be \[N, S\] = \[3, 2\]/);
    const m = fl.prob.chainMRF(3, { states: [2, 3, 2], pairwise: fl.zeros([3, 3]) });
    expect(() => m.score([0, 3, 1])).toThrow(/node 1 has value 3; node 1 takes states 0..2/);
    expect(() => m.score([0, 1])).toThrow(/needs 3 values/);
    expect(() => new fl.prob.MRF({ states: 2, edges: [[0, 0]], pairwise: fl.eye(2) })).toThrow(/self-loop/);
  });
});
